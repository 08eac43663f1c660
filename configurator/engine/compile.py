"""Compile a product once per catalogue version into what every click is answered from."""

from __future__ import annotations

import numpy as np

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Index, index_product
from configurator.engine.diagram import Budget, Diagram, build_diagram
from configurator.engine.errors import DiagramTooLarge
from configurator.engine.explain import pair_cores
from configurator.engine.model import Product
from configurator.engine.ordering import candidate_orders
from configurator.engine.propagation import availability

# Compile-time searches for pair reasons; pairs beyond are explained when clicked.
PAIR_CORE_SEARCHES = 2_000


def _pair_table(index: Index, diagram: Diagram) -> np.ndarray:
    n = index.n_options
    table = np.zeros((n + 1, n), dtype=bool)
    for s in range(-1, n):
        if s < 0:
            required = {}
        else:
            g, o = index.literal_of(s)
            required = {g: 1 << o}
        avail = availability(diagram, required, index.maxs)
        row = np.ones(n, dtype=bool)
        for g, options in avail.items():
            row[index.offsets[g] : index.offsets[g] + len(options)] = ~options
        table[s] = row
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

    Each candidate group order is built within `budget` (default `Budget()`); an order
    that exceeds it is dropped for the next. Raises `DiagramTooLarge` (a `CatalogueError`)
    when every order does, naming the groups that blow it up, and `CatalogueError` if a
    multi-choice group allows too many combinations.
    """
    budget = budget or Budget()
    index = index_product(product)
    diagram: Diagram | None = None
    refused: DiagramTooLarge | None = None
    for order in candidate_orders(index):
        bound = None if diagram is None else diagram.n_edges
        try:
            diagram = build_diagram(index, order, max_edges=bound, budget=budget) or diagram
        except DiagramTooLarge as error:
            refused = refused or error
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
    compiled.pair_cores = pair_cores(compiled, limit=PAIR_CORE_SEARCHES)
    return compiled


def _rules_by_group(index: Index) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    for k, c in enumerate(index.constraints):
        for g in c.scope:
            found.setdefault(g, []).append(k)
    return {g: tuple(ks) for g, ks in found.items()}
