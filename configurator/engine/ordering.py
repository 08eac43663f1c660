"""Choose the order of the diagram's layers (one layer per group).

A diagram node remembers the partial state of every rule whose scope straddles its
layer boundary, so the diagram's width grows roughly exponentially with the weight of
the rules cut at each boundary: tightly constrained groups must sit together. Several
cheap heuristics over the constraint graph (groups linked by the rules that read them)
each propose an order:

- maximum cardinality search: start at the most connected group, then always take the
  group with the most neighbours already placed (a chordal-graph / tree-decomposition
  order; it keeps a dense cluster together and walks out from it);
- min-fill elimination, placed in reverse (the groups eliminated last first);
- FORCE (Aloul, Markov and Sakallah 2003): move every group to the mean of its rules'
  centres of gravity, repeatedly, starting from the others;
- the catalogue's own order (authors list related groups together).

`separation_cost` (the weighted vertex separation) ranks them; `compile_product` builds
the best, then the best of each other heuristic, then the rest, within a budget of edges
built, abandoning each as soon as it needs more edges than the best so far, and keeps the
smallest diagram.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from configurator.engine.constraints import Index

FORCE_ROUNDS = 20
MAX_CANDIDATES = 6

Edges = list[tuple[tuple[int, ...], float]]


def _weights(index: Index) -> Edges:
    """(scope, weight) for every multi-group rule and price rule: a table weighs the bits
    of its row count, a sum 4, a requires/excludes/price rule 1 (for FORCE's centres)."""
    edges: Edges = []
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


def _domain_bits(index: Index) -> list[float]:
    return [math.log2(max(len(picks), 1)) for picks in index.picks]


def separation_cost(order: Sequence[int], edges: Edges, bits: Sequence[float]) -> float:
    """log2 of the sum over layer boundaries of the number of pick combinations of the
    *frontier*: placed groups that still share a rule with a group to come. A node is
    determined by its frontier's picks, so this bounds the width of every layer (it is
    the vertex separation of the constraint graph, weighted by the groups' pick bits).
    It ranks orders far better than summing the open rules' state bits, which counts
    correlated rules as independent (on the Renault model that sum ranks the worst
    orders first)."""
    n = len(order)
    position = [0] * n
    for p, g in enumerate(order):
        position[g] = p
    last = list(position)
    for scope, _ in edges:
        end = max(position[g] for g in scope)
        for g in scope:
            last[g] = max(last[g], end)
    delta = [0.0] * (n + 1)
    for g in range(n):
        delta[position[g]] += bits[g]
        delta[last[g]] -= bits[g]
    widths, width = [], 0.0
    for b in range(n - 1):
        width += delta[b]
        widths.append(width)
    top = max(widths, default=0.0)
    return top + math.log2(sum(2.0 ** (w - top) for w in widths) or 1.0)


def _neighbours(n: int, edges: Edges) -> list[dict[int, float]]:
    links: list[dict[int, float]] = [{} for _ in range(n)]
    for scope, bits in edges:
        for g in scope:
            for h in scope:
                if h != g:
                    links[g][h] = links[g].get(h, 0.0) + bits
    return links


def max_cardinality(n: int, links: list[dict[int, float]], start: int) -> list[int]:
    """Maximum cardinality search from `start`: next, the group with the most (weighted)
    links to the groups placed; ties to the more connected group overall."""
    degree = [sum(link.values()) for link in links]
    score = [0.0] * n
    placed = [False] * n
    order = []
    g = start
    while True:
        order.append(g)
        placed[g] = True
        for h, w in links[g].items():
            score[h] += w
        if len(order) == n:
            return order
        g = max((h for h in range(n) if not placed[h]), key=lambda h: (score[h], degree[h], -h))


def min_fill(n: int, links: list[dict[int, float]]) -> list[int]:
    """Min-fill elimination order, reversed (the last eliminated group comes first)."""
    adj = [set(link) for link in links]
    alive = set(range(n))
    eliminated = []
    while alive:

        def fill(g: int) -> int:
            nb = list(adj[g])
            return sum(1 for a in range(len(nb)) for b in range(a) if nb[b] not in adj[nb[a]])

        g = min(alive, key=lambda g: (fill(g), len(adj[g]), g))
        nb = adj[g]
        for a in nb:
            adj[a] |= nb - {a}
            adj[a].discard(g)
        alive.discard(g)
        eliminated.append(g)
    eliminated.reverse()
    return eliminated


def force(
    order: Sequence[int], edges: Edges, bits: Sequence[float], rounds: int = FORCE_ROUNDS
) -> list[int]:
    """FORCE: each group moves to the weighted mean of its rules' centres of gravity;
    keep the best order (by `separation_cost`) seen over `rounds`."""
    n = len(order)
    best, best_cost = list(order), separation_cost(order, edges, bits)
    position = [0.0] * n
    for p, g in enumerate(order):
        position[g] = float(p)
    for _ in range(rounds):
        total = [0.0] * n
        weight = [0.0] * n
        for scope, pull in edges:
            centre = sum(position[g] for g in scope) / len(scope)
            for g in scope:
                total[g] += pull * centre
                weight[g] += pull
        target = [total[g] / weight[g] if weight[g] else position[g] for g in range(n)]
        ranked = sorted(range(n), key=lambda g: (target[g], position[g]))
        for p, g in enumerate(ranked):
            position[g] = float(p)
        cost = separation_cost(ranked, edges, bits)
        if cost < best_cost:
            best, best_cost = ranked, cost
    return best


def candidate_orders(index: Index) -> list[tuple[int, ...]]:
    """Layer orders worth building, in the order to try them: the most promising first
    (by `separation_cost`), then the best of each other family of heuristics (maximum
    cardinality, min-fill, the catalogue's order; FORCE refines each within its family),
    then the rest by cost. The estimate ranks orders of one family well but not families
    against each other: on the Renault model both maximum-cardinality orders rank first
    and give ~473,000 edges, min-fill ranks third and gives 391,715. So when a compile
    affords a second build (compile.ORDER_WORK), it comes from another family."""
    n = len(index.group_codes)
    if n <= 2:
        return [tuple(range(n))]
    edges = _weights(index)
    bits = _domain_bits(index)
    links = _neighbours(n, edges)
    degree = [sum(link.values()) for link in links]
    hubs = sorted(range(n), key=lambda g: (-degree[g], g))
    proposals = [("catalogue", list(range(n)))]
    proposals += [("cardinality", max_cardinality(n, links, start)) for start in hubs[:2]]
    if n <= 400:  # min-fill is quadratic in the neighbourhoods
        proposals.append(("min-fill", min_fill(n, links)))
    proposals += [(family, force(order, edges, bits)) for family, order in list(proposals)]
    ranked: dict[tuple[int, ...], tuple[float, str]] = {}
    for family, order in proposals:
        ranked.setdefault(tuple(order), (separation_cost(order, edges, bits), family))
    best = sorted(ranked, key=lambda order: ranked[order][0])
    first_of: dict[str, tuple[int, ...]] = {}
    for candidate in best:
        first_of.setdefault(ranked[candidate][1], candidate)
    leaders = [c for c in best if first_of[ranked[c][1]] == c]
    trial = [best[0], *(c for c in leaders if c != best[0])]
    trial += [c for c in best if c not in trial]
    return trial[:MAX_CANDIDATES]
