"""The generated benchmark product: real size, still exact."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from configurator.engine import compile_product, configure, count, lint, product_from_document
from tests.engine_samples import generated_document


@pytest.mark.slow
def test_generated_product_is_large_and_consistent():
    doc = generated_document(seed=7)
    kinds = Counter(r["type"] for r in doc["rules"])
    assert len(doc["groups"]) >= 40 and sum(kinds.values()) >= 150 and len(kinds) == 4
    compiled = compile_product(product_from_document(doc, "EUR"))
    assert count(compiled) > 10**15
    assert not lint(compiled).empty
    rng = random.Random(1)
    selections: dict[str, list[str]] = {}
    for _ in range(20):
        result = configure(compiled, selections)
        assert result.valid
        available = [
            (g, o.code) for g in result.groups for o in g.options if o.state == "available"
        ]
        for g in result.groups:
            for o in g.options:
                if o.state == "excluded":
                    assert o.reasons
        group, option = rng.choice(available)
        selections[group.code] = (
            [option] if group.max == 1 else [*selections.get(group.code, []), option]
        )
        # Clicking only available options never dead-ends: the count stays positive.
        assert count(compiled, selections) > 0
