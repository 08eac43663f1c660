"""Compile a product once per catalogue version into what every click is answered from."""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import NDArray

from configurator.engine.arc_reasons import statics_of
from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Index, index_product
from configurator.engine.diagram import Budget, Diagram
from configurator.engine.errors import DiagramTooLarge
from configurator.engine.explain import pair_cores
from configurator.engine.layered import build_diagram
from configurator.engine.model import Product
from configurator.engine.ordering import candidate_orders
from configurator.engine.resolutions import prepare as prepare_passes

# Compile-time searches for pair reasons, and their work (explain.WorkBudget: about 1.5 s
# here); pairs beyond are explained when clicked.
PAIR_CORE_SEARCHES = 2_000
PAIR_CORE_UNITS = 4_000
# One search's share (~0.1-0.2 s): the generated products' largest need 128 units; on the
# Renault model the first pair's search spent all 4,000 units (1.26 s) and found nothing.
PAIR_CORE_SEARCH_UNITS = 500
# Further candidate orders are tried (each abandoned once it outgrows the best diagram)
# while the top-down edges built in all, an abandoned attempt counted at its bound, stay
# within ORDER_WORK times the first diagram's, or ORDER_FLOOR edges (so products of up to
# ~100,000 edges try every candidate, the largest only their first). Counted in edges, not
# seconds, so the diagram (and with it the tie-breaks among equal resolutions) depends on
# the product only, never on how busy the machine was. A second build on the Renault
# model (min-fill, see ordering.py; ORDER_WORK = 2) gives 391,715 edges instead of
# 473,484 and would fit the 10 s allowed (7.97 s against 5.22 s, stop 15), but its clicks
# are only ~5 % cheaper (median 9.9-10.0 against 10.4-10.6 ms): not worth 2.7 s a publish.
ORDER_WORK = 1
ORDER_FLOOR = 1_000_000


def _pair_table(index: Index, diagram: Diagram) -> np.ndarray:
    """pair_excluded (see CompiledProduct) from one forward and one backward pass of
    option bitsets: the options on some path root -> node, and node -> terminal. Every
    root-to-node path joins every node-to-terminal path, so the options that share a
    complete configuration with an edge's options are fwd[src] | label | bwd[dst]."""
    n = index.n_options
    table = np.ones((n + 1, n), dtype=bool)
    if diagram.empty:
        return table
    words = (n + 63) // 64
    layers = diagram.layers
    label_bits = []
    for layer in layers:
        bits = np.zeros((len(layer.label_options), words * 64), dtype=bool)
        start = index.offsets[layer.group]
        bits[:, start : start + layer.label_options.shape[1]] = layer.label_options
        label_bits.append(np.packbits(bits, axis=1, bitorder="little").view(np.uint64))
    fwd = [np.zeros((1, words), dtype=np.uint64)]
    for i, layer in enumerate(layers):
        edge = fwd[i][layer.src] | label_bits[i][layer.label]
        fwd.append(np.bitwise_or.reduceat(edge[layer.in_order], layer.in_starts, axis=0))
    bwd = [np.zeros((1, words), dtype=np.uint64)]
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        edge = bwd[-1][layer.dst] | label_bits[i][layer.label]
        bwd.append(np.bitwise_or.reduceat(edge, layer.starts, axis=0))
    bwd.reverse()
    together = np.zeros((n, words), dtype=np.uint64)
    for i, layer in enumerate(layers):
        edge = fwd[i][layer.src] | label_bits[i][layer.label] | bwd[i + 1][layer.dst]
        per_label = np.bitwise_or.reduceat(edge[layer.by_label], layer.label_starts, axis=0)
        start = index.offsets[layer.group]
        for row, lab in zip(per_label, layer.label_ids, strict=True):
            for o in np.flatnonzero(layer.label_options[lab]):
                together[start + o] |= row
    seen = np.unpackbits(together.view(np.uint8), axis=1, bitorder="little")[:, :n].astype(bool)
    # Both reductions are per option (numpy's stubs also allow a scalar for `.any`).
    live = cast("NDArray[np.bool_]", seen.any(axis=0) | seen.any(axis=1))
    table[:n] = ~seen
    table[n] = ~live
    # A single-choice group's own pick is replaced: its options are excluded only if dead.
    for g, offset in enumerate(index.offsets):
        if index.maxs[g] == 1:
            span = slice(offset, offset + len(index.option_codes[g]))
            table[span, span] = ~live[span]
    return table


def _group_distance(index: Index) -> np.ndarray:
    n = len(index.group_codes)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for scope in [c.scope for c in index.constraints] + [t.scope for t in index.price_terms]:
        for g in scope:
            neighbours[g].update(scope)
    distance = np.full((n, n), n, dtype=np.int16)
    for g in range(n):
        distance[g, g] = 0
        frontier, d = [g], 0
        while frontier:
            d += 1
            nxt = []
            for h in frontier:
                for k in neighbours[h]:
                    if distance[g, k] > d:
                        distance[g, k] = d
                        nxt.append(k)
            frontier = nxt
    return distance


def compile_product(product: Product, *, budget: Budget | None = None) -> CompiledProduct:
    """Compile `product` (see `model.product_from_document`) into a `CompiledProduct`.

    Candidate group orders (ordering.py, best first) are built within `budget` (default
    `Budget()`); an order that exceeds it is dropped for the next; the smallest diagram
    built within ORDER_WORK is kept. Raises `DiagramTooLarge` (a `CatalogueError`)
    when every order does, naming the groups that blow it up, and `CatalogueError` if a
    multi-choice group allows too many combinations.
    """
    budget = budget or Budget()
    index = index_product(product)
    diagram: Diagram | None = None
    refused: DiagramTooLarge | None = None
    first, spent = 0, 0
    for order in candidate_orders(index):
        bound = None if diagram is None else diagram.built_edges
        if bound is not None and spent + bound > max(ORDER_WORK * first, ORDER_FLOOR):
            break
        try:
            built = build_diagram(index, order, max_edges=bound, budget=budget)
        except DiagramTooLarge as error:
            refused = refused or error
            continue
        if built is None:
            assert bound is not None
            spent += bound
            continue
        spent += built.built_edges
        first = first or built.built_edges
        if diagram is None or built.n_edges < diagram.n_edges:
            diagram = built
    if diagram is None:
        assert refused is not None
        raise refused
    compiled = CompiledProduct(
        product=product,
        index=index,
        diagram=diagram,
        pair_excluded=_pair_table(index, diagram),
        group_distance=_group_distance(index),
        rules_by_group=_rules_by_group(index),
        table_rows={
            k: np.asarray(c.rows, dtype=np.int16).reshape(len(c.rows), len(c.table_groups))
            for k, c in enumerate(index.constraints)
            if c.kind == "table"
        },
    )
    compiled.pair_cores = pair_cores(
        compiled,
        limit=PAIR_CORE_SEARCHES,
        units=PAIR_CORE_UNITS,
        search_units=PAIR_CORE_SEARCH_UNITS,
    )
    return compiled


def warm_up(compiled: CompiledProduct) -> None:
    """Build what clicks read from the per-process cache and would otherwise build on
    first use (the rules read per label, each table as a diagram: about 0.25 s on the
    Renault model; the minimum-change passes' per-layer arrays, about 70 ms). Web
    workers call it when they load a product, so the first customer click does not pay
    for it; answers are the same either way."""
    statics_of(compiled.cache, compiled.index, compiled.table_rows).read_all()
    prepare_passes(compiled)


def _rules_by_group(index: Index) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    for k, c in enumerate(index.constraints):
        for g in c.scope:
            found.setdefault(g, []).append(k)
    return {g: tuple(ks) for g, ks in found.items()}
