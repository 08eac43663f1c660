"""Minimal-change resolutions for every option at once: two passes over the diagram.

Given the current picks P (literals), an edge of the layer deciding group g *drops* the
picks of P in g that its pick does not contain. Every root-to-terminal path is one
complete valid configuration; its change count is the number of picks it drops. Two
dynamic-programming passes give, for every node, the least (changes, price) of a path
from the root (forward) and to the terminal (backward). An option's best resolution is
then its best edge: forward value of the edge's source + the edge + backward value of its
target, where the layer of a single-choice group does not count its own pick as a change
(picking the option replaces it, as the promise says; a multi-choice group keeps it).

So one click costs O(edges) for all options together:
- changes == 0: the option is available (exactly the promise), > 0: excluded; an option
  on no edge is dead (no configuration has it);
- the price of the best resolution (fewest changes, then lowest total price), and the
  complete configuration itself, rebuilt on request for the options asked (a click asks
  for its excluded ones): a walker per option from its best edge up to the root and down
  to the terminal, all walkers stepped together a layer at a time, each reading only the
  edges of the node it stands on (the first best edge, the tie-break of a full argmin).

(changes, price) are compared as one integer: changes * W + price - floor, with W above
any price spread, so numpy's minimum does the lexicographic comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Literal
from configurator.engine.diagram import Diagram
from configurator.engine.pricing import price_of
from configurator.engine.propagation import _bits
from configurator.engine.selections import (
    Selections,
    as_dict,
    ordered_literals,
    parse_selections,
)

# Keys stay below this so that sums of three never overflow int64.
KEY_LIMIT = 2**60
# Up to this many (option, layer) steps, resolutions are walked one by one; beyond, all
# options are rebuilt at once with array operations (a fixed cost of a few per layer).
WALK_STEPS = 400


@dataclass(frozen=True)
class Resolution:
    """The least change that picks one option: a complete valid configuration containing
    it that drops as few current picks as possible, the cheapest among those.

    `changes` counts the current picks given up (`dropped`, "group.option", oldest pick
    first when an order was given); 0 means the option is available. `selections` is the
    complete configuration (every group listed) and `price` its total. `proposal` is what
    applying the resolution leaves selected: the current picks that are kept, the option,
    and the configuration's pick in each group that lost one; `proposal_price` its price.
    """

    option: str
    changes: int
    dropped: tuple[str, ...]
    selections: dict[str, list[str]]
    price: Decimal
    proposal: dict[str, list[str]]
    proposal_price: Decimal


def _spread(diagram: Diagram) -> int:
    return sum(int(layer.shifted.max()) if len(layer.shifted) else 0 for layer in diagram.layers)


def _statics(compiled: CompiledProduct) -> tuple[int, int]:
    """(price spread, least total edge cost) of the diagram: read every click, memoised
    per compiled product (one entry)."""
    found = compiled.cache.get("passes-statics")
    if found is None:
        diagram = compiled.diagram
        found = compiled.cache["passes-statics"] = (
            _spread(diagram),
            sum(layer.floor for layer in diagram.layers),
        )
    statics: tuple[int, int] = found
    return statics


class Passes:
    """The forward and backward minimum-change passes of one click, and what they answer.

    Build with `Passes(compiled, picked)` where `picked` maps group index -> bitmask (see
    `selections.parse_selections`). Reading `changes`, `valid`, `available` costs nothing
    more; `rows(lits)` / `resolution(lit)` rebuild configurations (memoised per option).
    """

    def __init__(
        self,
        compiled: CompiledProduct,
        picked: Mapping[int, int],
        recency: Sequence[Literal] = (),
    ) -> None:
        self.compiled = compiled
        self.picked = dict(picked)
        index, diagram = compiled.index, compiled.diagram
        self.literals = [(g, o) for g, mask in sorted(picked.items()) for o in _bits(mask)]
        rank = {lit: n for n, lit in enumerate(recency)}
        self.literals.sort(key=lambda lit: rank.get(lit, -1))
        self.layer_of = {layer.group: i for i, layer in enumerate(diagram.layers)}
        n_changes = len(self.literals) + 1
        spread, self.floor = _statics(compiled)
        self.weight = spread + 1
        exact = n_changes * self.weight < KEY_LIMIT // 4 and all(
            layer.cost.dtype != object for layer in diagram.layers
        )
        self.dtype = np.int64 if exact else object
        self.inf = KEY_LIMIT if exact else 2 ** (n_changes.bit_length() + 4) * self.weight
        # changes[g][o]: least changes to pick (g, o); -1 for a dead option.
        self.changes: dict[int, np.ndarray] = {}
        self.key: dict[int, np.ndarray] = {}
        self._rows: dict[Literal, np.ndarray] = {}
        self._walked: dict[tuple[int, int, int], int] = {}
        if diagram.empty:
            for g, codes in enumerate(index.option_codes):
                self.changes[g] = np.full(len(codes), -1, dtype=np.int64)
                self.key[g] = np.full(len(codes), self.inf, dtype=self.dtype)
            self.valid = False
            return
        self._passes()

    # The passes -------------------------------------------------------------------------

    def _drops(self, i: int) -> np.ndarray | None:
        """Changes per pick label of layer i (None when the group holds no current pick)."""
        layer = self.compiled.diagram.layers[i]
        want = self.picked.get(layer.group, 0)
        if not want:
            return None
        drops: NDArray[np.int64] = (
            (~layer.label_options[:, _bits(want)]).sum(axis=1).astype(np.int64)
        )
        return drops

    def _passes(self) -> None:
        diagram, index = self.compiled.diagram, self.compiled.index
        layers, w = diagram.layers, self.weight
        weights, drops = [], []
        for i, layer in enumerate(layers):
            d = self._drops(i)
            shifted = layer.shifted if self.dtype != object else layer.shifted.astype(object)
            if d is not None and self.dtype == object:
                d = d.astype(object)  # w may exceed int64: exact integers throughout
            drops.append(d)
            weights.append(shifted if d is None else shifted + np.take(d * w, layer.label))
        fwd = [np.zeros(1, dtype=self.dtype)]
        # np.take: a plain gather, cheaper than fancy indexing's general path.
        before, via = [], []  # per edge: forward value of its source; + the edge
        for layer, wt in zip(layers, weights, strict=True):
            start = np.take(fwd[-1], layer.src)
            val = start + wt
            before.append(start)
            via.append(val)
            # Most nodes have one or two incoming edges: an unbuffered minimum by target
            # beats sorting the edges by target and reducing segments that short.
            reached = np.full(layer.n_dst, self.inf, dtype=self.dtype)
            np.minimum.at(reached, layer.dst, val)
            fwd.append(reached)
        self.valid = bool(fwd[-1][0] < w)
        bwd = [np.zeros(1, dtype=self.dtype)] * (len(layers) + 1)
        out: list[np.ndarray] = [bwd[0]] * len(layers)  # per edge: the edge + backward value
        self._through: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for i in range(len(layers) - 1, -1, -1):
            layer, wt = layers[i], weights[i]
            after = np.take(bwd[i + 1], layer.dst)
            out[i] = wt + after
            bwd[i] = np.minimum.reduceat(out[i], layer.starts)
            g = layer.group
            through = before[i]  # made in place: the forward values are not read again
            if drops[i] is not None and index.maxs[g] == 1:
                through += layer.shifted  # its own pick is replaced: its drop not counted
                through += after
            else:
                through += out[i]
            per_label = np.minimum.reduceat(np.take(through, layer.by_label), layer.label_starts)
            options = layer.label_options[layer.label_ids]  # (present labels, options)
            table = np.where(options, per_label[:, None], self.inf)
            best = table.min(axis=0) if len(per_label) else np.full(options.shape[1], self.inf)
            self.key[g] = best
            self.changes[g] = np.where(best >= self.inf, -1, best // w).astype(np.int64)
            self._through[i] = (through, table, per_label)
        self._fwd, self._bwd, self._weights, self._via, self._out = fwd, bwd, weights, via, out

    # Answers ----------------------------------------------------------------------------

    def available(self, g: int) -> np.ndarray:
        """Options of group g available under the promise."""
        available: NDArray[np.bool_] = self.changes[g] == 0
        return available

    def cost(self, lit: Literal) -> int | None:
        """Scaled total price of the best resolution picking `lit` (None: dead option)."""
        key = self.key[lit[0]][lit[1]]
        if key >= self.inf:
            return None
        index = self.compiled.index
        return index.base_cost + self.floor + int(key % self.weight)

    def price(self, lit: Literal) -> Decimal | None:
        """Total price of the best resolution picking `lit` (None: dead option)."""
        cost = self.cost(lit)
        if cost is None:
            return None
        return Decimal(cost).scaleb(-self.compiled.index.money_scale)

    def dropped(self, lit: Literal) -> list[Literal]:
        """The current picks the best resolution for `lit` gives up (oldest first)."""
        row = self.rows([lit])[0]
        if row[0] < 0:
            return []
        index, layers = self.compiled.index, self.compiled.diagram.layers
        out = []
        for g, o in self.literals:
            if g == lit[0] and index.maxs[g] == 1:
                continue
            i = self.layer_of[g]
            if not layers[i].label_options[row[i], o]:
                out.append((g, o))
        return out

    def configuration(self, lit: Literal) -> dict[int, int] | None:
        """The complete configuration of the best resolution picking `lit` (group -> mask)."""
        row = self.rows([lit])[0]
        if row[0] < 0:
            return None
        index = self.compiled.index
        groups = self.compiled.diagram.order
        return {g: index.picks[g][lab] for g, lab in zip(groups, row.tolist(), strict=True)}

    def configurations(self, lits: Sequence[Literal]) -> dict[Literal, dict[int, int] | None]:
        """`configuration` of each of `lits` (their rows rebuilt together, see `rows`)."""
        rows = self.rows(lits)
        index = self.compiled.index
        groups = self.compiled.diagram.order
        return {
            lit: None
            if row[0] < 0
            else {g: index.picks[g][lab] for g, lab in zip(groups, row, strict=True)}
            for lit, row in zip(lits, rows.tolist(), strict=True)
        }

    def rows(self, lits: Sequence[Literal]) -> np.ndarray:
        """labels[k, layer]: the pick label of the best resolution of `lits[k]` in every
        layer (a row of -1 for a dead option); each option's row is made once per click.
        A few options are walked node by node from their best edge (cheap on small
        diagrams); more are rebuilt together with array operations (`_rebuild`). Both give
        the first best edge in the option's layer, then the first best edge into / out of
        every node on the way."""
        n_layers = max(len(self.compiled.diagram.layers), 1)
        out = np.full((len(lits), n_layers), -1, dtype=np.int32)
        memo = self._rows
        todo = [
            lit
            for lit in dict.fromkeys(lits)
            if lit not in memo and self.key[lit[0]][lit[1]] < self.inf
        ]
        if todo and not self.compiled.diagram.empty:
            if len(todo) * n_layers > WALK_STEPS:
                for lit, row in zip(todo, self._rebuild(todo), strict=True):
                    memo[lit] = row
            else:
                for lit in todo:
                    memo[lit] = np.asarray(self._walk(lit), dtype=np.int32)
        for k, lit in enumerate(lits):
            found = memo.get(lit)
            if found is not None:
                out[k] = found
        return out

    def _walk(self, lit: Literal) -> list[int] | None:
        """The labels of `lit`'s best resolution (the one `_rebuild` gives: first best edge
        in its layer, first best edge into / out of every node on the way)."""
        g, o = lit
        if self.key[g][o] >= self.inf or self.compiled.diagram.empty:
            return None
        layers = self.compiled.diagram.layers
        i = self.layer_of[g]
        layer = layers[i]
        through, table, _ = self._through[i]
        best = table[:, o].min()
        # First label (ascending) reaching the best, then its first edge (by_label order).
        first_label = int(np.argmax(table[:, o] == best))
        lo = int(layer.label_starts[first_label])
        hi = (
            int(layer.label_starts[first_label + 1])
            if first_label + 1 < len(layer.label_starts)
            else len(layer.by_label)
        )
        edges = layer.by_label[lo:hi]
        e = int(edges[int(np.argmax(through[edges] == best))])
        row = [0] * len(layers)
        row[i] = int(layer.label[e])
        memo = self._walked
        node = int(layer.src[e])
        for j in range(i - 1, -1, -1):
            k = memo.get((j, node, 0))
            if k is None:
                lj = layers[j]
                lo = int(lj.in_starts[node])
                hi = int(lj.in_starts[node + 1]) if node + 1 < lj.n_dst else len(lj.in_order)
                incoming = lj.in_order[lo:hi]
                k = memo[(j, node, 0)] = int(incoming[int(np.argmin(self._via[j][incoming]))])
            row[j] = int(layers[j].label[k])
            node = int(layers[j].src[k])
        node = int(layer.dst[e])
        for j in range(i + 1, len(layers)):
            k = memo.get((j, node, 1))
            if k is None:
                lj = layers[j]
                lo = int(lj.starts[node])
                hi = int(lj.starts[node + 1]) if node + 1 < lj.n_src else len(lj.src)
                values = self._weights[j][lo:hi] + self._bwd[j + 1][lj.dst[lo:hi]]
                k = memo[(j, node, 1)] = lo + int(np.argmin(values))
            row[j] = int(layers[j].label[k])
            node = int(layers[j].dst[k])
        return row

    def resolution(self, lit: Literal) -> Resolution | None:
        """The best resolution picking `lit`, in catalogue terms (None: dead option)."""
        picks = self.configuration(lit)
        if picks is None:
            return None
        compiled = self.compiled
        index = compiled.index
        dropped = self.dropped(lit)
        proposal = dict(self.picked)
        g, o = lit
        if index.maxs[g] == 1:
            proposal[g] = 1 << o
        else:
            proposal[g] = proposal.get(g, 0) | 1 << o
        for h, q in dropped:
            proposal[h] = (proposal.get(h, 0) & ~(1 << q)) | picks[h]
        return Resolution(
            option=index.literal_text(lit),
            changes=len(dropped),
            dropped=tuple(index.literal_text(d) for d in dropped),
            selections=as_dict(index, picks),
            price=_total(compiled, picks),
            proposal=as_dict(index, proposal),
            proposal_price=_total(compiled, proposal),
        )

    # Rebuilding configurations ----------------------------------------------------------

    def _best_label_edges(self, i: int, options: np.ndarray) -> np.ndarray:
        """The best edge of each of `options` (live options of layer i's group): the first
        label (ascending) reaching the option's best, then that label's first edge
        (by_label order) reaching it."""
        layer = self.compiled.diagram.layers[i]
        through, table, per_label = self._through[i]
        first_label = np.argmin(table[:, options], axis=0)
        pos = _best_edges(
            first_label,
            layer.label_starts,
            self._ends(i, "label"),
            per_label,
            through,
            layer.by_label,
        )
        edges: np.ndarray = layer.by_label[pos]
        return edges

    def _ends(self, i: int, kind: str) -> np.ndarray:
        """End (exclusive) of every segment of layer i's `starts` (kind "out"),
        `in_starts` ("in") or `label_starts` ("label"): static, memoised per layer."""
        memo = self.compiled.cache.setdefault("segment-ends", {})
        found = memo.get((i, kind))
        if found is None:
            layer = self.compiled.diagram.layers[i]
            starts = {"out": layer.starts, "in": layer.in_starts, "label": layer.label_starts}[kind]
            found = memo[(i, kind)] = np.append(starts[1:], len(layer.src)).astype(np.int64)
        ends: np.ndarray = found
        return ends

    def _rebuild(self, lits: Sequence[Literal]) -> np.ndarray:
        """`rows` of live `lits`, all at once: a walker per option from its best edge,
        up to the root (best incoming edge of each node it meets) and down to the
        terminal (best outgoing edge), one set of array operations per layer for all
        walkers together, reading only the edges of the nodes they stand on."""
        layers = self.compiled.diagram.layers
        n_layers, n = len(layers), len(lits)
        at = np.asarray([self.layer_of[g] for g, _ in lits], dtype=np.int64)
        start = np.empty(n, dtype=np.int64)  # each option's best edge in its own layer
        own = np.empty(n, dtype=np.int32)  # and its label
        by_layer: dict[int, list[int]] = {}
        for k, i in enumerate(at.tolist()):
            by_layer.setdefault(i, []).append(k)
        for i, ks in by_layer.items():
            options = np.asarray([lits[k][1] for k in ks], dtype=np.int64)
            start[ks] = edges = self._best_label_edges(i, options)
            own[ks] = layers[i].label[edges]
        # Walkers sorted by their layer, so that those still walking at layer i are a
        # prefix: up from the deepest, down from the highest.
        per_layer = np.bincount(at, minlength=n_layers).tolist()
        up = np.argsort(-at, kind="stable")
        up_start = start[up]
        up_labels = np.full((n, n_layers), -1, dtype=np.int32)
        node = np.empty(n, dtype=np.int64)
        m = 0  # walkers from layers below i
        for i in range(n_layers - 1, -1, -1):
            layer = layers[i]
            if m:
                edge = layer.in_order[
                    _best_edges(
                        node[:m],
                        layer.in_starts,
                        self._ends(i, "in"),
                        self._fwd[i + 1],
                        self._via[i],
                        layer.in_order,
                    )
                ]
                up_labels[:m, i] = layer.label[edge]
                node[:m] = layer.src[edge]
            if per_layer[i]:
                node[m : m + per_layer[i]] = layer.src[up_start[m : m + per_layer[i]]]
                m += per_layer[i]
        down = np.argsort(at, kind="stable")
        down_start = start[down]
        down_labels = np.full((n, n_layers), -1, dtype=np.int32)
        m = 0  # walkers from layers above i
        for i in range(n_layers):
            layer = layers[i]
            if m:
                edge = _best_edges(
                    node[:m], layer.starts, self._ends(i, "out"), self._bwd[i], self._out[i], None
                )
                down_labels[:m, i] = layer.label[edge]
                node[:m] = layer.dst[edge]
            if per_layer[i]:
                node[m : m + per_layer[i]] = layer.dst[down_start[m : m + per_layer[i]]]
                m += per_layer[i]
        labels = np.empty((n, n_layers), dtype=np.int32)
        labels[up] = up_labels
        below = np.empty_like(labels)
        below[down] = down_labels
        columns = np.arange(n_layers)
        mine = columns == at[:, None]
        labels[columns > at[:, None]] = below[columns > at[:, None]]
        labels[mine] = own
        return labels


# Walkers standing on the same node share its search once the duplicates would read more
# than this many edges in all.
SHARED_EDGES = 4096
# Segments of at most this many edges are searched as a padded matrix (one row a node).
PADDED = 16


def _best_edges(
    node: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    best: np.ndarray,
    values: np.ndarray,
    order: np.ndarray | None,
) -> np.ndarray:
    """For each of `node` (walkers' nodes, repeats allowed), the first position p of its
    segment [starts[n], ends[n]) whose value (`values[order[p]]`, or `values[p]` without
    `order`) equals the node's `best` (the segment's minimum)."""
    lo: np.ndarray = starts[node]
    hi = ends[node]
    widest = int((hi - lo).max())
    if widest == 1:  # every walker's node has a single edge: nothing to choose
        return lo
    if widest <= PADDED:
        # Positions past a segment's end repeat its last edge, which cannot come before
        # the first best one.
        pos = np.minimum(lo[:, None] + np.arange(widest), (hi - 1)[:, None])
        hit = (values[pos] if order is None else values[order[pos]]) == best[node][:, None]
        padded: np.ndarray = lo + hit.argmax(axis=1)
        return padded
    lens = hi - lo
    if int(lens.sum()) <= SHARED_EDGES:
        return _first_best(lo, lens, best[node], values, order)
    nodes, inverse = np.unique(node, return_inverse=True)
    lo = starts[nodes]
    found = _first_best(lo, ends[nodes] - lo, best[nodes], values, order)
    shared: np.ndarray = found[inverse.reshape(-1)]
    return shared


def _first_best(
    lo: np.ndarray,
    lens: np.ndarray,
    best: np.ndarray,
    values: np.ndarray,
    order: np.ndarray | None,
) -> np.ndarray:
    """For each segment of `lens` (> 0) positions from `lo`, the first position whose
    value equals the segment's `best` (see `_best_edges`)."""
    offsets = np.cumsum(lens) - lens
    total = int(offsets[-1] + lens[-1])
    pos = np.arange(total, dtype=np.int64) + np.repeat(lo - offsets, lens)
    hit = (values[pos] if order is None else values[order[pos]]) == np.repeat(best, lens)
    first = np.minimum.reduceat(np.where(hit, np.arange(total), total), offsets)
    found: np.ndarray = pos[first]
    return found


def _total(compiled: CompiledProduct, picks: Mapping[int, int]) -> Decimal:
    return price_of(compiled.product, picks).total


class Resolutions:
    """Every option's least-change resolution for one set of selections, by codes.

    `for_option("gpu", "rtx4060")` -> `Resolution` (None for an option no configuration
    has); `changes(...)` and `price(...)` read the passes without rebuilding anything.
    """

    def __init__(self, passes: Passes) -> None:
        self.passes = passes
        index = passes.compiled.index
        self._group = {code: g for g, code in enumerate(index.group_codes)}

    @property
    def valid(self) -> bool:
        return self.passes.valid

    def _lit(self, group: str, option: str) -> Literal:
        g = self._group[group]
        return g, self.passes.compiled.index.option_codes[g].index(option)

    def changes(self, group: str, option: str) -> int | None:
        g, o = self._lit(group, option)
        value = int(self.passes.changes[g][o])
        return None if value < 0 else value

    def price(self, group: str, option: str) -> Decimal | None:
        return self.passes.price(self._lit(group, option))

    def for_option(self, group: str, option: str) -> Resolution | None:
        return self.passes.resolution(self._lit(group, option))


def option_resolutions(
    compiled: CompiledProduct, selections: Selections, *, order: Sequence[str] = ()
) -> Resolutions:
    """For every option of the product, the least-change resolution that picks it.

    Fewest current picks given up first (a single-choice group's own pick is replaced,
    not counted), then the lowest total price of the complete configuration. Available
    options have 0 changes. One forward and one backward pass over the diagram answer
    all options together; configurations are rebuilt on first request, all at once.
    `order` ("group.option", oldest first) only orders each resolution's `dropped`.

    Raises `UnknownCode` / `InvalidSelection` for bad selections.
    """
    picked = parse_selections(compiled.index, compiled.product, selections)
    recency = ordered_literals(compiled.index, picked, order)
    return Resolutions(Passes(compiled, picked, recency))
