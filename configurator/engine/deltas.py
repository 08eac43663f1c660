"""How the total changes if an option is picked now: the label beside every option.

- A selected option: 0 (picking it again changes nothing).
- An option that can be picked as it is (available): the total with it (in a single-choice
  group replacing the pick, in a multi-choice group added) minus the total now, price
  rules (bundles, credits) included.
- An excluded option: picking it is a conflict, answered with a proposed resolution; its
  delta is that resolution's total minus the total now. The resolution keeps the click,
  changes the fewest other picks and, among those, is the cheapest complete valid
  configuration (`completion.resolution_keeping` answers it for one click; here every
  excluded option is answered at once). The shop proposes the same resolution when the
  option is clicked, so the label is what applying it costs.

Money is computed in the index's scaled integers and turned into Decimal once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from configurator.engine.compile import CompiledProduct
from configurator.engine.constraints import Index, Literal
from configurator.engine.diagram import Diagram, Layer
from configurator.engine.propagation import _bits

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OptionDelta:
    """`delta`: change of the total if the option is picked now. `resolution`: for an
    excluded option, the complete configuration proposed instead (group -> option mask),
    or None when no configuration contains the option."""

    delta: Decimal
    resolution: dict[int, int] | None = None


def _group_cost(costs: tuple[int, ...], mask: int) -> int:
    total, o = 0, 0
    while mask:
        if mask & 1:
            total += costs[o]
        mask >>= 1
        o += 1
    return total


def scaled_total(index: Index, picked: Mapping[int, int]) -> int:
    """The price of `picked` in units of 10**-money_scale (see `pricing.price_of`)."""
    total = index.base_cost
    for g, mask in picked.items():
        total += _group_cost(index.option_costs[g], mask)
    for term in index.price_terms:
        if all(picked.get(g, 0) >> o & 1 for g, o in term.when):
            total += term.amount
    return total


def _money(index: Index, scaled: int) -> Decimal:
    return Decimal(scaled).scaleb(-index.money_scale) if scaled else ZERO


def option_deltas(
    compiled: CompiledProduct,
    *,
    picked: Mapping[int, int],
    excluded: Collection[Literal],
) -> dict[Literal, OptionDelta]:
    """Every option's `OptionDelta` for the current `picked` ({group: option mask});
    `excluded` names the options whose pick is a conflict (the engine's propagation
    decides that). Pure: a few integer sums per option, and two sweeps over the diagram
    shared by every excluded option."""
    index = compiled.index
    now = scaled_total(index, picked)
    resolutions = resolutions_keeping_each(compiled, wanted=picked, clicks=excluded)
    held = [all(picked.get(h, 0) >> o & 1 for h, o in t.when) for t in index.price_terms]
    out: dict[Literal, OptionDelta] = {}
    for g, codes in enumerate(index.option_codes):
        mask = picked.get(g, 0)
        costs = index.option_costs[g]
        # Only this group's own cost and the price rules naming it can change.
        terms = [(t, was) for t, was in zip(index.price_terms, held, strict=True) if g in t.scope]
        before = _group_cost(costs, mask)
        for o in range(len(codes)):
            lit = (g, o)
            if mask >> o & 1:
                out[lit] = OptionDelta(ZERO)
            elif lit in excluded:
                found = resolutions[lit]
                if found is None:
                    out[lit] = OptionDelta(ZERO)
                else:
                    resolution, path_cost = found
                    change = index.base_cost + path_cost - now
                    out[lit] = OptionDelta(_money(index, change), resolution)
            else:
                after = (1 << o) | (0 if index.maxs[g] == 1 else mask)
                change = _group_cost(costs, after) - before
                for term, was in terms:
                    holds = all(
                        (after if h == g else picked.get(h, 0)) >> p & 1 for h, p in term.when
                    )
                    change += (holds - was) * term.amount
                out[lit] = OptionDelta(_money(index, change))
    return out


def resolutions_keeping_each(
    compiled: CompiledProduct, *, wanted: Mapping[int, int], clicks: Collection[Literal]
) -> dict[Literal, tuple[dict[int, int], int] | None]:
    """For each literal in `clicks`, `completion.resolution_keeping(keep=that literal,
    wanted=wanted minus the click group's pick when single-choice)`: the complete valid
    configuration containing it with the most `wanted` literals, cheapest among those,
    with its cost without the base price (the diagram's path cost); None if none exists.

    All at once: score = kept * BIG - cost (BIG above any price difference, so the score
    orders by kept first, then cheapest). A forward sweep gives each node the best score
    from the root, a backward sweep the best to the terminal; an edge's best path score is
    their sum with its own, and a click's answer is its best edge. In a single-choice group
    an edge holding the click holds no other option, so the group's current pick never
    counts there, as the promise wants."""
    diagram = compiled.diagram
    if not clicks:
        return {}
    if diagram.empty:
        return {lit: None for lit in clicks}
    static = _static(compiled)
    kept_max = sum(mask.bit_count() for mask in wanted.values()) + 1
    exact = kept_max * static.spread + static.top >= 2**61  # Python integers, not int64
    edge = [
        _edge_scores(static, i, layer, wanted.get(layer.group, 0), exact)
        for i, layer in enumerate(diagram.layers)
    ]
    fwd, fwd_scores = _forward(diagram, static, edge)
    bwd, bwd_scores = _backward(diagram, edge)
    walk = _Walk(compiled, static, fwd_scores, bwd_scores)
    answers: dict[Literal, tuple[dict[int, int], int] | None] = {}
    totals: dict[int, np.ndarray] = {}
    for g, o in clicks:
        i = static.layer_of[g]
        candidates = static.holds[i][o]
        if not len(candidates):
            answers[(g, o)] = None
            continue
        total = totals.get(i)
        if total is None:
            layer = diagram.layers[i]
            total = totals[i] = fwd[i][layer.src] + edge[i] + bwd[i + 1][layer.dst]
        e = int(candidates[np.argmax(total[candidates])])
        answers[(g, o)] = walk.path(i, e)
    return answers


@dataclass(frozen=True)
class _Static:
    """What the sweeps need that depends on the compiled product alone (memoised in the
    compiled product's per-process cache)."""

    spread: int  # above any difference of two paths' costs
    top: int  # above any path's absolute cost
    by_dst: list[np.ndarray]  # each layer's edges ordered by destination node
    dst_starts: list[np.ndarray]  # first position in by_dst of each destination node
    holds: list[list[np.ndarray]]  # holds[i][o]: edges of layer i whose pick holds option o
    layer_of: dict[int, int]
    edges: list[tuple[list, list, list, list]]  # each layer's src, dst, label, cost as lists
    bounds: list[tuple[list, list]]  # each layer's starts and dst_starts as lists
    codes: dict[tuple[int, int], list[str]]  # (group, mask) -> option codes
    scores: dict[tuple[int, int, bool], np.ndarray]  # (layer, wanted mask, exact) -> edge score


def _static(compiled: CompiledProduct) -> _Static:
    found = compiled.cache.get("deltas")
    if found is None:
        layers = compiled.diagram.layers
        by_dst = [np.argsort(layer.dst, kind="stable") for layer in layers]
        dst_starts = [
            np.searchsorted(layer.dst[order], np.arange(layer.n_dst))
            for layer, order in zip(layers, by_dst, strict=True)
        ]
        found = compiled.cache["deltas"] = _Static(
            spread=sum(int(layer.cost.max()) - int(layer.cost.min()) for layer in layers) + 1,
            top=max(int(abs(layer.cost).max()) for layer in layers) * len(layers) + 1,
            by_dst=by_dst,
            dst_starts=dst_starts,
            holds=[
                [
                    np.flatnonzero(layer.label_options[layer.label, o])
                    for o in range(layer.label_options.shape[1])
                ]
                for layer in layers
            ],
            layer_of={layer.group: i for i, layer in enumerate(layers)},
            edges=[
                (layer.src.tolist(), layer.dst.tolist(), layer.label.tolist(), layer.cost.tolist())
                for layer in layers
            ],
            bounds=[
                ([*layer.starts.tolist(), len(layer.src)], [*starts.tolist(), len(layer.src)])
                for layer, starts in zip(layers, dst_starts, strict=True)
            ],
            codes={},
            scores={},
        )
    return found


def _edge_scores(static: _Static, i: int, layer: Layer, mask: int, exact: bool) -> np.ndarray:
    """Each edge's own score, kept * spread - cost, for wanted options `mask` of its group
    (memoised: a group has few picks, hence few masks)."""
    key = (i, mask, exact)
    found = static.scores.get(key)
    if found is None:
        if mask:
            kept = layer.label_options[:, _bits(mask)].sum(axis=1).astype(np.int64)[layer.label]
        else:
            kept = np.zeros(len(layer.label), dtype=np.int64)
        if exact:
            found = kept.astype(object) * static.spread - layer.cost.astype(object)
        else:
            found = kept * static.spread - layer.cost.astype(np.int64)
        static.scores[key] = found
    return found


def _forward(diagram: Diagram, static: _Static, edge: list[np.ndarray]) -> tuple[list, list]:
    """Best score from the root to each node (every node of the diagram has an incoming
    edge: dead ends are pruned at compile time), and each layer's edge scores from the
    root, ordered by destination."""
    best = [np.zeros(1, dtype=edge[0].dtype)]
    scores = []
    for i, (layer, value) in enumerate(zip(diagram.layers, edge, strict=True)):
        score = (best[-1][layer.src] + value)[static.by_dst[i]]
        best.append(np.maximum.reduceat(score, static.dst_starts[i]))
        scores.append(score)
    return best, scores


def _backward(diagram: Diagram, edge: list[np.ndarray]) -> tuple[list, list]:
    """Best score from each node to the terminal, and each layer's edge scores to it."""
    n = len(diagram.layers)
    best: list = [None] * (n + 1)
    scores: list = [None] * n
    best[n] = np.zeros(1, dtype=edge[0].dtype)
    for i in range(n - 1, -1, -1):
        layer = diagram.layers[i]
        scores[i] = edge[i] + best[i + 1][layer.dst]
        best[i] = np.maximum.reduceat(scores[i], layer.starts)
    return best, scores


class _Walk:
    """Best paths through given edges, following the sweeps' scores node by node."""

    def __init__(self, compiled: CompiledProduct, static: _Static, fwd: list, bwd: list):
        self.layers = compiled.diagram.layers
        self.picks_of = compiled.index.picks
        self.static, self.fwd, self.bwd = static, fwd, bwd
        self.into: dict[tuple[int, int], int] = {}
        self.out_of: dict[tuple[int, int], int] = {}

    def _into(self, j: int, node: int) -> int:
        """The best edge of layer `j` into `node`."""
        found = self.into.get((j, node))
        if found is None:
            bounds = self.static.bounds[j][1]
            lo, hi = bounds[node], bounds[node + 1]
            found = int(self.static.by_dst[j][lo + int(np.argmax(self.fwd[j][lo:hi]))])
            self.into[(j, node)] = found
        return found

    def _out_of(self, j: int, node: int) -> int:
        """The best edge of layer `j` out of `node`."""
        found = self.out_of.get((j, node))
        if found is None:
            bounds = self.static.bounds[j][0]
            lo, hi = bounds[node], bounds[node + 1]
            found = self.out_of[(j, node)] = lo + int(np.argmax(self.bwd[j][lo:hi]))
        return found

    def path(self, i: int, e: int) -> tuple[dict[int, int], int]:
        """The picks of the best path through edge `e` of layer `i`, and its cost."""
        layers, picks_of, edges = self.layers, self.picks_of, self.static.edges
        src, dst, label, cost = edges[i]
        picks = {layers[i].group: picks_of[layers[i].group][label[e]]}
        total = cost[e]
        node = src[e]
        into, out_of = self.into, self.out_of
        for j in range(i - 1, -1, -1):
            k = into.get((j, node))
            if k is None:
                k = self._into(j, node)
            src_j, _, label_j, cost_j = edges[j]
            picks[layers[j].group] = picks_of[layers[j].group][label_j[k]]
            total += cost_j[k]
            node = src_j[k]
        node = dst[e]
        for j in range(i + 1, len(layers)):
            k = out_of.get((j, node))
            if k is None:
                k = self._out_of(j, node)
            _, dst_j, label_j, cost_j = edges[j]
            picks[layers[j].group] = picks_of[layers[j].group][label_j[k]]
            total += cost_j[k]
            node = dst_j[k]
        return picks, total


def as_selections(compiled: CompiledProduct, picks: Mapping[int, int]) -> dict[str, list[str]]:
    """`selections.as_dict`, memoised per (group, mask): it runs for every excluded option."""
    static = _static(compiled)
    index = compiled.index
    out: dict[str, list[str]] = {}
    for g, code in enumerate(index.group_codes):
        mask = picks.get(g, 0)
        chosen = static.codes.get((g, mask))
        if chosen is None:
            codes = index.option_codes[g]
            chosen = static.codes[(g, mask)] = [codes[o] for o in _bits(mask)]
        out[code] = list(chosen)
    return out
