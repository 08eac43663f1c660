"""The picks an excluded option needs gone: for every option at once, which single
current pick, dropped alone, would make it available.

Those picks lie in every minimal set of picks that excludes the option (drop one and the
option is back), so when they exclude the option by themselves they are *the* minimal
reason, found without a search. One more pair of passes over the diagram, on top of the
minimum-change passes (`resolutions.Passes`): a node carries, as a bitset over the current
picks, which single pick a path from the root (forward) or to the terminal (backward) can
drop while dropping nothing else.

The bits of a boundary depend only on the picks on one side of it: forward, those of the
layers above (numbered from the top, layer by layer), backward, those below (numbered
from the bottom). So a click's passes start where its picks first differ from a recent
click's (in a store bounded in bytes, kept in `CompiledProduct.cache`), and each pass runs
only as far as the groups read need: a click that adds one pick recomputes the forward
bits below it and the backward bits above it, not both passes over the whole diagram.
Every array is exactly what a whole pass computes: the answers do not depend on the
clicks before.

What a click costs is mostly memory traffic over the edges, so: what each pick label
drops is kept per (layer, picks) across clicks; a layer step reads only the edges from
nodes that carry bits when few do (most of Renault's boundaries); a group is read in one
masked pass over its layer's edges in label order; and every gather of bits uses native
(intp) indices, which numpy serves an order of magnitude faster than int32 ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate
from typing import cast

import numpy as np

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Literal
from configurator.engine.propagation import _bits
from configurator.engine.resolutions import Passes

# Bytes of bit arrays a compiled product keeps across clicks (whole records: a record is
# counted at the most it can hold, both passes over every node).
STORE_BYTES = 32 * 2**20

Bits = np.ndarray | None  # (nodes, words) uint64 per boundary; None: no node carries a bit


@dataclass(frozen=True)
class _Record:
    """One click's passes, grown in place by that click only (lists only get longer, and
    every array in them is final): `fwd[b]` for boundaries 0.., `bwd[j]` for boundary
    (layers - j)."""

    masks: tuple[int, ...]  # the picks of each layer
    key: np.ndarray  # the same as an array (`_key`)
    words: int
    fwd: list[Bits]
    bwd: list[Bits]


def _key(masks: tuple[int, ...]) -> np.ndarray:
    """`masks` as an array, to compare with other records' in one operation (Python
    integers when a group has more options than a word holds)."""
    try:
        return np.asarray(masks, dtype=np.uint64)
    except OverflowError:
        return np.asarray(masks, dtype=object)


class DropStore:
    """Recent clicks' single-drop passes of one compiled product, least recently used
    dropped first beyond `max_bytes`. Safe to share between threads: records are added
    and dropped under a lock and read without one (see `_Record`)."""

    def __init__(self, n_nodes: int, *, max_bytes: int = STORE_BYTES) -> None:
        self.n_nodes = n_nodes
        self.max_bytes = max_bytes
        self._records: OrderedDict[tuple[int, tuple[int, ...]], _Record] = OrderedDict()
        self._lock = threading.Lock()

    def _cap(self, words: int) -> int:
        return max(1, self.max_bytes // max(1, 2 * self.n_nodes * words * 8))

    def start(self, masks: tuple[int, ...], words: int) -> _Record:
        """A record for `masks`, begun with the longest forward prefix and backward suffix
        of a stored record whose picks agree over those layers (all records compared at
        once, as one array of their picks)."""
        n_layers = len(masks)
        key = _key(masks)
        with self._lock:
            records = [r for r in reversed(self._records.values()) if r.words == words]
        fwd: list[Bits] = [None]
        bwd: list[Bits] = [None]
        if records and n_layers:
            differ = np.stack([r.key for r in records]) != key  # most recent first
            same = differ.any(axis=1)
            prefix = np.where(same, differ.argmax(axis=1), n_layers).tolist()
            suffix = np.where(same, differ[:, ::-1].argmax(axis=1), n_layers).tolist()
            for other, ahead, behind in zip(records, prefix, suffix, strict=True):
                if ahead == n_layers:
                    fwd, bwd = list(other.fwd), list(other.bwd)
                    break
                if min(len(other.fwd), ahead + 1) > len(fwd):
                    fwd = other.fwd[: ahead + 1]
                if min(len(other.bwd), behind + 1) > len(bwd):
                    bwd = other.bwd[: behind + 1]
        record = _Record(masks, key, words, fwd, bwd)
        with self._lock:
            self._records[(words, masks)] = record
            self._records.move_to_end((words, masks))
            while len(self._records) > self._cap(words):
                self._records.popitem(last=False)
        return record


def _store_of(compiled: CompiledProduct) -> DropStore:
    found = compiled.cache.get("single-drops")
    if not isinstance(found, DropStore):
        found = compiled.cache["single-drops"] = DropStore(compiled.diagram.n_nodes)
    return found


@dataclass(frozen=True)
class _Edges:
    """Layer i's edge arrays as the passes index with them: numpy gathers a uint64 array
    many times faster with native (intp) indices than with the diagram's int32 ones."""

    src_by_label: np.ndarray  # source of each edge in `by_label` order (labels ascending)
    dst_by_label: np.ndarray  # its target
    label_by_label: np.ndarray  # its label
    label_starts: np.ndarray  # first position in `by_label` of each label present
    label_holds: np.ndarray  # bool (labels present, options): the options each holds
    label_ids: np.ndarray  # the labels present, ascending
    forward: _Way  # the edges for a forward step (from sources to targets)
    backward: _Way  # for a backward step


def _edges(compiled: CompiledProduct, i: int) -> _Edges:
    """Layer i's `_Edges`: static, memoised (one entry per layer, nine intp arrays of its
    edges: 72 bytes an edge, about 31 MB on the industrial product)."""
    memo = compiled.cache.setdefault("necessary-edges", {})
    found = memo.get(i)
    if found is None:
        layer = compiled.diagram.layers[i]
        order = layer.in_order.astype(np.intp)
        by_label = layer.by_label.astype(np.intp)
        in_starts = layer.in_starts.astype(np.intp)
        starts = layer.starts.astype(np.intp)
        n_edges = len(layer.src)
        src_in = layer.src[order].astype(np.intp)
        label_in = layer.label[order].astype(np.intp)
        dst_in = layer.dst[order].astype(np.intp)
        src = layer.src.astype(np.intp)
        dst = layer.dst.astype(np.intp)
        label = layer.label.astype(np.intp)
        found = memo[i] = _Edges(
            src_by_label=layer.src[by_label].astype(np.intp),
            dst_by_label=layer.dst[by_label].astype(np.intp),
            label_by_label=layer.label[by_label].astype(np.intp),
            label_starts=layer.label_starts.astype(np.intp),
            label_holds=layer.label_options[layer.label_ids],
            label_ids=layer.label_ids.astype(np.intp),
            forward=_Way(
                near=src_in,
                label=label_in,
                far_starts=in_starts,
                fan_near=src,
                fan_far=dst,
                fan_label=label,
                near_bounds=np.append(starts, n_edges).astype(np.intp),
            ),
            backward=_Way(
                near=dst,
                label=label,
                far_starts=starts,
                fan_near=dst_in,
                fan_far=src_in,
                fan_label=label_in,
                near_bounds=np.append(in_starts, n_edges).astype(np.intp),
            ),
        )
    edges: _Edges = found
    return edges


def _or_segments(rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """OR of `rows` (edges, words) over each segment from `starts`: on a flat array when
    there is one word (numpy reduces a 1-d array faster than a column)."""
    if rows.shape[1] == 1:
        return np.bitwise_or.reduceat(rows.reshape(-1), starts).reshape(-1, 1)
    found: np.ndarray = np.bitwise_or.reduceat(rows, starts, axis=0)
    return found


# (layer, picks) entries of what each pick label drops a compiled product keeps; beyond,
# the memo starts again.
LABEL_ENTRIES = 4096


@dataclass(frozen=True)
class _Drops:
    """What each pick label of layer i drops of the layer's picks `mask` (static per
    (layer, mask): a session's picks stay from one click to the next)."""

    keep: np.ndarray  # uint64 per label: all ones when it drops nothing, else 0
    zero: np.ndarray  # bool per label: drops nothing
    one: np.ndarray  # bool per label: drops exactly one of the picks
    first: np.ndarray  # int64 per label: which of the picks (ascending) it drops, if one
    unit: np.ndarray  # uint64 per label: 1 << first where it drops one pick, else 0


def _drops(compiled: CompiledProduct, i: int, mask: int) -> _Drops:
    memo: dict[tuple[int, int], _Drops] = compiled.cache.setdefault("necessary-drops", {})
    found = memo.get((i, mask))
    if found is None:
        layer = compiled.diagram.layers[i]
        missing = ~layer.label_options[:, _bits(mask)]
        drops = missing.sum(axis=1)
        first = missing.argmax(axis=1).astype(np.int64)  # the dropped pick, when one is
        zero, one = drops == 0, drops == 1
        keep = np.where(zero, np.uint64(0xFFFFFFFFFFFFFFFF), np.uint64(0))
        unit = np.where(one, np.left_shift(np.uint64(1), (first % 64).astype(np.uint64)), 0)
        found = _Drops(keep, zero, one, first, unit.astype(np.uint64))
        if len(memo) >= LABEL_ENTRIES:
            memo.clear()
        memo[(i, mask)] = found
    return found


@dataclass(frozen=True)
class _LabelBits:
    """What each pick label of a layer holding current picks drops, numbered for the click."""

    keep: np.ndarray  # uint64 per label: all ones when it drops nothing, else 0
    zero: np.ndarray  # bool per label: drops nothing
    one: np.ndarray  # bool per label: drops exactly one current pick
    fwd: np.ndarray  # (labels, words) uint64: that pick's bit in the forward numbering
    bwd: np.ndarray  # the same in the backward numbering


def _bit_rows(drops: _Drops, offset: int, words: int) -> np.ndarray:
    """(labels, words): the bit of the pick each label drops alone, numbered from
    `offset` (one shift of the static units when every bit lies in one word)."""
    if words == 1:
        return (drops.unit << np.uint64(offset)).reshape(-1, 1)
    rows = np.zeros((len(drops.one), words), dtype=np.uint64)
    labels = np.flatnonzero(drops.one)
    b = drops.first[labels] + offset
    rows[labels, b // 64] = np.left_shift(np.uint64(1), (b % 64).astype(np.uint64))
    return rows


# A step reads only the edges from nodes that carry bits (or may start one) when these
# are at most this share of the nodes: work in proportion to those nodes and edges,
# instead of every edge's bits.
SPARSE_SHARE = 0.25


@dataclass(frozen=True)
class _Way:
    """A layer's edges seen from one side, for a step in one direction. `near`, `label`
    per edge (the node the bits come from, its pick label) in an order where the node
    they reach ascends, each far node's run from `far_starts` (a dense step reduces
    them); `fan_near`, `fan_far`, `fan_label`: the same edges in an order where the near
    node ascends, each near node's run from `near_bounds[n]` to `near_bounds[n + 1]` (a
    sparse step expands the active near nodes' runs)."""

    near: np.ndarray
    label: np.ndarray
    far_starts: np.ndarray
    fan_near: np.ndarray
    fan_far: np.ndarray
    fan_label: np.ndarray
    near_bounds: np.ndarray


def _step(
    cur: Bits,
    part: _LabelBits | None,
    own: np.ndarray | None,
    zero: np.ndarray | None,
    way: _Way,
    words: int,
) -> Bits:
    """One layer stepped through, forward or backward: the bits at its far boundary.

    `cur`: the bits of the near boundary; `part` (with `own`, its rows in this
    direction's numbering, and `zero`, the near nodes reached dropping nothing) when the
    layer holds picks. An edge keeps the bits of its near node when its label drops
    nothing, and starts its pick's bit when it drops that pick alone from a node reached
    dropping nothing."""
    n_near = len(way.near_bounds) - 1
    active: np.ndarray
    if cur is None:
        active = np.zeros(n_near, dtype=bool)
    elif words == 1:
        active = cur.reshape(-1) != 0
    else:
        active = cast("np.ndarray", cur.any(axis=1))  # numpy's stubs: axis reductions
    if zero is not None:
        active |= zero
    n_active = int(np.count_nonzero(active))
    if not n_active:
        return None
    sparse = n_active <= SPARSE_SHARE * n_near
    if sparse:
        nodes = np.flatnonzero(active)
        lo = way.near_bounds.take(nodes)
        lens = way.near_bounds.take(nodes + 1) - lo
        offsets = np.cumsum(lens) - lens
        at = np.arange(int(offsets[-1] + lens[-1]), dtype=np.intp) + np.repeat(lo - offsets, lens)
        near, label = way.fan_near.take(at), way.fan_label.take(at)
    else:
        near, label = way.near, way.label
    carried = (
        np.zeros((len(near), words), dtype=np.uint64) if cur is None else cur.take(near, axis=0)
    )
    if part is not None:
        assert zero is not None and own is not None
        carried &= part.keep.take(label)[:, None]
        start = np.flatnonzero(zero.take(near) & part.one.take(label))
        carried[start] |= own.take(label.take(start), axis=0)
    if not sparse:
        return _or_segments(carried, way.far_starts)
    out = np.zeros((len(way.far_starts), words), dtype=np.uint64)
    np.bitwise_or.at(out, way.fan_far.take(at), carried)  # few edges: a scatter is cheap
    return out


class SingleDrops:
    """The single-drop bits of one click (see the module docstring): `picks(target)`
    for an option whose least change count is 1; groups are worked out when first read."""

    def __init__(self, passes: Passes) -> None:
        self.passes = passes
        compiled = passes.compiled
        self.compiled = compiled
        layers = compiled.diagram.layers
        picked = passes.picked
        self.masks = tuple(picked.get(layer.group, 0) for layer in layers)
        # Forward numbering: layer by layer from the top, options ascending within a
        # layer; backward: from the bottom. `above[i]` / `below[i]`: picks before layer i
        # in either numbering.
        chunks = [
            [(layer.group, o) for o in _bits(mask)]
            for layer, mask in zip(layers, self.masks, strict=True)
        ]
        sizes = [len(chunk) for chunk in chunks]
        self.fwd_lits: list[Literal] = [lit for chunk in chunks for lit in chunk]
        self.bwd_lits: list[Literal] = [lit for chunk in reversed(chunks) for lit in chunk]
        self.above: list[int] = list(accumulate(sizes, initial=0))[:-1]
        self.below: list[int] = list(accumulate(reversed(sizes), initial=0))[-2::-1]
        self.words = max(1, (len(self.fwd_lits) + 63) // 64)
        self.rank = {lit: n for n, lit in enumerate(passes.literals)}
        self._labels: dict[int, _LabelBits] = {}
        self._zeros: dict[int, np.ndarray] = {}  # b: forward, -1 - b: backward
        # Per group read: each option's words above, below and own, as Python integers.
        self._groups: dict[int, list[tuple[list[int], list[int], list[int]]]] = {}
        self._record: _Record | None = None
        if not compiled.diagram.empty and self.fwd_lits:
            self._record = _store_of(compiled).start(self.masks, self.words)

    def _bits_of(self, i: int) -> _LabelBits | None:
        if not self.masks[i]:
            return None
        found = self._labels.get(i)
        if found is None:
            drops = _drops(self.compiled, i, self.masks[i])
            found = self._labels[i] = _LabelBits(
                drops.keep,
                drops.zero,
                drops.one,
                _bit_rows(drops, self.above[i], self.words),
                _bit_rows(drops, self.below[i], self.words),
            )
        return found

    def _zero_fwd(self, b: int) -> np.ndarray:
        """Nodes of boundary b reached from the root dropping nothing."""
        found = self._zeros.get(b)
        if found is None:
            found = self._zeros[b] = self.passes.unchanged(b, forward=True)
        return found

    def _zero_bwd(self, b: int) -> np.ndarray:
        """Nodes of boundary b reaching the terminal dropping nothing."""
        found = self._zeros.get(-1 - b)
        if found is None:
            found = self._zeros[-1 - b] = self.passes.unchanged(b, forward=False)
        return found

    def _forward(self, b: int) -> Bits:
        """The forward bits at boundary b, stepping on from the last one known."""
        assert self._record is not None
        fwd = self._record.fwd
        while len(fwd) <= b:
            i = len(fwd) - 1
            cur, part = fwd[i], self._bits_of(i)
            if part is None and cur is None:
                fwd.append(None)
                continue
            edges = _edges(self.compiled, i)
            fwd.append(
                _step(
                    cur,
                    part,
                    None if part is None else part.fwd,
                    self._zero_fwd(i) if part is not None else None,
                    edges.forward,
                    self.words,
                )
            )
        return fwd[b]

    def _backward(self, b: int) -> Bits:
        """The backward bits at boundary b, stepping up from the last one known."""
        assert self._record is not None
        bwd = self._record.bwd
        n_layers = len(self.masks)
        while len(bwd) <= n_layers - b:
            i = n_layers - len(bwd)
            cur, part = bwd[-1], self._bits_of(i)
            if part is None and cur is None:
                bwd.append(None)
                continue
            edges = _edges(self.compiled, i)
            bwd.append(
                _step(
                    cur,
                    part,
                    None if part is None else part.bwd,
                    self._zero_bwd(i + 1) if part is not None else None,
                    edges.backward,
                    self.words,
                )
            )
        return bwd[n_layers - b]

    def _group(self, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(options, words) uint64 of group g: the picks above its layer (forward
        numbering), below it (backward numbering) and in it (forward numbering) whose
        drop alone frees each option. Every edge of the layer is read once, in label
        order, masked to those into a node reaching the terminal dropping nothing or from
        one reached dropping nothing, and ORed per label (a few long runs: numpy's
        `reduceat` is fast there, where a scatter per edge, `bitwise_or.at`, is not)."""
        passes = self.passes
        i = passes.layer_of[g]
        layer = self.compiled.diagram.layers[i]
        edges = _edges(self.compiled, i)
        n_options = layer.label_options.shape[1]
        empty = np.zeros((n_options, self.words), dtype=np.uint64)
        if self._record is None:
            return empty, empty, empty
        before, after = self._forward(i), self._backward(i + 1)
        part = self._bits_of(i)
        multi = part is not None and self.compiled.index.maxs[g] > 1
        # Per edge, in label order: whether its target reaches the terminal dropping
        # nothing (it may carry the picks above), whether its source is reached dropping
        # nothing (it may carry the picks below).
        into = self._zero_bwd(i + 1).take(edges.dst_by_label)
        out_of = self._zero_fwd(i).take(edges.src_by_label)
        own = empty
        if multi:
            assert part is not None
            labels = edges.label_by_label
            hit = np.logical_or.reduceat(into & out_of & part.one.take(labels), edges.label_starts)
            own = self._spread(edges, part.fwd.take(edges.label_ids, axis=0) * hit[:, None])
            kept = part.zero.take(labels)
            into &= kept
            out_of &= kept
        above = (
            empty
            if before is None
            else self._spread(
                edges,
                _or_segments(
                    before.take(edges.src_by_label, axis=0) * into[:, None], edges.label_starts
                ),
            )
        )
        below = (
            empty
            if after is None
            else self._spread(
                edges,
                _or_segments(
                    after.take(edges.dst_by_label, axis=0) * out_of[:, None], edges.label_starts
                ),
            )
        )
        return above, below, own

    @staticmethod
    def _spread(edges: _Edges, per_label: np.ndarray) -> np.ndarray:
        """(options, words): the OR of `per_label` (labels present, words) over the
        labels holding each option."""
        spread = np.where(edges.label_holds[:, :, None], per_label[:, None, :], np.uint64(0))
        found: np.ndarray = np.bitwise_or.reduce(spread, axis=0)
        return found

    def picks(self, target: Literal) -> list[Literal]:
        """The current picks whose drop alone makes `target` available, oldest first
        (read it for options whose least change count is 1; others have none)."""
        g, o = target
        found = self._groups.get(g)
        if found is None:
            above, below, own = self._group(g)
            found = self._groups[g] = list(
                zip(above.tolist(), below.tolist(), own.tolist(), strict=True)
            )
        above_o, below_o, own_o = found[o]
        out = [
            *_lits(self.fwd_lits, above_o),
            *_lits(self.bwd_lits, below_o),
            *_lits(self.fwd_lits, own_o),
        ]
        rank = self.rank
        return sorted(out, key=lambda lit: rank.get(lit, -1))


def _lits(numbered: list[Literal], words: list[int]) -> list[Literal]:
    out = []
    for w, word in enumerate(words):
        for n in _bits(word):
            out.append(numbered[w * 64 + n])
    return out


def single_drops(passes: Passes) -> SingleDrops:
    """The single-drop bits of the click `passes` answers: `picks((g, o))` is the current
    picks (oldest first) each of which, dropped alone, makes option o available."""
    return SingleDrops(passes)
