"""Minimal-change resolutions for every option at once: two passes over the diagram.

Given the current picks P (literals), an edge of the layer deciding group g *drops* the
picks of P in g that its pick does not contain. Every root-to-terminal path is one
complete valid configuration; its change count is the number of picks it drops. Two
dynamic-programming passes give, for every node, the least (changes, price) of a path
from the root (forward) and to the terminal (backward). An option's best resolution is
then its best edge: forward value of the edge's source + the edge + backward value of its
target, where the layer of a single-choice group does not count its own pick as a change
(picking the option replaces it, as the promise says; a multi-choice group keeps it).

So one click costs O(edges) for all options together, and much less once steps are kept:
- changes == 0: the option is available (exactly the promise), > 0: excluded; an option
  on no edge is dead (no configuration has it);
- the price of the best resolution (fewest changes, then lowest total price), and the
  complete configuration itself, rebuilt on request for the options asked (a click asks
  for its excluded ones): a walker per option from its best edge up to the root and down
  to the terminal, all walkers stepped together a layer at a time, each following the
  first best edge into / out of the node it stands on, which the passes recorded.

(changes, price) are compared as one integer: changes * W + price - floor, with W above
any price spread, packed with an edge's position in the low bits, so one numpy minimum
per segment gives the lexicographic least *and* its first edge (the tie-break of a full
argmin). Keys are int32 where every packed key fits (products without prices), else
int64, else exact Python integers. Every option's least is one reduction per layer over
the layer's option entries.

Steps are kept across clicks (`_Store`, bounded by bytes, shared by threads): a step's
result depends only on its layer, the picks of that layer and its source boundary up to
a constant (values are stored less their least, the pass carries the offsets). A click
that changes one group's picks finds every step on the unchanged side, and on the other
recomputes only until its values meet an earlier click's again up to a constant. Hits
are verified on the source's values, so the answers are those of a cold computation.
A layer's per-option least depends only on the two steps around it, so it is kept on
the forward step with its backward partner: a click sums again only the layers where a
step was recomputed, and there reuses the source that step gathered (in the order of
the layer's option entries, where that order holds every edge once).

Measured and not taken (issue 13, stop 14): a "sparse" step recomputing only the nodes
whose source keys changed against the latest click's step at the same place. A click
changes a median 16% of a boundary's nodes on Renault Megane (50% on the industrial
product), and the gathers over the changed nodes' edges cost more than the dense step
at 10%; see benchmarks/README.md.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Literal
from configurator.engine.diagram import Layer
from configurator.engine.pricing import price_of
from configurator.engine.propagation import _bits
from configurator.engine.selections import (
    Selections,
    as_dict,
    ordered_literals,
    parse_selections,
)

# Packed keys ((changes * weight + price) << shift | edge position) stay below this, so
# sums of three never overflow int64; beyond, exact Python integers (dtype object).
KEY_LIMIT = 2**62
# Below this, the same in int32.
NARROW_LIMIT = 2**31
# Up to this many (option, layer) steps, resolutions are walked one by one; beyond, all
# options are rebuilt at once with array operations (a fixed cost of a few per layer).
WALK_STEPS = 400
# Bytes of pass arrays a compiled product keeps across clicks (see `_Store`).
STORE_BYTES = 64 * 2**20
# Edge-weight offsets of picked layers kept per compiled product, (layer, picks) each.
DROP_ENTRIES = 4096
# Bytes of picked layers' edge weights kept per compiled product (see `_Statics.weights`).
WEIGHT_BYTES = 32 * 2**20
# Keys of a boundary read for its digest, at most (see `_Statics.digest`).
DIGEST_NODES = 512
# Steps kept under one key (sources of one digest), most recent first.
BUCKET = 4


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


@dataclass(frozen=True)
class _LayerStatics:
    """What one layer's steps read, made once per compiled product: index arrays as intp
    (numpy's take would convert int32 ones on every call) and the unpicked edge weights
    packed with the edge's id, in both orders."""

    src_in: np.ndarray  # source node of each edge, edges in `in_order`
    label_in: np.ndarray  # label of each edge, in `in_order`
    in_const: np.ndarray  # shifted << shift | edge id, in `in_order`
    in_starts: np.ndarray
    dst_in: np.ndarray | None  # target node of each edge in `in_order`: minimum.at, or
    # None: reduceat over `in_starts` (see `_segments`)
    dst: np.ndarray  # target node of each edge (edges by source)
    label: np.ndarray
    out_const: np.ndarray  # shifted << shift | edge id
    starts: np.ndarray
    src: np.ndarray | None  # source node of each edge: minimum.at, or None: reduceat


# numpy's reduceat pays about as much per segment as minimum.at per element (tens of ns
# against a few): segments shorter than this on average are reduced with minimum.at.
SHORT_SEGMENTS = 8


def _segments(targets: np.ndarray, n_segments: int) -> np.ndarray | None:
    """`targets` (intp) when minimum.at beats reduceat for segments this short."""
    if len(targets) >= SHORT_SEGMENTS * n_segments:
        return None
    at: np.ndarray = targets.astype(np.intp)
    return at


class _Statics:
    """Everything the passes read that depends on the compiled product only.

    Keys are packed: (changes * weight + price - floor) << shift | position, where
    position (below 2**shift) is the edge's id within its layer, or its rank in the layer's
    `by_label` order. A minimum over packed keys is then the lexicographic minimum of
    (changes, price) *and* the first edge reaching it: the tie-break of a full argmin, one
    reduction instead of a search. Boundary values are kept with their low bits zero.

    The per-option minimum ("through" an option's edges) is taken over the whole diagram
    at once: for every (layer, option) the edges whose pick holds the option, in
    `by_label` order (first label ascending, then edge), with global node ids."""

    def __init__(self, compiled: CompiledProduct) -> None:
        diagram, index = compiled.diagram, compiled.index
        layers = diagram.layers
        spread = sum(int(layer.shifted.max()) if len(layer.shifted) else 0 for layer in layers)
        self.floor = sum(layer.floor for layer in layers)
        self.weight = spread + 1
        self.shift = max((len(layer.src).bit_length() for layer in layers), default=1)
        max_lits = sum(min(index.maxs[g], len(codes)) for g, codes in enumerate(index.option_codes))
        # Above every key of a path (changes <= max_lits, price below weight).
        self.inf = (max_lits + 2) * self.weight
        exact = (3 * self.inf + 1) << self.shift < KEY_LIMIT and all(
            layer.cost.dtype != object for layer in layers
        )
        self.ceiling = (3 * self.inf + 1) << self.shift  # above every packed key
        # Half the bytes to read per edge when every key fits (products without prices).
        narrow = self.ceiling < NARROW_LIMIT
        self.dtype: type = (np.int32 if narrow else np.int64) if exact else object
        self.wide: type = np.int64 if exact else object  # of answers (keys of options)
        self.low = (1 << self.shift) - 1
        self.high = -(1 << self.shift)
        self.drops: dict[tuple[int, int], np.ndarray] = {}
        self.masked: dict[tuple[int, int, str], np.ndarray] = {}
        self.masked_bytes = 0
        self.layers: list[_LayerStatics] = []
        # Per layer, an entry per (option, edge holding it): options ascending, by_label
        # order within each (np.nonzero reads row-major); segments of the whole diagram.
        self.ent_src: list[np.ndarray] = []  # the entry's source node (its boundary's id)
        self.ent_dst: list[np.ndarray] = []  # its target node
        self.ent_const: list[np.ndarray] = []  # shifted << shift | rank in by_label
        self.ent_label: list[np.ndarray] = []
        self.ent_first: list[np.ndarray] = []  # per layer: first entry of each option's run
        # Where a layer's entries are its edges reordered (every pick holds one option, as
        # in a single-choice group) and a step takes its least with minimum.at, the step
        # gathers its source in entry order, packed with the edge id as in `in_const` /
        # `out_const`, and the layer's per-option sums reuse that gather (`_through`).
        self.ent_edge_const: list[np.ndarray | None] = []
        self.ent_forward: list[bool] = []
        self.ent_backward: list[bool] = []
        ent_starts, ent_opt = [], []
        n_ent = 0
        for layer in layers:
            shifted = self._packable(layer.shifted)
            in_order = layer.in_order.astype(np.intp)
            self.layers.append(
                _LayerStatics(
                    src_in=layer.src[in_order].astype(np.intp),
                    label_in=layer.label[in_order].astype(np.intp),
                    in_const=(shifted[in_order] << self.shift) | self._packable(in_order),
                    in_starts=layer.in_starts.astype(np.intp),
                    dst_in=_segments(layer.dst[in_order], layer.n_dst),
                    dst=layer.dst.astype(np.intp),
                    label=layer.label.astype(np.intp),
                    out_const=(shifted << self.shift)
                    | self._packable(np.arange(len(layer.src), dtype=np.int64)),
                    starts=layer.starts.astype(np.intp),
                    src=_segments(layer.src, layer.n_src),
                )
            )
            by_label = layer.by_label.astype(np.intp)
            holds = layer.label_options[layer.label[by_label]].T
            options, ranks = np.nonzero(holds)
            edges = by_label[ranks]
            self.ent_src.append(layer.src[edges].astype(np.intp))
            self.ent_dst.append(layer.dst[edges].astype(np.intp))
            self.ent_const.append((shifted[edges] << self.shift) | self._packable(ranks))
            self.ent_label.append(layer.label[edges].astype(np.intp))
            reordered = len(edges) == len(layer.src) and np.array_equal(
                np.sort(edges), np.arange(len(layer.src))
            )
            self.ent_edge_const.append(
                (shifted[edges] << self.shift) | self._packable(edges) if reordered else None
            )
            self.ent_forward.append(reordered and self.layers[-1].dst_in is not None)
            self.ent_backward.append(reordered and self.layers[-1].src is not None)
            present, first = np.unique(options, return_index=True)
            self.ent_first.append(first.astype(np.intp))
            ent_starts.append(first + n_ent)
            ent_opt.append(present + index.offsets[layer.group])
            n_ent += len(edges)
        self.n_options = index.n_options
        self.layer_of = {layer.group: i for i, layer in enumerate(layers)}
        self.groups = [layer.group for layer in layers]
        self.single = [index.maxs[layer.group] == 1 for layer in layers]  # single-choice
        self.slices = [
            slice(lo, lo + len(codes))
            for lo, codes in zip(index.offsets, index.option_codes, strict=False)
        ]
        self.literal_of = [
            (g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))
        ]
        cat = np.concatenate
        self.ent_starts = cat(ent_starts).astype(np.intp) if ent_starts else np.empty(0, np.intp)
        self.ent_opt = cat(ent_opt).astype(np.intp) if ent_opt else np.empty(0, np.intp)
        self.root = np.zeros(1, dtype=self.dtype)
        # Every layer's edges in one array (rebuilding starts from options of any layer).
        sizes = [len(layer.src) for layer in layers]
        self.edge_offsets = np.cumsum([0, *sizes]).astype(np.intp)[:-1]
        self.by_label_all = cat(
            [
                layer.by_label.astype(np.intp) + off
                for layer, off in zip(layers, self.edge_offsets, strict=True)
            ]
            or [np.empty(0, dtype=np.intp)]
        )
        self.label_all = cat([layer.label for layer in layers] or [np.empty(0, np.int32)])
        self.src_all = cat([layer.src for layer in layers] or [np.empty(0, np.int32)])
        self.dst_all = cat([layer.dst for layer in layers] or [np.empty(0, np.int32)])
        self.segment_counts = np.asarray([len(o) for o in ent_opt], dtype=np.intp)
        # Digests of boundaries: a dot product of a sample of their keys (every stride-th,
        # DIGEST_NODES at most) with fixed random weights, wrapping at the keys' width.
        # Boundaries that differ outside the sample share a digest: the store tells them
        # apart by comparing sources (`_Store.get`).
        rng = np.random.default_rng(13)
        sizes = [1] + [layer.n_dst for layer in layers]
        self._strides = [max(1, -(-size // DIGEST_NODES)) for size in sizes]
        width = np.int32 if self.dtype is np.int32 else np.int64
        bound = int(np.iinfo(width).max) // 2
        self._digest_weights = [
            rng.integers(-bound, bound, size=len(range(0, size, stride)), dtype=width)
            for size, stride in zip(sizes, self._strides, strict=True)
        ]
        self.root_digest = self.digest(0, self.root)

    def _packable(self, values: np.ndarray) -> np.ndarray:
        packable: np.ndarray = values.astype(self.dtype)
        return packable

    def through_const(self, layer: Layer, i: int, mask: int, single: bool) -> np.ndarray:
        """Layer i's entry weights under `mask`: a single-choice group's own pick is
        replaced, so its drop is not counted; a multi-choice group's is."""
        if not mask or single:
            return self.ent_const[i]
        return self._masked(
            (i, mask, "through"),
            lambda: (
                self.ent_const[i] + np.take(self.drop_weights(layer, i, mask), self.ent_label[i])
            ),
        )

    def digest(self, b: int, keys: np.ndarray) -> int:
        """A digest of boundary b's normalised keys (equal keys, equal digests)."""
        if self.dtype is not object:  # integer dot products wrap without a warning
            return int(np.dot(keys[:: self._strides[b]], self._digest_weights[b]))
        return hash(tuple(keys.tolist()))

    def edges(self, least: np.ndarray) -> np.ndarray:
        """The edge ids packed in `least`."""
        edges: np.ndarray = least & self.low
        return edges if self.dtype is not object else edges.astype(np.intp)

    def entry_weights(self, layer: Layer, i: int, mask: int) -> np.ndarray:
        """Layer i's packed edge weights under `mask` in entry order (`ent_edge_const`)."""
        const = self.ent_edge_const[i]
        assert const is not None
        if not mask:
            return const
        return self._masked(
            (i, mask, "entries"),
            lambda: const + np.take(self.drop_weights(layer, i, mask), self.ent_label[i]),
        )

    def weights(self, layer: Layer, i: int, mask: int, forward: bool) -> np.ndarray:
        """Layer i's packed edge weights under `mask` (in_order going forward, by source
        going backward): kept per (layer, mask, direction) up to WEIGHT_BYTES in all, as a
        session's picks stay the same from one click to the next."""
        st = self.layers[i]
        if forward:
            return self._masked(
                (i, mask, "in"),
                lambda: st.in_const + np.take(self.drop_weights(layer, i, mask), st.label_in),
            )
        return self._masked(
            (i, mask, "out"),
            lambda: st.out_const + np.take(self.drop_weights(layer, i, mask), st.label),
        )

    def _masked(self, key: tuple[int, int, str], make: Callable[[], np.ndarray]) -> np.ndarray:
        """The weights kept under `key`, made by `make` on first use (WEIGHT_BYTES in all)."""
        found = self.masked.get(key)
        if found is None:
            found = make()
            if self.masked_bytes + found.nbytes > WEIGHT_BYTES:
                self.masked, self.masked_bytes = {}, 0
            self.masked[key] = found
            self.masked_bytes += found.nbytes
        return found

    def drop_weights(self, layer: Layer, i: int, mask: int) -> np.ndarray:
        """Per pick label of layer i: the picks of `mask` it drops, times the weight,
        packed (static per (layer, mask); a bounded number kept)."""
        found = self.drops.get((i, mask))
        if found is None:
            drops = (~layer.label_options[:, _bits(mask)]).sum(axis=1).astype(np.int64)
            found = (self._packable(drops) * self.weight) << self.shift
            if len(self.drops) >= DROP_ENTRIES:
                self.drops.clear()
            self.drops[(i, mask)] = found
        return found


def prepare(compiled: CompiledProduct) -> None:
    """Make what the passes read on every click (`_Statics`: tens of ms on an industrial
    product), so that a worker's first click does not pay for it (`compile.warm_up`)."""
    _statics(compiled)


def _statics(compiled: CompiledProduct) -> _Statics:
    """The product's `_Statics`, made on first use (one entry in its cache)."""
    found = compiled.cache.get("passes-statics")
    if not isinstance(found, _Statics):
        found = compiled.cache["passes-statics"] = _Statics(compiled)
    return found


StepKey = tuple[bool, int, int, int]  # (forward, layer, digest of the source, picks)


_serials = itertools.count(1)  # each step's own number (0: the terminal, no step)


@dataclass(slots=True, eq=False)
class _Step:
    """One step of a pass through one layer, from one boundary to the next.

    Keys at a boundary are kept *normalised*: less their least value, which the pass
    carries as an offset. Stepping is shift-invariant (the same values plus a constant
    give the same values plus that constant, and the same first best edges), so a step is
    a pure function of (layer, normalised source, picks of the layer): a click that changes
    one group's picks recomputes the steps after it only until the values meet those of
    an earlier click again up to a constant, which on most products happens within a few
    layers. Fields are never changed once made, except `through`, a memo replaced whole."""

    source: np.ndarray  # the boundary stepped from (normalised packed keys)
    keys: np.ndarray  # the boundary reached, normalised (least key 0)
    digest: int  # of `keys`: the next step's key
    shift: int  # the least key taken out of `keys` (unpacked)
    edge: np.ndarray  # per reached node: its first best edge (rows read its label and
    # far end, source forward and target backward, for the few nodes they walk through)
    nbytes: int
    serial: int = field(default_factory=lambda: next(_serials))
    # A forward step's layer's per-option least (`Passes._through`) with the backward
    # step it was summed with: (that step's serial, least).
    through: tuple[int, np.ndarray] | None = None


class _Store:
    """Steps kept across clicks, bounded by bytes (least recently used dropped first).

    Steps are keyed by their direction, layer, the picks of the layer and a digest of
    their source boundary, up to BUCKET under one key; a hit counts only when the stored
    source equals the boundary at hand (the same array when the click follows the chain
    of an earlier one, else compared), so a digest shared by other sources costs a
    comparison or a step, never a wrong answer. Steps are never changed once stored
    (except their `through` memo, replaced whole); the store is changed under a lock, so
    threads share it."""

    def __init__(self, max_bytes: int = STORE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._steps: OrderedDict[StepKey, tuple[_Step, ...]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.steps = 0  # steps computed (tests and benchmarks read it)

    @property
    def held_bytes(self) -> int:
        return self._bytes

    def kept(self, key: StepKey) -> tuple[_Step, ...] | None:
        """The steps under `key`, read without the lock: one lookup in the C dict, atomic
        under the interpreter lock, and buckets are replaced whole, never changed."""
        return self._steps.get(key)

    def get(self, key: StepKey, source: np.ndarray) -> _Step | None:
        """The step under `key` whose source equals `source`, if any."""
        bucket = self._steps.get(key, ())
        for step in bucket:
            if step.source is source:
                return step
        for step in bucket:
            if np.array_equal(step.source, source):
                return step
        return None

    def keep(self, made: list[tuple[StepKey, _Step]], hits: Sequence[StepKey] = ()) -> None:
        """Store the steps `made`; the keys of the steps a click found, `hits`, become the
        most recently used."""
        with self._lock:
            steps = self._steps
            touch = steps.move_to_end
            for key in hits:
                try:
                    touch(key)
                except KeyError:  # dropped by another thread since
                    pass
            self.steps += len(made)
            for key, step in made:
                bucket = (step, *self._steps.pop(key, ()))
                for dropped in bucket[BUCKET:]:
                    self._bytes -= dropped.nbytes
                self._steps[key] = bucket[:BUCKET]
                self._bytes += step.nbytes
            while self._bytes > self.max_bytes and len(self._steps) > 1:
                _, dropped_bucket = self._steps.popitem(last=False)
                self._bytes -= sum(dropped.nbytes for dropped in dropped_bucket)


def _store(compiled: CompiledProduct) -> _Store:
    found = compiled.cache.get("passes-store")
    if not isinstance(found, _Store):
        found = compiled.cache.setdefault("passes-store", _Store())
        if not isinstance(found, _Store):
            found = compiled.cache["passes-store"] = _Store()
    return found


def _least(
    value: np.ndarray,
    starts: np.ndarray,
    targets: np.ndarray | None,
    n: int,
    statics: _Statics,
) -> np.ndarray:
    """The least of `value` in each of `n` segments (every segment holds an edge)."""
    if targets is None:
        least: np.ndarray = np.minimum.reduceat(value, starts)
    else:
        least = np.empty(n, dtype=statics.dtype)
        least.fill(statics.ceiling)
        np.minimum.at(least, targets, value)
    return least


class Passes:
    """The forward and backward minimum-change passes of one click, and what they answer.

    Build with `Passes(compiled, picked)` where `picked` maps group index -> bitmask (see
    `selections.parse_selections`). Reading `changes`, `valid`, `available` costs nothing
    more; `rows(lits)` / `resolution(lit)` rebuild configurations (memoised per option).
    `_fwd[b]` / `_bwd[b]`: the least (changes * weight + price - floor) from the root to /
    to the terminal from each node of boundary b.
    """

    def __init__(
        self,
        compiled: CompiledProduct,
        picked: Mapping[int, int],
        recency: Sequence[Literal] = (),
    ) -> None:
        self.compiled = compiled
        self.picked = dict(picked)
        diagram = compiled.diagram
        self.literals = [(g, o) for g, mask in sorted(picked.items()) for o in _bits(mask)]
        rank = {lit: n for n, lit in enumerate(recency)}
        self.literals.sort(key=lambda lit: rank.get(lit, -1))
        statics = self._statics = _statics(compiled)
        self.layer_of = statics.layer_of  # shared: never changed
        self.floor, self.weight, self.inf = statics.floor, statics.weight, statics.inf
        self.dtype = statics.dtype
        # changes[g][o]: least changes to pick (g, o); -1 for a dead option.
        self.changes: dict[int, np.ndarray] = {}
        self.key: dict[int, np.ndarray] = {}
        self._rows: dict[Literal, np.ndarray] = {}
        # literal_of[global id] = (group, option); flat_*: every option by global id.
        self.literal_of = statics.literal_of
        if diagram.empty:
            self.flat_changes = np.full(statics.n_options, -1, dtype=np.int64)
            self.flat_keys: np.ndarray = np.full(statics.n_options, self.inf, dtype=statics.wide)
            self._keys: tuple[list[np.ndarray], list[int]] = ([], [])
            self._keys_bwd: tuple[list[np.ndarray], list[int]] = ([], [])
            self._split()
            self.valid = False
            return
        self._passes()
        self._split()

    def _split(self) -> None:
        slices, keys, changes = self._statics.slices, self.flat_keys, self.flat_changes
        self.key = {g: keys[part] for g, part in enumerate(slices)}
        self.changes = {g: changes[part] for g, part in enumerate(slices)}

    # The passes -------------------------------------------------------------------------

    def _step(
        self, i: int, source: np.ndarray, mask: int, forward: bool
    ) -> tuple[_Step, np.ndarray | None]:
        """Layer i stepped through from `source` (normalised packed keys of boundary i
        forward, i + 1 backward) under `mask`; with the source read in entry order where
        the step gathers it so (`_Statics.ent_edge_const`), for the layer's sums."""
        statics = self._statics
        layer, st = self.compiled.diagram.layers[i], statics.layers[i]
        gathered = None
        if statics.ent_forward[i] if forward else statics.ent_backward[i]:
            # Entry order, packed with the edge id: the same values and ties as below.
            near, far = statics.ent_src[i], statics.ent_dst[i]
            if not forward:
                near, far = far, near
            gathered = source.take(near)
            const = statics.entry_weights(layer, i, mask) if mask else statics.ent_edge_const[i]
            value = gathered + const
            least: np.ndarray = np.empty(layer.n_dst if forward else layer.n_src, statics.dtype)
            least.fill(statics.ceiling)
            np.minimum.at(least, far, value)
        elif forward:
            value = source.take(st.src_in)
            value += statics.weights(layer, i, mask, True) if mask else st.in_const
            least = _least(value, st.in_starts, st.dst_in, layer.n_dst, statics)
        else:
            value = source.take(st.dst)
            value += statics.weights(layer, i, mask, False) if mask else st.out_const
            least = _least(value, st.starts, st.src, layer.n_src, statics)
        edge = least & statics.low if statics.dtype is not object else statics.edges(least)
        keys = least & statics.high
        lowest = np.minimum.reduce(keys)
        if lowest:
            keys -= lowest
        step = _Step(
            source=source,
            keys=keys,
            digest=statics.digest(i + 1 if forward else i, keys),
            shift=int(lowest) >> statics.shift,
            edge=edge,
            nbytes=keys.nbytes + edge.nbytes,
        )
        return step, gathered

    def _through(
        self,
        i: int,
        fwd: _Step,
        bwd: _Step | None,
        mask: int,
        gathered: tuple[np.ndarray | None, np.ndarray | None],
    ) -> np.ndarray:
        """Layer i's per-option least (normalised, packed with the rank of its first best
        edge): over the option's edges, forward value of the source + edge + backward value
        of the target. A pure function of the two steps around the layer, so kept on the
        forward step with the backward one it was made with. `gathered`: the two sides'
        values in entry order when this click's steps through the layer read them so."""
        partner = 0 if bwd is None else bwd.serial
        memo = fwd.through
        if memo is not None and memo[0] == partner:
            return memo[1]
        statics = self._statics
        before, after = gathered
        # The gathered arrays are this click's own: added to in place.
        value = fwd.source.take(statics.ent_src[i]) if before is None else before
        if mask and not statics.single[i]:
            value += statics.through_const(self.compiled.diagram.layers[i], i, mask, False)
        else:
            value += statics.ent_const[i]
        if bwd is not None:
            value += bwd.keys.take(statics.ent_dst[i]) if after is None else after
        least: np.ndarray = (
            np.minimum.reduceat(value, statics.ent_first[i]) if len(value) else value
        )
        fwd.through = (partner, least)
        return least

    def _passes(self) -> None:
        compiled, statics = self.compiled, self._statics
        layers = compiled.diagram.layers
        n = len(layers)
        picked = self.picked
        masks = [picked.get(g, 0) for g in statics.groups]
        store = _store(compiled)
        kept = store.kept  # read without the lock (see `_Store.get`)
        hits: list[StepKey] = []
        made: list[tuple[StepKey, _Step]] = []
        # Per layer, the sources its new steps read in entry order (forward, backward).
        gathered: list[list[np.ndarray | None]] = [[None, None] for _ in range(n)]

        def chain(forward: bool) -> tuple[list[_Step], list[int]]:
            """The steps from the root boundary through every layer in one direction, each
            kept from an earlier click when its source boundary is the same; with, per
            boundary, what its normalised keys are short of."""
            steps: list[_Step] = []
            offsets = [0]
            source, digest = statics.root, statics.root_digest
            for i in range(n) if forward else range(n - 1, -1, -1):
                key = (forward, i, digest, masks[i])
                bucket = kept(key)
                found = None
                if bucket:  # the same array when following an earlier chain
                    found = bucket[0] if bucket[0].source is source else store.get(key, source)
                if found is not None:
                    step = found
                    hits.append(key)
                else:
                    step, gathered[i][0 if forward else 1] = self._step(
                        i, source, masks[i], forward
                    )
                    made.append((key, step))
                steps.append(step)
                offsets.append(offsets[-1] + step.shift)
                source, digest = step.keys, step.digest
            return steps, offsets

        fwd, fwd_offsets = chain(True)
        bwd, bwd_offsets = chain(False)  # built from the terminal up, then reversed
        bwd.reverse()
        bwd_offsets.reverse()
        store.keep(made, hits)
        self._keys = ([statics.root] + [step.keys for step in fwd], fwd_offsets)
        self._keys_bwd = ([step.keys for step in bwd] + [statics.root], bwd_offsets)
        self._fwd_steps, self._bwd_steps = fwd, bwd
        self.valid = fwd_offsets[-1] < self.weight
        # Every option at once: forward + edge + backward over its edges, least first. Each
        # layer's sums are made from the normalised boundaries around it, so a layer whose
        # two steps are an earlier click's gives that click's least again; the offsets are
        # added to each least (the least of values plus a constant is the least plus it).
        keys: np.ndarray = np.full(statics.n_options, statics.inf, dtype=statics.wide)
        self._rank = np.zeros(statics.n_options, dtype=np.intp)
        if len(statics.ent_opt):
            leasts = []
            for i in range(n):
                after = bwd[i + 1] if i + 1 < n else None
                memo = fwd[i].through  # inline: most layers' are kept
                if memo is not None and memo[0] == (0 if after is None else after.serial):
                    leasts.append(memo[1])
                else:
                    sides = gathered[i]
                    leasts.append(self._through(i, fwd[i], after, masks[i], (sides[0], sides[1])))
            least = np.concatenate(leasts)
            offsets = [f + b for f, b in zip(fwd_offsets, bwd_offsets[1:], strict=False)]
            if any(offsets):
                packed = np.asarray(offsets, dtype=self.dtype) << statics.shift
                least += np.repeat(packed, statics.segment_counts)
            keys[statics.ent_opt] = least >> statics.shift
            self._rank[statics.ent_opt] = least & statics.low
        self.flat_keys = keys
        self.flat_changes = np.where(keys >= self.inf, -1, keys // self.weight).astype(np.int64)

    @cached_property
    def _up(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Up from boundary i + 1 through layer i: each node's first best edge into it,
        the edges' labels and sources."""
        layers = self.compiled.diagram.layers
        return [
            (step.edge, layer.label, layer.src)
            for step, layer in zip(self._fwd_steps, layers, strict=True)
        ]

    @cached_property
    def _down(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Down from boundary i through layer i: each node's first best edge out of it,
        the edges' labels and targets."""
        layers = self.compiled.diagram.layers
        return [
            (step.edge, layer.label, layer.dst)
            for step, layer in zip(self._bwd_steps, layers, strict=True)
        ]

    @property
    def _fwd(self) -> list[np.ndarray]:
        """Per boundary: the least (changes * weight + price - floor) from the root."""
        keys, offsets = self._keys
        shift = self._statics.shift
        return [(k >> shift) + o for k, o in zip(keys, offsets, strict=True)]

    @property
    def _bwd(self) -> list[np.ndarray]:
        """Per boundary: the least (changes * weight + price - floor) to the terminal."""
        keys, offsets = self._keys_bwd
        shift = self._statics.shift
        return [(k >> shift) + o for k, o in zip(keys, offsets, strict=True)]

    def unchanged(self, b: int, *, forward: bool) -> np.ndarray:
        """Nodes of boundary b reached from the root (forward) or reaching the terminal
        (backward) changing no pick: one boundary's keys against the weight, without
        building the others (`_fwd` / `_bwd` add every boundary's offset). Keys have
        their low bits zero, so (key >> shift) < x exactly when key < x << shift."""
        keys, offsets = self._keys if forward else self._keys_bwd
        found: np.ndarray = keys[b] < (self.weight - offsets[b]) << self._statics.shift
        return found

    # Answers ----------------------------------------------------------------------------

    def available(self, g: int) -> np.ndarray:
        """Options of group g available under the promise."""
        available: NDArray[np.bool_] = self.changes[g] == 0
        return available

    @cached_property
    def _key_list(self) -> list[int]:
        """`flat_keys` as Python integers (a click reads one per excluded option)."""
        keys: list[int] = self.flat_keys.tolist()
        return keys

    def cost(self, lit: Literal) -> int | None:
        """Scaled total price of the best resolution picking `lit` (None: dead option)."""
        key = self._key_list[self.compiled.index.offsets[lit[0]] + lit[1]]
        if key >= self.inf:
            return None
        return self.compiled.index.base_cost + self.floor + key % self.weight

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
        diagrams); more are rebuilt together with array operations (`_rebuild`). Both take
        the first best edge in the option's layer (first label ascending, then edge), then
        the first best edge into / out of every node on the way, as the passes found it."""
        n_layers = max(len(self.compiled.diagram.layers), 1)
        memo = self._rows
        todo = [lit for lit in dict.fromkeys(lits) if lit not in memo]
        if todo and not self.compiled.diagram.empty:
            offsets = self.compiled.index.offsets
            live = (self.flat_keys[[offsets[g] + o for g, o in todo]] < self.inf).tolist()
            todo = [lit for lit, on in zip(todo, live, strict=True) if on]
            if len(todo) * n_layers > WALK_STEPS:
                rebuilt = self._rebuild(todo)
                memo.update(zip(todo, rebuilt, strict=True))
                if len(todo) == len(lits) and todo == list(lits):
                    return rebuilt.copy()  # a click's excluded options, all new: as rebuilt
            else:
                for lit in todo:
                    memo[lit] = np.asarray(self._walk(lit), dtype=np.int32)
        out = np.full((len(lits), n_layers), -1, dtype=np.int32)
        for k, lit in enumerate(lits):
            found = memo.get(lit)
            if found is not None:
                out[k] = found
        return out

    def _start(self, lits: Sequence[Literal]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each live option's best edge in its own layer (by_label order: first label
        ascending, then edge): its label, source and target."""
        statics, offsets = self._statics, self.compiled.index.offsets
        at = [self.layer_of[g] for g, _ in lits]
        rank = self._rank[[offsets[g] + o for g, o in lits]]
        edges = statics.by_label_all[statics.edge_offsets[at] + rank]
        return statics.label_all[edges], statics.src_all[edges], statics.dst_all[edges]

    def _walk(self, lit: Literal) -> list[int] | None:
        """The labels of `lit`'s best resolution (the one `_rebuild` gives)."""
        g, o = lit
        if self.key[g][o] >= self.inf or self.compiled.diagram.empty:
            return None
        layers = self.compiled.diagram.layers
        i = self.layer_of[g]
        labels, sources, targets = self._start([lit])
        row = [0] * len(layers)
        row[i] = int(labels[0])
        node = int(sources[0])
        for j in range(i - 1, -1, -1):
            edge, label, src = self._up[j]
            e = edge[node]
            row[j] = int(label[e])
            node = int(src[e])
        node = int(targets[0])
        for j in range(i + 1, len(layers)):
            edge, label, dst = self._down[j]
            e = edge[node]
            row[j] = int(label[e])
            node = int(dst[e])
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

    def _rebuild(self, lits: Sequence[Literal]) -> np.ndarray:
        """`rows` of live `lits`, all at once: a walker per option from its best edge,
        up to the root (each node's first best incoming edge, as the forward pass found
        it) and down to the terminal (first best outgoing edge), one gather per layer for
        all walkers together."""
        layers = self.compiled.diagram.layers
        n_layers, n = len(layers), len(lits)
        at = np.asarray([self.layer_of[g] for g, _ in lits], dtype=np.int64)
        own, sources, targets = self._start(lits)
        # Walkers sorted by their layer, so that those still walking at layer i are a
        # prefix: up from the deepest, down from the highest.
        per_layer = np.bincount(at, minlength=n_layers).tolist()

        def walk(
            order: range, start: np.ndarray, steps: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
        ) -> np.ndarray:
            """Each walker's label per layer along `order`, from its start node on; the
            walkers are sorted so that those already walking at a layer are a prefix."""
            out = np.full((n, n_layers), -1, dtype=np.int32)
            node = np.empty(n, dtype=np.intp)
            m = 0  # walkers that started at an earlier layer of `order`
            for i in order:
                if m:
                    edge, label, nxt = steps[i]
                    walking = edge[node[:m]]
                    out[:m, i] = label[walking]
                    node[:m] = nxt[walking]
                if per_layer[i]:
                    node[m : m + per_layer[i]] = start[m : m + per_layer[i]]
                    m += per_layer[i]
            return out

        up = np.argsort(-at, kind="stable")
        up_labels = walk(range(n_layers - 1, -1, -1), sources[up], self._up)
        down = np.argsort(at, kind="stable")
        down_labels = walk(range(n_layers), targets[down], self._down)
        labels = np.empty((n, n_layers), dtype=np.int32)
        labels[up] = up_labels
        below = np.empty_like(labels)
        below[down] = down_labels
        columns = np.arange(n_layers)
        mine = columns == at[:, None]
        labels[columns > at[:, None]] = below[columns > at[:, None]]
        labels[mine] = own
        return labels


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
