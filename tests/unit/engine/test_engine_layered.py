"""The array builder (layered.py) builds exactly the diagram of the object builder
(diagram.build_diagram_objects), for every candidate order; the orders are permutations;
the bitset pair table equals one availability query per option."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_product, count, layered, product_from_document
from configurator.engine.constraints import index_product
from configurator.engine.diagram import build_diagram_objects
from configurator.engine.layered import Collision, _Dedup, build_diagram
from configurator.engine.ordering import candidate_orders, separation_cost
from configurator.engine.propagation import availability
from tests.engine_samples import generated_document
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs


def _same(a, b) -> None:
    assert a.empty == b.empty
    assert a.n_nodes == b.n_nodes and a.n_edges == b.n_edges
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert (la.n_src, la.n_dst) == (lb.n_src, lb.n_dst)
        # Same multiset of (label, cost) per layer and same out-degree profile.
        assert sorted(zip(la.label.tolist(), la.cost.tolist(), strict=True)) == sorted(
            zip(lb.label.tolist(), lb.cost.tolist(), strict=True)
        )
        assert sorted(np.bincount(la.src, minlength=la.n_src).tolist()) == sorted(
            np.bincount(lb.src, minlength=lb.n_src).tolist()
        )


def _pair_table_by_queries(index, diagram) -> np.ndarray:
    n = index.n_options
    table = np.zeros((n + 1, n), dtype=bool)
    for s in range(-1, n):
        required = {} if s < 0 else {index.literal_of(s)[0]: 1 << index.literal_of(s)[1]}
        row = np.ones(n, dtype=bool)
        for g, options in availability(diagram, required, index.maxs).items():
            row[index.offsets[g] : index.offsets[g] + len(options)] = ~options
        table[s] = row
    return table


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=product_docs())
def test_array_builder_equals_object_builder_and_brute_force(doc):
    product = product_from_document(doc, "EUR")
    index = index_product(product)
    oracle = Oracle(doc)
    for order in candidate_orders(index):
        assert sorted(order) == list(range(len(index.group_codes)))
        fast = build_diagram(index, order)
        slow = build_diagram_objects(index, order)
        _same(fast, slow)
    compiled = compile_product(product)
    assert count(compiled) == len(oracle.containing({}))
    assert np.array_equal(
        compiled.pair_excluded, _pair_table_by_queries(compiled.index, compiled.diagram)
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_array_builder_equals_object_builder_on_generated_products(seed):
    doc = generated_document(seed=seed, subsystems=3)
    index = index_product(product_from_document(doc, "EUR"))
    orders = candidate_orders(index)
    rng = random.Random(seed)
    shuffled = list(range(len(index.group_codes)))
    rng.shuffle(shuffled)
    for order in [*orders[:2], tuple(shuffled)]:
        fast = build_diagram(index, order)
        slow = build_diagram_objects(index, order)
        _same(fast, slow)
    compiled = compile_product(product_from_document(doc, "EUR"))
    assert np.array_equal(
        compiled.pair_excluded, _pair_table_by_queries(compiled.index, compiled.diagram)
    )


def test_large_table_compiles_to_the_count_of_its_rows():
    """A 3-group table of random rows (some with no pick in a min-0 group) and a fourth
    free group: the diagram counts exactly rows x free options, whatever the order."""
    rng = random.Random(5)
    groups = [
        {
            "code": f"g{g}",
            "min": 0 if g == 2 else 1,
            "max": 1,
            "options": [{"code": f"o{o}", "price": str(o)} for o in range(size)],
        }
        for g, size in enumerate([30, 25, 12, 4])
    ]
    rows = {
        (f"o{rng.randrange(30)}", f"o{rng.randrange(25)}", rng.choice([None, "o1", "o7"]))
        for _ in range(3000)
    }
    doc = {
        "code": "big",
        "name": "Big table",
        "base_price": "0",
        "groups": groups,
        "rules": [
            {
                "id": "t",
                "type": "table",
                "message": "rows",
                "groups": ["g0", "g1", "g2"],
                "allowed": [list(r) for r in sorted(rows, key=str)],
            }
        ],
    }
    product = product_from_document(doc, "EUR")
    index = index_product(product)
    for order in [(0, 1, 2, 3), (2, 3, 1, 0), (1, 3, 0, 2)]:
        fast = build_diagram(index, order)
        _same(fast, build_diagram_objects(index, order))
    assert count(compile_product(product)) == len(rows) * 4


@given(st.lists(st.lists(st.integers(-3, 3), min_size=3, max_size=3), max_size=40))
def test_dedup_gives_equal_rows_one_id(rows):
    dedup = _Dedup(3)
    array = np.asarray(rows, dtype=np.int64).reshape(len(rows), 3)
    keys = [tuple(r) for r in rows]
    hashes = np.asarray([(a + 3) * 49 + (b + 3) * 7 + c + 3 for a, b, c in keys], dtype=np.uint64)
    half = len(rows) // 2
    ids = np.concatenate(
        [dedup.add(array[:half], hashes[:half]), dedup.add(array[half:], hashes[half:])]
    )
    for a in range(len(keys)):
        for b in range(len(keys)):
            assert (ids[a] == ids[b]) == (keys[a] == keys[b])


def test_dedup_refuses_to_merge_different_rows_sharing_a_hash():
    dedup = _Dedup(2)
    same = np.zeros(2, dtype=np.uint64)
    with pytest.raises(Collision):
        dedup.add(np.asarray([[1, 2], [1, 3]], dtype=np.int64), same)
    dedup = _Dedup(2)
    dedup.add(np.asarray([[1, 2]], dtype=np.int64), same[:1])
    with pytest.raises(Collision):
        dedup.add(np.asarray([[1, 3]], dtype=np.int64), same[:1])


def test_colliding_hashes_fall_back_to_the_object_builder(monkeypatch):
    """Every hash equal: the array builder detects it and the object builder answers."""
    doc = generated_document(seed=4, subsystems=2)
    index = index_product(product_from_document(doc, "EUR"))
    order = candidate_orders(index)[0]
    expected = build_diagram_objects(index, order)
    monkeypatch.setattr(layered, "_mix", lambda x: np.zeros(len(x), dtype=np.uint64))
    _same(build_diagram(index, order), expected)


def test_separation_cost_prefers_keeping_linked_groups_together():
    edges = [((0, 1), 1.0), ((2, 3), 1.0)]
    bits = [3.0, 3.0, 3.0, 3.0]
    assert separation_cost((0, 1, 2, 3), edges, bits) < separation_cost((0, 2, 1, 3), edges, bits)
