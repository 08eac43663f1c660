"""Pricing, bill of materials, build minutes, lint, errors, completions, pickling, purity."""

from __future__ import annotations

import pickle
import subprocess
import sys
from decimal import Decimal

import pytest

from configurator.engine import (
    Budget,
    DiagramTooLarge,
    InvalidSelection,
    UnknownCode,
    bill_of_materials,
    build_minutes,
    cheapest_completion,
    compile_product,
    configure,
    count,
    default_completion,
    lint,
    price,
    product_from_document,
)
from tests.engine_samples import generated_document, notebook_document
from tests.unit.engine.conftest import compiled_from, small_product


def test_price_is_itemised_with_price_rules(notebook):
    quote = price(notebook, {"cpu": ["u7"], "memory": ["32gb"], "accessories": ["dock", "mouse"]})
    assert quote.currency == "EUR"
    kinds = [(line.kind, line.code, line.amount) for line in quote.lines]
    assert kinds[0] == ("base", "nb", Decimal("549.00"))
    assert ("price_rule", "creator", Decimal("-60.00")) in kinds
    assert ("price_rule", "desk", Decimal("-20.00")) in kinds
    assert quote.total == Decimal("549.00") + 180 + 160 + 249 + 39 - 60 - 20
    assert all(isinstance(line.amount, Decimal) for line in quote.lines)


def test_price_accepts_the_product_itself(notebook):
    assert price(notebook.product, {"cpu": ["u9"]}).total == Decimal("939.00")


def test_bill_of_materials_sums_picked_options(notebook):
    bom = bill_of_materials(
        notebook, {"cpu": ["u7"], "accessories": ["dock", "mouse"], "warranty": ["3y"]}
    )
    assert bom == {"U7": 1, "DOCK": 1, "MOUSE": 1}


def test_build_minutes_add_options_to_route(notebook):
    assert build_minutes(notebook, {"cpu": ["u7"], "gpu": ["rtx4060"]}) == {"ASSY": 25, "TEST": 70}
    assert build_minutes(notebook, {}) == {"ASSY": 25, "TEST": 40}


def test_unknown_group_raises_unknown_code(notebook):
    with pytest.raises(UnknownCode) as info:
        configure(notebook, {"colour": ["red"]})
    assert info.value.field == "selections.colour"


def test_unknown_option_raises_unknown_code(notebook):
    with pytest.raises(UnknownCode) as info:
        price(notebook, {"cpu": ["u5", "m3"]})
    assert info.value.field == "selections.cpu[1]"
    assert "m3" in info.value.message


def test_too_many_picks_raise_invalid_selection(notebook):
    with pytest.raises(InvalidSelection) as info:
        configure(notebook, {"cpu": ["u5", "u7"]})
    assert info.value.field == "selections.cpu"
    with pytest.raises(InvalidSelection):
        configure(notebook, {"cpu": "u5"})


def test_lint_finds_dead_option_and_forced_group():
    doc = small_product(
        [("a", 1, 1, ["x", "y"]), ("b", 1, 1, ["p", "q"]), ("c", 0, 2, ["m", "n"])],
        rules=[
            {
                "id": "only-x",
                "type": "requires",
                "if": ["b.p"],
                "then": ["a.x"],
                "message": "p needs x",
            },
            {
                "id": "only-x2",
                "type": "requires",
                "if": ["b.q"],
                "then": ["a.x"],
                "message": "q needs x",
            },
        ],
    )
    report = lint(compiled_from(doc))
    assert not report.empty
    assert report.dead_options == ("a.y",)
    assert report.forced_groups == ("a",)
    assert any("a.y" in m and "p needs x" in m for m in report.messages)


def test_lint_refuses_an_empty_product():
    doc = small_product(
        [("a", 1, 1, ["x"]), ("b", 1, 1, ["y"])],
        rules=[
            {"id": "never", "type": "excludes", "all": ["a.x", "b.y"], "message": "x and y clash"}
        ],
    )
    compiled = compiled_from(doc)
    report = lint(compiled)
    assert report.empty
    assert "x and y clash" in report.messages[0]
    assert count(compiled) == 0 and cheapest_completion(compiled, {}) is None
    result = configure(compiled, {})
    assert not result.valid and result.resolution is None
    assert result.conflicts[0].rules[0].rule == "never"


def test_cheapest_completion_counts_price_rules():
    doc = small_product([("a", 1, 1, ["x", "y"]), ("b", 1, 1, ["p", "q"])])
    doc["groups"][0]["options"][1]["price"] = "5.00"
    doc["price_rules"] = [
        {"id": "deal", "when": ["a.y", "b.q"], "amount": "-10.00", "label": "Deal"}
    ]
    compiled = compiled_from(doc)
    assert cheapest_completion(compiled, {}) == {"a": ["y"], "b": ["q"]}
    assert cheapest_completion(compiled, {"b": ["p"]}) == {"a": ["x"], "b": ["p"]}


def test_default_completion_keeps_defaults(notebook):
    default = default_completion(notebook)
    assert default["cpu"] == ["u5"] and default["chassis"] == ["nb14"]
    assert configure(notebook, default).complete


def test_count_is_exact_and_restricted_by_selections(notebook):
    total = count(notebook)
    assert total == sum(count(notebook, {"cpu": [c]}) for c in ("u5", "u7", "u9"))
    assert count(notebook, {"gpu": ["rtx4060"], "chassis": ["nb14"]}) == 0


def test_compiled_product_survives_pickling(notebook):
    configure(notebook, {"gpu": ["rtx4060"]})  # warm the per-process cache
    data = pickle.dumps(notebook)
    assert len(data) < 200_000
    loaded = pickle.loads(data)
    assert loaded.cache == {}
    for selections in ({}, {"gpu": ["rtx4060"]}, {"chassis": ["nb14"], "gpu": ["rtx4060"]}):
        assert configure(loaded, selections) == configure(notebook, selections)


def test_sample_notebook_is_a_sound_product(notebook):
    report = lint(notebook)
    assert not report.empty and report.dead_options == ()
    assert len(notebook_document()["groups"]) == 12


def test_engine_imports_no_django():
    code = (
        "import sys, configurator.engine;"
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_order_ignores_unknown_literals(notebook):
    result = configure(notebook, {"cpu": ["u7"]}, order=["nope.x", "cpu", "cpu.u5", "cpu.u7"])
    assert result.valid and result.groups[1].selected == ("u7",)


def test_selections_must_be_a_mapping(notebook):
    with pytest.raises(InvalidSelection):
        configure(notebook, [("cpu", ["u5"])])


def test_product_over_the_compile_budget_is_refused_naming_its_groups():
    product = product_from_document(generated_document(seed=7), "EUR")
    try:
        compile_product(product, budget=Budget(max_nodes=200))
    except DiagramTooLarge as error:
        assert error.groups and all(g in error.message for g in error.groups)
        assert "200" in error.message and error.field == "rules"
    else:
        raise AssertionError("the budget was not enforced")
