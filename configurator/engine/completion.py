"""Paths through the diagram: cheapest completion, counting, and the resolution that
keeps the most (and most recent) picks. Each is one dynamic-programming sweep per query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Literal
from configurator.engine.diagram import Diagram, Layer
from configurator.engine.propagation import _bits, restrictions

INF = 2**62


def _cheapest_to_end(diagram: Diagram, allowed: list[np.ndarray | None]) -> list[np.ndarray]:
    """Least cost from each node to the terminal (>= INF // 2 means unreachable)."""
    best = [np.zeros(1, dtype=np.int64)]
    cur = best[0]
    for layer, ok in zip(reversed(diagram.layers), reversed(allowed), strict=True):
        value = layer.cost + cur[layer.dst]
        if ok is not None:
            value = np.where(ok, value, INF)
        cur = np.minimum.reduceat(value, layer.starts)
        best.append(cur)
    best.reverse()
    return best


def cheapest_picks(compiled: CompiledProduct, required: Mapping[int, int]) -> dict[int, int] | None:
    """The least-cost complete valid configuration containing `required`, or None."""
    diagram = compiled.diagram
    if diagram.empty:
        return None
    allowed = restrictions(diagram, required)
    best = _cheapest_to_end(diagram, allowed)
    if best[0][0] >= INF // 2:
        return None
    picks: dict[int, int] = {}
    node = 0
    for i, layer in enumerate(diagram.layers):
        lo, hi = (
            layer.starts[node],
            layer.starts[node + 1] if node + 1 < layer.n_src else len(layer.src),
        )
        value = layer.cost[lo:hi] + best[i + 1][layer.dst[lo:hi]]
        ok = allowed[i]
        if ok is not None:
            value = np.where(ok[lo:hi], value, INF)
        e = lo + int(np.argmin(value))
        picks[layer.group] = compiled.index.picks[layer.group][int(layer.label[e])]
        node = int(layer.dst[e])
    return picks


def count_paths(compiled: CompiledProduct, required: Mapping[int, int]) -> int:
    """Exact number of complete valid configurations containing `required`."""
    diagram = compiled.diagram
    if diagram.empty:
        return 0
    allowed = restrictions(diagram, required)
    cur = np.ones(1, dtype=object)
    for layer, ok in zip(reversed(diagram.layers), reversed(allowed), strict=True):
        value = cur[layer.dst]
        if ok is not None:
            value = np.where(ok, value, 0).astype(object)
        cur = np.add.reduceat(value, layer.starts)
    return int(cur[0])


def _max_kept(
    compiled: CompiledProduct, wanted: Mapping[int, int], required: Mapping[int, int]
) -> int:
    """Most wanted literals a complete valid configuration containing `required` can hold."""
    diagram = compiled.diagram
    allowed = restrictions(diagram, required)
    cur = np.zeros(1, dtype=np.int64)
    for layer, ok in zip(reversed(diagram.layers), reversed(allowed), strict=True):
        mask = wanted.get(layer.group, 0)
        if mask:
            kept = layer.label_options[:, _bits(mask)].sum(axis=1)[layer.label]
            value = kept + cur[layer.dst]
        else:
            value = cur[layer.dst]
        if ok is not None:
            value = np.where(ok, value, -INF)
        cur = np.maximum.reduceat(value, layer.starts)
    return int(cur[0])


def resolution_picks(
    compiled: CompiledProduct, recency: Sequence[Literal]
) -> dict[int, int] | None:
    """A complete valid configuration keeping as many of the `recency` literals (oldest
    first) as possible; among those, keep the most recent ones (lexicographically from the
    newest); the rest is completed at least cost."""
    diagram = compiled.diagram
    if diagram.empty:
        return None
    wanted: dict[int, int] = {}
    for g, o in recency:
        wanted[g] = wanted.get(g, 0) | 1 << o
    target = _max_kept(compiled, wanted, {})
    kept: dict[int, int] = {}
    for g, o in reversed(recency):
        trial = dict(kept)
        trial[g] = trial.get(g, 0) | 1 << o
        if _max_kept(compiled, wanted, trial) == target:
            kept = trial
    return cheapest_picks(compiled, kept)


def resolution_keeping(
    compiled: CompiledProduct, *, keep: Mapping[int, int], wanted: Mapping[int, int]
) -> dict[int, int] | None:
    """The complete valid configuration that contains every `keep` literal, holds as many
    `wanted` literals as possible (fewest picks changed) and, among those, costs least
    (price rules included); None if no configuration contains `keep`.

    What the shop proposes when a click conflicts: keep the click, change the fewest other
    picks, cheapest first. One lexicographic (kept, -cost) sweep up the diagram, one walk
    down it."""
    diagram = compiled.diagram
    if diagram.empty:
        return None
    allowed = restrictions(diagram, keep)
    kept_to_end = [np.zeros(1, dtype=np.int64)]
    cost_to_end = [np.zeros(1, dtype=np.int64)]
    weights = []
    for layer, ok in zip(reversed(diagram.layers), reversed(allowed), strict=True):
        mask = wanted.get(layer.group, 0)
        if mask:
            weight = layer.label_options[:, _bits(mask)].sum(axis=1).astype(np.int64)
        else:
            weight = np.zeros(len(layer.label_options), dtype=np.int64)
        weights.append(weight)
        kept, cost = _edge_values(layer, ok, weight, kept_to_end[-1], cost_to_end[-1])
        best_kept = np.maximum.reduceat(kept, layer.starts)
        cost = np.where(kept == best_kept[layer.src], cost, INF)
        kept_to_end.append(best_kept)
        cost_to_end.append(np.minimum.reduceat(cost, layer.starts))
    kept_to_end.reverse()
    cost_to_end.reverse()
    weights.reverse()
    if kept_to_end[0][0] < 0:
        return None
    picks: dict[int, int] = {}
    node = 0
    for i, layer in enumerate(diagram.layers):
        lo = layer.starts[node]
        hi = layer.starts[node + 1] if node + 1 < layer.n_src else len(layer.src)
        part = slice(lo, hi)
        layer_ok = allowed[i]
        ok = None if layer_ok is None else layer_ok[part]
        kept = weights[i][layer.label[part]] + kept_to_end[i + 1][layer.dst[part]]
        cost = layer.cost[part] + cost_to_end[i + 1][layer.dst[part]]
        if ok is not None:
            kept = np.where(ok, kept, -INF)
        cost = np.where(kept == kept.max(), cost, INF)
        e = lo + int(np.argmin(cost))
        picks[layer.group] = compiled.index.picks[layer.group][int(layer.label[e])]
        node = int(layer.dst[e])
    return picks


def _edge_values(
    layer: Layer,
    ok: np.ndarray | None,
    weight: np.ndarray,
    kept_after: np.ndarray,
    cost_after: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    kept = weight[layer.label] + kept_after[layer.dst]
    cost = layer.cost + cost_after[layer.dst]
    if ok is not None:
        kept = np.where(ok, kept, -INF)
    return kept, cost
