"""Specs and starting points in `atelier-catalogue/1`: the schema accepts them, refuses
bad ones with their JSON path, and the canonical form keeps a spec sheet's order."""

from __future__ import annotations

import copy
import json

import pytest

from configurator.interchange import canonical, canonical_text, validate_catalogue
from configurator.shop.specs import spec_sheet


def _messages(document) -> list[str]:
    return [str(e) for e in validate_catalogue(document)]


def test_demo_has_specs_and_two_to_four_starting_points_per_product(demo):
    assert validate_catalogue(demo) == []
    for product in demo["products"]:
        assert product["specs"]
        assert 2 <= len(product["starting_points"]) <= 4
        assert all(o.get("specs") for g in product["groups"] for o in g["options"])
    standard = {json.dumps(s["selections"], sort_keys=True) for s in demo["standard_products"]}
    starts = {
        json.dumps(s["selections"], sort_keys=True)
        for p in demo["products"]
        for s in p["starting_points"]
    }
    assert standard <= starts  # every standard stocked product is a starting point


def test_canonical_keeps_the_order_of_specs_and_omits_empty_ones(demo):
    product = demo["products"][0]
    product["specs"] = {"Weight": "1.3 kg", "Battery": "54 Wh", "Accessories": "None"}
    product["groups"][0]["options"][1]["specs"] = {}
    product["groups"][0]["options"][2].pop("specs")
    out = canonical(demo)["products"][0]
    assert list(out["specs"]) == ["Weight", "Battery", "Accessories"]
    assert "specs" not in out["groups"][0]["options"][1]
    keys = list(out)
    assert keys.index("specs") == keys.index("base_price") + 1
    assert keys[-1] == "starting_points"
    # Selections of a starting point: groups sorted, picks in order (as standard products').
    assert list(out["starting_points"][0]["selections"]) == sorted(
        product["starting_points"][0]["selections"]
    )
    assert canonical(canonical(demo)) == canonical(demo)


def test_a_product_without_specs_or_starting_points_keeps_its_old_form(design_example):
    text = canonical_text(design_example)
    assert '"specs"' not in text and '"starting_points"' not in text
    product = copy.deepcopy(design_example)
    product["products"][0]["starting_points"] = []
    assert canonical_text(product) == text


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda p: p["specs"].update({"Weight": 1.3}),
            "products[0].specs.Weight: must be a string, not a number",
        ),
        (
            lambda p: p["groups"][0]["options"][0]["specs"].update({"Cores / threads": ""}),
            'products[0].groups[0].options[0].specs["Cores / threads"]: must not be empty',
        ),
        (
            lambda p: p["specs"].update({" Weight": "x"}),
            'products[0].specs: key " Weight" must be a spec name',
        ),
        (
            lambda p: p.update(specs=["Weight"]),
            "products[0].specs: must be an object, not an array",
        ),
        (
            lambda p: p["starting_points"][0].pop("selections"),
            "products[0].starting_points[0]: missing required field 'selections'",
        ),
        (
            lambda p: p["starting_points"][0].update(code="Not A Code"),
            'products[0].starting_points[0].code: "Not A Code" must be a code',
        ),
        (
            lambda p: p["starting_points"][0].update(price="1.00"),
            "products[0].starting_points[0]: unknown field 'price'",
        ),
        (
            lambda p: p["starting_points"][1].update(code=p["starting_points"][0]["code"]),
            "products[0].starting_points[1].code: duplicate starting point code 'everyday'",
        ),
        (
            lambda p: p["starting_points"][0]["selections"].update(cpu=["x9"]),
            "products[0].starting_points[0].selections.cpu[0]: unknown option 'cpu.x9'",
        ),
        (
            lambda p: p["starting_points"][0]["selections"].update(ghost=["x"]),
            "products[0].starting_points[0].selections.ghost: unknown group 'ghost'",
        ),
        (
            lambda p: p["starting_points"][0]["selections"].pop("os"),
            "products[0].starting_points[0].selections: 0 option(s) picked in group 'os', "
            "which takes exactly 1",
        ),
        (
            lambda p: p["starting_points"][0]["selections"].update(cpu=["u5", "u7"]),
            "products[0].starting_points[0].selections.cpu: 2 option(s) picked in group 'cpu'",
        ),
    ],
    ids=[
        "spec-not-string",
        "spec-empty",
        "spec-name-spaces",
        "specs-not-object",
        "start-no-selections",
        "start-bad-code",
        "start-unknown-field",
        "start-duplicate-code",
        "start-unknown-option",
        "start-unknown-group",
        "start-group-short",
        "start-group-over",
    ],
)
def test_bad_specs_and_starting_points_are_refused_with_their_path(demo, mutate, expected):
    mutate(demo["products"][0])
    messages = _messages(demo)
    assert any(m.startswith(expected) for m in messages), messages


def test_spec_sheet_merges_in_group_order_and_lets_a_pick_replace_the_products_value():
    product = {
        "specs": {"Weight": "1.3 kg", "Accessories": "None", "Battery": "54 Wh"},
        "groups": [
            {"code": "cpu", "options": [{"code": "u5", "specs": {"Processor": "U5"}}]},
            {
                "code": "battery",
                "options": [{"code": "72wh", "specs": {"Battery": "72 Wh", "Weight": "1.4 kg"}}],
            },
            {
                "code": "accessories",
                "options": [
                    {"code": "mouse", "specs": {"Accessories": "Mouse"}},
                    {"code": "pen", "specs": {"Accessories": "Pen"}},
                    {"code": "sleeve"},
                ],
            },
        ],
    }
    sheet = spec_sheet(product=product, selections={"cpu": ["u5"], "battery": ["72wh"]})
    assert [(r.name, r.value) for r in sheet.rows] == [
        ("Processor", "U5"),
        ("Battery", "72 Wh"),
        ("Weight", "1.4 kg"),
        ("Accessories", "None"),
    ]
    picked = {"cpu": ["u5"], "accessories": ["pen", "mouse", "sleeve", "ghost"]}
    sheet = spec_sheet(product=product, selections=picked)
    assert sheet.as_dict()["Accessories"] == "Mouse, Pen"
    assert sheet.as_dict()["Battery"] == "54 Wh"
    assert not spec_sheet(product={"groups": []}, selections={})


def test_a_rule_that_is_not_an_object_is_an_error_not_a_crash(design_example):
    # Found by the fuzz test (tests/security): the table-row check read every rule as a dict.
    design_example["products"][0]["rules"].append(7)
    messages = _messages(design_example)
    assert any(m.startswith("products[0].rules[4]: must be an object") for m in messages), messages
