"""Option labels are true deltas: every option's `delta` (and an excluded option's proposed
`resolution`) equals the brute-force answer on random small products.

By definition, with P the current picks:
- selected: 0;
- available: price(P with the option: replacing a single-choice group's pick, joining a
  multi-choice group's picks) - price(P);
- excluded: price(R) - price(P), where R is a complete valid configuration containing the
  option that keeps the most of the other picks (a single-choice group's own pick does not
  count: the click replaces it) and, among those, is the cheapest.
"""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import (
    compile_product,
    configure,
    default_completion,
    product_from_document,
    resolutions,
)
from configurator.engine.completion import resolution_keeping
from configurator.engine.deltas import option_deltas
from configurator.engine.resolutions import Passes
from configurator.engine.results import Picks
from configurator.engine.selections import as_dict, parse_selections
from tests.unit.engine.conftest import compiled_from, small_product
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs, selections_for

DEMO = Path(__file__).resolve().parents[3] / "configurator" / "demo" / "catalogue.json"


def _config(doc: dict, selections: dict[str, list[str]]) -> dict[str, list[str]]:
    return {g["code"]: list(selections.get(g["code"], [])) for g in doc["groups"]}


def _kept(config, wanted: list[tuple[str, str]]) -> int:
    return sum(o in config[g] for g, o in wanted)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_option_deltas_equal_brute_force(data):
    doc = data.draw(product_docs())
    oracle = Oracle(doc)
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    result = configure(compiled, selections, explain_resolutions=True)
    now = oracle.price(_config(doc, selections))

    for group in result.groups:
        single = group.max == 1
        picks = selections.get(group.code, [])
        for option in group.options:
            lit = f"{group.code}.{option.code}"
            assert isinstance(option.delta, Decimal)
            if option.state == "selected":
                assert option.delta == 0, lit
                assert option.resolution is None
                continue
            if option.state == "available":
                after = {
                    **selections,
                    group.code: [option.code] if single else [*picks, option.code],
                }
                assert option.delta == oracle.price(_config(doc, after)) - now, lit
                assert option.resolution is None
                continue
            containing = [c for c in oracle.configs if option.code in c[group.code]]
            if not containing:
                assert option.resolution is None and option.delta == 0, lit
                continue
            wanted = [
                (g, o)
                for g, opts in selections.items()
                for o in opts
                if not (single and g == group.code)
            ]
            most = max(_kept(c, wanted) for c in containing)
            cheapest = min(oracle.price(c) for c in containing if _kept(c, wanted) == most)
            resolution = option.resolution
            assert resolution is not None and oracle.is_valid_config(resolution), lit
            assert option.code in resolution[group.code]
            assert _kept(resolution, wanted) == most, lit
            assert oracle.price(resolution) == cheapest, lit
            assert option.delta == cheapest - now, lit
            if result.valid:
                _check_resolution_reasons(doc, oracle, selections, group.code, option, wanted)


def _check_resolution_reasons(doc, oracle, selections, group_code, option, wanted):
    """Every pick the resolution changes is named, with rules, by a reason whose picks
    (with the click) cannot all hold."""
    dropped = {f"{g}.{o}" for g, o in wanted if o not in option.resolution[g]}
    named = {s for r in option.resolution_reasons for s in r.selections}
    assert dropped <= named, (dropped, option.resolution_reasons)
    current = {f"{g}.{o}" for g, opts in selections.items() for o in opts}
    ids = {r["id"] for r in doc["rules"]}
    for reason in option.resolution_reasons:
        assert set(reason.selections) <= current
        assert reason.rule in ids or reason.rule.split(":")[0] in ("min", "max")
        together: dict[str, list[str]] = {group_code: [option.code]}
        for s in reason.selections:
            g, _, o = s.partition(".")
            together.setdefault(g, []).append(o)
        assert not oracle.containing(together), reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_resolution_keeping_equals_brute_force(data):
    doc = data.draw(product_docs())
    oracle = Oracle(doc)
    compiled = compile_product(product_from_document(doc, "EUR"))
    keep = data.draw(selections_for(doc))
    wanted = data.draw(selections_for(doc))
    picks = resolution_keeping(
        compiled,
        keep=parse_selections(compiled.index, compiled.product, keep),
        wanted=parse_selections(compiled.index, compiled.product, wanted),
    )
    containing = oracle.containing(keep)
    if not containing:
        assert picks is None
        return
    resolution = as_dict(compiled.index, picks)
    pairs = [(g, o) for g, opts in wanted.items() for o in opts]
    most = max(_kept(c, pairs) for c in containing)
    assert oracle.is_valid_config(resolution)
    assert all(set(v) <= set(resolution[g]) for g, v in keep.items())
    assert _kept(resolution, pairs) == most
    assert oracle.price(resolution) == min(
        oracle.price(c) for c in containing if _kept(c, pairs) == most
    )


def test_credit_counts_in_the_label():
    doc = small_product(
        [("os", 1, 1, ["win", "linux"]), ("cpu", 1, 1, ["a", "b"])],
        price_rules=[{"id": "linux", "when": ["os.linux"], "amount": "-50.00", "label": "x"}],
    )
    result = configure(compiled_from(doc), {"os": ["win"], "cpu": ["a"]})
    linux = result.groups[0].options[1]
    assert linux.state == "available" and linux.price == Decimal("1.00")
    assert linux.delta == Decimal("-50.00")


def test_excluded_label_is_the_whole_resolution():
    doc = small_product(
        [
            ("gpu", 1, 1, ["igpu", "dgpu"]),
            ("cpu", 1, 1, ["slow", "fast"]),
            ("psu", 1, 1, ["s", "l"]),
        ],
        rules=[
            {
                "id": "board",
                "type": "requires",
                "if": ["gpu.dgpu"],
                "then": ["cpu.fast"],
                "message": "The graphics card needs the fast processor",
            },
            {
                "id": "power",
                "type": "requires",
                "if": ["gpu.dgpu"],
                "then": ["psu.l"],
                "message": "The graphics card needs the large power supply",
            },
        ],
    )
    picks = {"gpu": ["igpu"], "cpu": ["slow"], "psu": ["s"]}
    result = configure(compiled_from(doc), picks, explain_resolutions=True)
    dgpu = result.groups[0].options[1]
    assert dgpu.state == "excluded"
    assert dgpu.resolution == {"gpu": ["dgpu"], "cpu": ["fast"], "psu": ["l"]}
    # Every option costs 1.00: the new picks replace old ones, so the total is unchanged.
    assert dgpu.delta == 0
    assert {r.rule for r in dgpu.resolution_reasons} == {"board", "power"}
    assert {s for r in dgpu.resolution_reasons for s in r.selections} == {"cpu.slow", "psu.s"}


@pytest.mark.parametrize("code", ["nb14", "nb16c", "tower"])
def test_demo_labels_add_up_when_the_resolution_is_applied(code):
    """On the demo products, from the default configuration: picking an option (or
    applying an excluded option's resolution) changes the total by exactly its delta."""
    catalogue = json.loads(DEMO.read_text())
    doc = next(p for p in catalogue["products"] if p["code"] == code)
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = default_completion(compiled)
    result = configure(compiled, selections)
    for group in result.groups:
        for option in group.options:
            if option.state == "excluded":
                after = option.resolution
            elif group.max == 1:
                after = {**selections, group.code: [option.code]}
            else:
                picks = selections[group.code]
                after = {**selections, group.code: sorted({*picks, option.code})}
            changed = configure(compiled, after)
            assert changed.valid
            assert changed.price.total - result.price.total == option.delta, option.code


def test_huge_prices_are_compared_exactly():
    """Amounts beyond what int64 scores can hold switch the sweeps to exact integers."""
    doc = small_product(
        [("a", 1, 1, ["x", "y", "z"]), ("b", 1, 1, ["p", "q"]), ("c", 0, 2, ["m", "n"])],
        rules=[
            {"id": "r", "type": "requires", "if": ["a.z"], "then": ["b.q"], "message": "z needs q"}
        ],
    )
    prices = {"x": "0.00", "y": "12345678901234567.89", "z": "98765432109876543.21"}
    for option in doc["groups"][0]["options"]:
        option["price"] = prices[option["code"]]
    doc["groups"][1]["options"][1]["price"] = "55555555555555555.55"
    oracle = Oracle(doc)
    compiled = compiled_from(doc)
    result = configure(compiled, {"a": ["x"], "b": ["p"], "c": []})
    z = result.groups[0].options[2]
    assert z.state == "excluded"
    expected = min(oracle.price(c) for c in oracle.configs if "z" in c["a"] and not c["c"])
    assert z.resolution == {"a": ["z"], "b": ["q"], "c": []}
    assert z.delta == expected - oracle.price({"a": ["x"], "b": ["p"], "c": []})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), rebuild=st.booleans())
def test_excluded_resolutions_are_whole_configurations(data, rebuild):
    """Each excluded option's two resolution dicts, copied from one shared base with its
    own differences written over, are exactly its configuration from the passes: group ->
    mask, and every group's codes in product order (`as_dict`)."""
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    index = compiled.index
    passes = Passes(compiled, parse_selections(index, compiled.product, selections))
    with patch.object(resolutions, "WALK_STEPS", 0 if rebuild else 10**9):
        deltas = option_deltas(passes)
    for g, row in enumerate(deltas):
        for o, found in enumerate(row):
            if found.resolution is None:
                assert found.selections is None
                continue
            assert passes.changes[g][o] > 0
            assert found.resolution == passes.configuration((g, o))
            expected = as_dict(index, found.resolution)
            assert found.selections == expected
            assert list(found.selections) == list(expected)  # product order
            assert all(type(v) is Picks for v in found.selections.values())


def test_shared_picks_cannot_be_corrupted(notebook):
    """Excluded options' resolutions share their lists: every one refuses a change, and
    a change to one option's dict leaves the others as they were."""
    result = configure(notebook, {"chassis": ["nb14"], "cpu": ["u5"], "memory": ["16gb"]})
    excluded = [o for g in result.groups for o in g.options if o.resolution is not None]
    assert len(excluded) >= 2
    first, second = excluded[0].resolution, excluded[1].resolution
    before = {k: list(v) for k, v in second.items()}
    picks = first["cpu"]
    for change in (
        lambda: picks.append("u9"),
        lambda: picks.extend(["u9"]),
        lambda: picks.insert(0, "u9"),
        lambda: picks.remove(picks[0]),
        lambda: picks.pop(),
        lambda: picks.clear(),
        lambda: picks.sort(),
        lambda: picks.reverse(),
        lambda: picks.__setitem__(0, "u9"),
        lambda: picks.__delitem__(0),
        lambda: picks.__iadd__(["u9"]),
        lambda: picks.__imul__(2),
    ):
        with pytest.raises(TypeError):
            change()
    first["cpu"] = ["u9"]  # the dict is the option's own
    assert second == before
    assert picks == list(picks) and json.loads(json.dumps(picks)) == list(picks)
    for copied in (pickle.loads(pickle.dumps(picks)), copy.copy(picks), copy.deepcopy(picks)):
        assert copied == picks and type(copied) is Picks
    assert [*picks, "u9"][-1] == "u9" and picks + ["u9"] == [*picks, "u9"]
