"""canonical: the exact form an export writes, stable and idempotent."""

from __future__ import annotations

import copy
import json

from atelier.money import amount_text as money
from configurator.interchange import canonical, canonical_text, validate_catalogue
from tests.unit.catalogue.conftest import DEMO


def test_canonical_is_idempotent(design_example, demo):
    for document in (design_example, demo):
        once = canonical(document)
        assert canonical(once) == once
        assert canonical_text(once) == canonical_text(document)


def test_canonical_document_is_still_valid(design_example):
    assert validate_catalogue(canonical(design_example)) == []


def test_demo_file_is_stored_in_canonical_form():
    text = DEMO.read_text(encoding="utf-8")
    assert canonical_text(json.loads(text)) == text


def test_text_round_trip_gives_identical_json(design_example):
    text = canonical_text(design_example)
    assert canonical_text(json.loads(text)) == text


def test_input_is_not_modified_nor_shared(design_example):
    before = copy.deepcopy(design_example)
    result = canonical(design_example)
    assert design_example == before
    result["products"][0]["rules"][2]["allowed"][0][0] = "changed"
    result["products"][0]["groups"][0]["default"].append("u7")
    assert design_example == before


def test_key_order_follows_the_design(design_example):
    result = canonical(design_example)
    assert list(result) == [
        "format",
        "currency",
        "components",
        "work_centres",
        "products",
        "standard_products",
    ]
    product = result["products"][0]
    assert list(product) == [
        "code",
        "name",
        "base_price",
        "route",
        "groups",
        "rules",
        "price_rules",
    ]
    assert list(product["groups"][0]) == ["code", "name", "min", "max", "default", "options"]
    assert list(product["groups"][0]["options"][1]) == [
        "code",
        "name",
        "price",
        "bom",
        "attributes",
        "extra_minutes",
    ]
    assert [list(rule) for rule in product["rules"]] == [
        ["id", "type", "if", "then", "message"],
        ["id", "type", "all", "message"],
        ["id", "type", "groups", "allowed", "message"],
        ["id", "type", "attribute", "op", "limit_attribute", "message"],
    ]
    assert list(result["standard_products"][0]) == [
        "sku",
        "product",
        "selections",
        "price",
        "stock",
    ]


def test_order_that_the_database_does_not_keep_is_normalised(design_example):
    shuffled = copy.deepcopy(design_example)
    shuffled["components"].reverse()
    shuffled["work_centres"].reverse()
    shuffled["work_centres"][0]["workdays"].reverse()
    shuffled["components"][0]["supply"] = [
        {"available_on": "2027-01-01", "quantity": 5},
        {"available_on": "2026-12-01", "quantity": 9},
        {"available_on": "2026-12-01", "quantity": 3},
    ]
    design_example["components"][2]["supply"] = list(shuffled["components"][0]["supply"])
    option = shuffled["products"][0]["groups"][0]["options"][0]
    option["attributes"] = {"zeta": 1, **option["attributes"]}
    design_example["products"][0]["groups"][0]["options"][0]["attributes"]["zeta"] = 1
    selections = shuffled["standard_products"][0]["selections"]
    shuffled["standard_products"][0]["selections"] = dict(reversed(selections.items()))
    assert canonical_text(shuffled) == canonical_text(design_example)
    result = canonical(shuffled)
    assert [c["sku"] for c in result["components"]] == ["CPU-U5", "CPU-U7", "GPU-4060"]
    assert result["components"][2]["supply"] == [
        {"quantity": 3, "available_on": "2026-12-01"},
        {"quantity": 9, "available_on": "2026-12-01"},
        {"quantity": 5, "available_on": "2027-01-01"},
    ]
    assert list(result["standard_products"][0]["selections"]) == sorted(selections)


def test_order_that_carries_meaning_is_kept(design_example):
    product = design_example["products"][0]
    product["groups"].reverse()
    product["rules"].reverse()
    product["route"].reverse()
    product["groups"][0]["default"] = ["sleeve", "mouse"]
    result = canonical(design_example)["products"][0]
    assert [g["code"] for g in result["groups"]] == [g["code"] for g in product["groups"]]
    assert [r["id"] for r in result["rules"]] == [r["id"] for r in product["rules"]]
    assert result["route"] == product["route"]
    assert result["groups"][0]["default"] == ["sleeve", "mouse"]


def test_optional_fields_are_filled_or_dropped_consistently(design_example):
    product = design_example["products"][0]
    del product["route"], product["rules"], product["price_rules"]
    product["description"] = ""
    product["image"] = ""
    group = product["groups"][0]
    del group["default"]
    group["options"][0]["description"] = ""
    del group["options"][0]["bom"], group["options"][0]["attributes"]
    group["options"][0]["extra_minutes"] = {}
    design_example["work_centres"][0]["holidays"] = []
    design_example["work_centres"][0]["plan"] = "build_to_order"
    design_example["work_centres"][1]["plan"] = "batch"
    del design_example["standard_products"]  # components[1] has no "supply" either
    result = canonical(design_example)
    p = result["products"][0]
    assert "description" not in p and "image" not in p
    assert p["route"] == [] and p["rules"] == [] and p["price_rules"] == []
    assert p["groups"][0]["default"] == []
    assert p["groups"][0]["options"][0] == {
        "code": "u5",
        "name": "Core Ultra 5",
        "price": "0.00",
        "bom": {},
        "attributes": {},
    }
    assert result["work_centres"][0] == {
        "code": "ASSY",
        "name": "Assembly",
        "minutes_per_day": 960,
        "workdays": [0, 1, 2, 3, 4],
    }
    assert result["work_centres"][1]["plan"] == "batch"
    assert result["standard_products"] == []
    assert result["components"][0]["supply"] == []


def test_values_are_normalised(design_example):
    product = design_example["products"][0]
    product["base_price"] = "0549.00"
    product["price_rules"][0]["amount"] = "-0.00"
    design_example["components"][0]["stock"] = 400.0
    result = canonical(design_example)
    assert result["products"][0]["base_price"] == "549.00"
    assert result["products"][0]["price_rules"][0]["amount"] == "0.00"
    assert json.dumps(result["components"][1]["stock"]) == "400"


def test_money_keeps_two_decimals():
    assert [money(v) for v in ["7.50", "007.50", "-0.00", "-12.30", "0.00"]] == [
        "7.50",
        "7.50",
        "0.00",
        "-12.30",
        "0.00",
    ]
