"""A compile depends on the product only: two compiles of one product (a re-publish, a
compiled-format bump, two machines) hold the same diagram and pair cores, so give the
same answers to the last tie-break and reason, however busy the machine was."""

from __future__ import annotations

import time

import configurator.engine.compile as compile_module
import configurator.engine.explain as explain
from configurator.engine import compile_product, configure, product_from_document
from configurator.engine.explain import pair_cores
from tests.engine_samples import generated_document, notebook_document


def test_compile_time_pair_cores_do_not_depend_on_how_busy_the_machine_is(monkeypatch):
    """Two compiles of one product (a re-publish, a compiled-format bump) hold the same
    pair cores, and so give the same reasons, however slowly the machine ran each: the
    search is bounded in work, not seconds."""
    compiled = compile_product(product_from_document(generated_document(seed=7), "EUR"))
    compiled.pair_cores = {}  # searched again below, as a compile does
    everything = pair_cores(compiled, limit=10_000)
    compiled.cache.clear()
    fast = pair_cores(compiled, limit=10_000, units=300)
    assert 0 < len(fast) < len(everything)  # the budget, not the pairs, ends the search

    def slow(*args, **kwargs):
        time.sleep(0.002)  # a machine a few times busier
        return has_configuration(*args, **kwargs)

    has_configuration = explain.has_configuration
    monkeypatch.setattr(explain, "has_configuration", slow)
    compiled.cache.clear()
    assert pair_cores(compiled, limit=10_000, units=300) == fast


def test_the_group_order_chosen_does_not_depend_on_how_busy_the_machine_is(monkeypatch):
    """The notebook's smallest diagram comes from its last candidate order: a search
    bounded in seconds stops before it on a busy machine."""
    product = product_from_document(notebook_document(), "EUR")
    fast = compile_product(product)

    def slow(*args, **kwargs):
        time.sleep(0.45)  # a build on a machine far busier than this one
        return build_diagram(*args, **kwargs)

    build_diagram = compile_module.build_diagram
    monkeypatch.setattr(compile_module, "build_diagram", slow)
    slowly = compile_product(product)
    assert slowly.diagram.order == fast.diagram.order
    assert slowly.diagram.n_edges == fast.diagram.n_edges
    picks: dict[str, list[str]] = {}
    for group in product.groups[:4]:  # the same answers, resolutions and reasons included
        assert configure(slowly, picks) == configure(fast, picks)
        picks[group.code] = [group.options[-1].code]


def test_a_search_over_its_share_is_dropped_and_the_next_pairs_still_searched(monkeypatch):
    """One costly pair (a model of large tables) must not spend the whole compile-time
    budget: the search over its share is dropped, later pairs still get their cores,
    the same ones an unbounded search finds, and dropped searches stop at a quarter of
    the budget."""
    compiled = compile_product(product_from_document(generated_document(seed=7), "EUR"))
    compiled.pair_cores = {}
    everything = pair_cores(compiled, limit=10_000)
    compiled.cache.clear()
    shared = pair_cores(compiled, limit=10_000, search_units=12)
    assert 0 < len(shared) < len(everything)
    assert all(everything[pair] == core for pair, core in shared.items())
    order = list(everything)  # (searched in the pairs' order)
    assert any(
        pair not in shared and any(later in shared for later in order[k + 1 :])
        for k, pair in enumerate(order)
    ), "a dropped search ended the compile-time searches"

    searches = []
    rule_core = explain.rule_core

    def counted(*args, **kwargs):
        searches.append(1)
        return rule_core(*args, **kwargs)

    monkeypatch.setattr(explain, "rule_core", counted)
    compiled.cache.clear()
    pair_cores(compiled, limit=10_000, search_units=1)
    unbounded = len(searches)
    searches.clear()
    compiled.cache.clear()
    pair_cores(compiled, limit=10_000, units=40, search_units=1)
    # Every dropped search spends more than its 1 unit: at most 10 fit in the quarter.
    assert len(searches) < unbounded
