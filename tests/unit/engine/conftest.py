from __future__ import annotations

import pytest

from configurator.engine import compile_product, product_from_document
from tests.engine_samples import notebook_document


@pytest.fixture(scope="session")
def notebook():
    return compile_product(product_from_document(notebook_document(), "EUR"))


def small_product(groups: list[tuple[str, int, int, list[str]]], rules=(), price_rules=()) -> dict:
    """A product document from (code, min, max, option codes) tuples."""
    return {
        "code": "p",
        "name": "Product",
        "base_price": "100.00",
        "route": [{"work_centre": "ASSY", "minutes": 5}],
        "groups": [
            {
                "code": code,
                "name": code.title(),
                "min": low,
                "max": high,
                "options": [{"code": o, "name": o.upper(), "price": "1.00"} for o in options],
            }
            for code, low, high, options in groups
        ],
        "rules": list(rules),
        "price_rules": list(price_rules),
    }


def compiled_from(doc: dict):
    return compile_product(product_from_document(doc, "EUR"))
