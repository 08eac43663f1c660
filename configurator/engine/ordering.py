"""Choose the order of the diagram's layers (one layer per group).

A diagram node remembers the partial state of every rule whose scope straddles its
layer boundary, so the diagram's width grows roughly exponentially with the weight of
the rules cut at each boundary. A cheap model (sum of 2 ** cut weight) proposes a few
orders: the catalogue's own, a greedy one, and both refined by insertion moves. The model
is rough (rules that close early cost far less than it assumes), so `compile_product`
builds each proposal and keeps the smallest diagram.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from configurator.engine.constraints import Index

MAX_SWEEPS = 6


def _weights(index: Index) -> list[tuple[tuple[int, ...], float]]:
    """(scope, bits of state) for every multi-group rule and price rule."""
    edges: list[tuple[tuple[int, ...], float]] = []
    for c in index.constraints:
        if len(c.scope) < 2:
            continue
        if c.kind == "table":
            bits = math.log2(len(c.rows) + 1)
        elif c.kind == "sum":
            bits = 4.0
        else:
            bits = 1.0
        edges.append((c.scope, bits))
    edges.extend((t.scope, 1.0) for t in index.price_terms if len(t.scope) >= 2)
    return edges


def _cost(position: Sequence[int], edges: list[tuple[tuple[int, ...], float]], n: int) -> float:
    delta = [0.0] * (n + 1)
    for scope, bits in edges:
        lo = min(position[g] for g in scope)
        hi = max(position[g] for g in scope)
        delta[lo + 1] += bits
        delta[hi + 1] -= bits
    width, cost = 0.0, 0.0
    for k in range(1, n):
        width += delta[k]
        cost += 2.0 ** min(width, 60.0)
    return cost


def _greedy(n: int, edges: list[tuple[tuple[int, ...], float]], start: int) -> list[int]:
    """Grow the order from `start`, next taking the group that closes the most open rule
    weight and opens the least new weight."""
    placed: list[int] = [start]
    inside = {start}
    touching: list[list[int]] = [[] for _ in range(n)]
    for e, (scope, _) in enumerate(edges):
        for g in scope:
            touching[g].append(e)
    while len(placed) < n:
        best, best_score = -1, -math.inf
        for g in range(n):
            if g in inside:
                continue
            score = 0.0
            for e in touching[g]:
                scope, bits = edges[e]
                placed_count = sum(1 for h in scope if h in inside)
                if placed_count == len(scope) - 1:
                    score += 2 * bits  # closes the rule
                elif placed_count > 0:
                    score += bits  # continues an open rule
                else:
                    score -= bits  # opens a new rule
            if score > best_score:
                best, best_score = g, score
        placed.append(best)
        inside.add(best)
    return placed


def candidate_orders(index: Index) -> list[tuple[int, ...]]:
    """Layer orders worth trying, most promising first: the catalogue's own order (authors
    list related groups together), a greedy order, and each refined by insertion moves.
    The cost model is rough, so the compiler builds them and keeps the smallest diagram."""
    n = len(index.group_codes)
    if n <= 2:
        return [tuple(range(n))]
    edges = _weights(index)

    def cost_of(order: Sequence[int]) -> float:
        position = [0] * n
        for p, g in enumerate(order):
            position[g] = p
        return _cost(position, edges, n)

    starts = [
        list(range(n)),
        min((_greedy(n, edges, s) for s in sorted({0, n // 2, n - 1})), key=cost_of),
    ]
    out: list[tuple[int, ...]] = []
    for start in starts:
        for order in (start, _refine(start, cost_of)):
            if tuple(order) not in out:
                out.append(tuple(order))
    return out


def _refine(order: list[int], cost_of) -> list[int]:
    """Insertion moves (take one group, put it elsewhere) while the model cost drops."""
    n = len(order)
    best = cost_of(order)
    for _ in range(MAX_SWEEPS):
        improved = False
        for i in range(n):
            g = order[i]
            rest = order[:i] + order[i + 1 :]
            for j in range(n):
                if j == i:
                    continue
                trial = rest[:j] + [g] + rest[j:]
                cost = cost_of(trial)
                if cost < best - 1e-9:
                    order, best, improved = trial, cost, True
                    break
        if not improved:
            break
    return order
