"""The test oracle itself: its dynamic-programming count agrees with brute force."""

from __future__ import annotations

from tests.unit.catalogue.configurations import Space


def test_count_agrees_with_brute_force(design_example):
    space = Space(design_example["products"][0])
    assert space.count() == sum(1 for _ in space.enumerate_valid()) == 420


def test_count_agrees_with_brute_force_without_sum_rules(design_example):
    product = design_example["products"][0]
    product["rules"] = [r for r in product["rules"] if r["type"] != "sum"]
    space = Space(product)
    assert space.count() == sum(1 for _ in space.enumerate_valid())


def test_dead_option_is_found(design_example):
    product = design_example["products"][0]
    product["rules"].append(
        {"id": "no-u7", "type": "excludes", "all": ["cpu.u7"], "message": "Sold out"}
    )
    assert Space(product).dead_options() == ["cpu.u7", "board.b2"]


def test_violations_name_the_broken_rule(design_example):
    space = Space(design_example["products"][0])
    selections = dict(design_example["standard_products"][0]["selections"])
    selections["gpu"] = ["rtx4060"]
    assert space.violations(selections) == [
        "rule gpu-psu: The RTX 4060 needs a 180 W or larger adapter",
        "rule power: Total power draw exceeds the adapter",
    ]
