"""The shipped demo catalogue: valid, realistic, and every option reachable."""

from __future__ import annotations

import pytest

from configurator.interchange import validate_catalogue
from tests.unit.catalogue.configurations import Space

PRODUCTS = ["nb14", "nb16c", "tower"]


def test_demo_validates_cleanly(demo):
    assert validate_catalogue(demo) == []


def test_demo_has_the_three_products(demo):
    assert demo["currency"] == "EUR"
    assert [p["code"] for p in demo["products"]] == PRODUCTS
    assert [p["name"] for p in demo["products"]] == [
        "Atelier Notebook 14",
        "Atelier Creator 16",
        "Atelier Tower",
    ]


@pytest.mark.parametrize("code", PRODUCTS)
def test_each_product_is_a_full_configurator(demo, code):
    product = next(p for p in demo["products"] if p["code"] == code)
    groups = {g["code"]: g for g in product["groups"]}
    assert len(groups) >= 10
    power = "psu" if code == "tower" else "battery"
    for name in ("cpu", "memory", "storage", "display", "graphics", power, "keyboard", "os"):
        assert name in groups
    assert {"colour", "warranty"} <= set(groups)
    accessories = groups["accessories"]
    assert accessories["min"] == 0 and accessories["max"] >= 3
    kinds = {r["type"] for r in product["rules"]}
    assert kinds == {"requires", "excludes", "table", "sum"}
    sums = [r for r in product["rules"] if r["type"] == "sum"]
    assert any("limit" in r for r in sums) and any("limit_attribute" in r for r in sums)
    assert len(product["price_rules"]) >= 2
    assert product["route"] and product.get("description")


@pytest.mark.parametrize("code", PRODUCTS)
def test_each_product_has_thousands_of_configurations_and_no_dead_option(demo, code):
    space = Space(next(p for p in demo["products"] if p["code"] == code))
    assert space.count() >= 5000
    assert space.dead_options() == []
    defaults = {g["code"]: g["default"] for g in space.groups}
    assert space.violations(defaults) == []


@pytest.mark.parametrize("code", PRODUCTS)
def test_every_rule_of_the_demo_narrows_the_choice_or_names_a_reason(demo, code):
    product = next(p for p in demo["products"] if p["code"] == code)
    full = Space({**product, "rules": []}).count()
    assert Space(product).count() < full


def test_standard_products_are_complete_valid_configurations(demo):
    products = {p["code"]: Space(p) for p in demo["products"]}
    standard = demo["standard_products"]
    assert 4 <= len(standard) <= 6
    assert {s["product"] for s in standard} == set(PRODUCTS)
    for item in standard:
        assert products[item["product"]].violations(item["selections"]) == [], item["sku"]


def test_components_have_stock_and_incoming_supply(demo):
    components = demo["components"]
    assert len(components) >= 30
    assert any(c["stock"] <= 5 for c in components)
    dates = [b["available_on"] for c in components for b in c["supply"]]
    assert dates and min(dates) >= "2026-12-01" and max(dates) <= "2027-03-31"


def test_work_centres_have_christmas_holidays_and_a_batch_plan(demo):
    centres = {w["code"]: w for w in demo["work_centres"]}
    assert {"KIT", "ASSY", "BURN", "PACK", "SMT", "BATCH-LINE"} <= set(centres)
    assert all("2026-12-25" in w["holidays"] for w in centres.values())
    assert {c for c, w in centres.items() if w.get("plan") == "batch"} == {"SMT", "BATCH-LINE"}


def test_power_hungry_options_carry_watts_and_supplies_carry_their_rating(demo):
    for product in demo["products"]:
        supply = "psu" if product["code"] == "tower" else "adapter"
        for group in product["groups"]:
            for option in group["options"]:
                if group["code"] == supply:
                    assert option["attributes"]["supply_watts"] > 0
                elif group["code"] in ("cpu", "graphics", "memory", "storage"):
                    assert "watts" in option["attributes"]
