"""Table rules of industrial size: up to 100,000 rows are accepted, and a bad cell deep
inside one is still reported at its exact path."""

from __future__ import annotations

import time

from configurator.interchange import validate_catalogue

ROWS = 100_000


def _big_table(design_example: dict) -> dict:
    rule = design_example["products"][0]["rules"][2]
    rule["allowed"] = [["u5", "b1"] if n % 2 else ["u7", "b2"] for n in range(ROWS)]
    return design_example


def test_table_of_100000_rows_is_accepted(design_example):
    start = time.perf_counter()
    assert validate_catalogue(_big_table(design_example)) == []
    # Not a benchmark: a guard against falling back to per-cell schema validation
    # (~2 s per 100,000 rows of 2 cells there); this takes ~0.2 s.
    assert time.perf_counter() - start < 30


def test_bad_cell_deep_in_a_large_table_names_its_path(design_example):
    document = _big_table(design_example)
    rows = document["products"][0]["rules"][2]["allowed"]
    rows[99_998][1] = "B 1"
    rows[99_999] = "u5"
    assert [str(e) for e in validate_catalogue(document)] == [
        'products[0].rules[2].allowed[99998][1]: "B 1" must be an option code, or null for no pick',
        "products[0].rules[2].allowed[99999]: must be an array, not a string",
    ]


def test_more_than_100000_rows_is_refused(design_example):
    document = _big_table(design_example)
    document["products"][0]["rules"][2]["allowed"].append(["u5", "b1"])
    assert [str(e) for e in validate_catalogue(document)] == [
        "products[0].rules[2].allowed: must have at most 100000 items, not 100,001"
    ]
