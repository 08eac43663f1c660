"""Reachability under sets of picks, computed layer by layer and shared between queries.

The reasons of excluded options ask many times "is this option excluded when only these
picks are made?" (`explain.minimal_support`, one deletion search per option). Each
answer reads one layer `t` (the option's group): the nodes before it reachable from the
root and the nodes after it reaching the terminal. Only the picks in layers before `t`
restrict the first, only those after `t` the second, so instead of two sweeps over the
whole diagram per set of picks:

- forward reach at boundary b under picks P (all in layers before b) is a *chain*: the
  chain of P minus its last layer's picks, up to that layer, one restricted step through
  it, then unrestricted steps, extended only as far as a query needs. Sets sharing their
  early picks share the start of their chains; backward reach is the mirror image.
- a boundary where every node is reached is stored as None ("all"), and steps from None
  through an unrestricted layer cost nothing: the diagram is reduced (every node lies on
  a path), so a restriction's effect ends where no rule carries it further.
- a step is a pure function of the layer, the reach it starts from and the layer's
  restriction, and different sets of picks often reach the same nodes a few layers past
  the picks they differ in (57% of a Renault click's steps repeated one made before).
  So steps are memoised by (direction, layer, restriction, the reach packed to bits): a
  repeated step costs a hash of the packed reach, not a pass over the layer's edges.
- the answers (`live`: the options of a group under a set of picks) are kept too: a
  click's searches mostly ask what earlier clicks asked (the industrial product: 23 of
  a click's 25 new questions).

Every array is exactly what a whole sweep would compute at that boundary: the answers
are the same, only fewer layers are stepped through. Chains, steps and answers are pure
functions of the diagram and the picks, so they are kept across clicks in stores bounded
by bytes or entries (least recently used dropped first; they live in
`CompiledProduct.cache`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import cast

import numpy as np

from configurator.engine.constraints import Literal
from configurator.engine.diagram import Diagram
from configurator.engine.propagation import (
    allowed_edges,
    live_options,
    step_backward,
    step_forward,
)

Reached = np.ndarray | None  # bool per node of a boundary; None: every node
# A chain: (first boundary, the reach at it and at each boundary after it (forward) or
# before it (backward) as far as computed, bytes held).
Chain = tuple[int, tuple[Reached, ...], int]

# Bytes of reach arrays a compiled product keeps across clicks; beyond, the least
# recently used chains are dropped.
STORE_BYTES = 48 * 2**20
# Bytes of memoised steps (packed start reach and the reach stepped to); beyond, the
# least recently used steps are dropped.
STEP_BYTES = 24 * 2**20

# Bytes of restrictions (edges of a layer allowed under some options) kept; beyond, they
# start again (every single option of a layer: Renault 1.9 MB, industrial 9.3 MB).
ALLOWED_BYTES = 16 * 2**20

# Answers of `live` kept across clicks (sets of picks of up to a few dozen literals and a
# bool per option: about 2 kB each); beyond, the least recently used are dropped.
LIVE_ENTRIES = 8192

# A step: (forward, layer, options the layer's pick must contain, the start reach packed
# to bits (None: every node)).
StepKey = tuple[bool, int, int, bytes | None]
_MISSING = object()


def _nbytes(reach: Reached) -> int:
    return 0 if reach is None else reach.nbytes


def _mask(lits: Iterable[Literal]) -> int:
    mask = 0
    for _, o in lits:
        mask |= 1 << o
    return mask


class Sweeps:
    """Forward and backward reach of one diagram under sets of picks (see the module
    docstring). Safe to share between threads: a chain is replaced, never changed in
    place, and the store is changed under a lock."""

    def __init__(
        self,
        diagram: Diagram,
        *,
        max_bytes: int = STORE_BYTES,
        step_bytes: int = STEP_BYTES,
        live_entries: int = LIVE_ENTRIES,
    ) -> None:
        self.diagram = diagram
        self.layer_of = {layer.group: i for i, layer in enumerate(diagram.layers)}
        self.max_bytes = max_bytes
        self.step_bytes = step_bytes
        self.live_entries = live_entries
        self._chains: OrderedDict[tuple[bool, frozenset[Literal]], Chain] = OrderedDict()
        self._bytes = 0
        self._steps: OrderedDict[StepKey, tuple[Reached, int]] = OrderedDict()
        self._step_held = 0
        self._live: OrderedDict[tuple[frozenset[Literal], int, bool], np.ndarray] = OrderedDict()
        # Each layer's edges allowed under a pick's options (few masks per layer).
        self._allowed: dict[tuple[int, int], Reached] = {}
        self._allowed_held = 0
        self._lock = threading.Lock()
        self.steps = 0  # layers stepped through (tests and benchmarks read it)

    @property
    def held_bytes(self) -> int:
        return self._bytes

    @property
    def step_held_bytes(self) -> int:
        return self._step_held

    def _restricted(self, i: int, mask: int) -> Reached:
        """The edges of layer `i` whose pick contains the options of `mask` (kept)."""
        if not mask:
            return None
        try:
            return self._allowed[(i, mask)]
        except KeyError:
            ok = allowed_edges(self.diagram.layers[i], mask)
            with self._lock:
                if self._allowed_held + _nbytes(ok) > ALLOWED_BYTES:
                    self._allowed.clear()
                    self._allowed_held = 0
                self._allowed[(i, mask)] = ok
                self._allowed_held += _nbytes(ok)
            return ok

    def _step(self, forward: bool, i: int, cur: Reached, mask: int) -> Reached:
        """The reach after stepping through layer `i` (forward: from boundary i to i + 1;
        backward: from i + 1 to i) from `cur`, over the edges whose pick contains the
        options of `mask`: memoised (see the module docstring)."""
        key: StepKey = (forward, i, mask, None if cur is None else np.packbits(cur).tobytes())
        found = self._steps.get(key, _MISSING)
        if found is not _MISSING:
            with self._lock:
                if key in self._steps:
                    self._steps.move_to_end(key)
            return cast(tuple[Reached, int], found)[0]
        self.steps += 1
        layer = self.diagram.layers[i]
        out = (step_forward if forward else step_backward)(layer, cur, self._restricted(i, mask))
        size = _nbytes(out) + (0 if key[3] is None else len(key[3])) + 100
        with self._lock:
            if key not in self._steps:
                self._steps[key] = (out, size)
                self._step_held += size
                while self._step_held > self.step_bytes and len(self._steps) > 1:
                    _, (_, dropped) = self._steps.popitem(last=False)
                    self._step_held -= dropped
        return out

    def _keep(self, key: tuple[bool, frozenset[Literal]], chain: Chain) -> None:
        with self._lock:
            current = self._chains.get(key)
            if current is not None:
                if len(current[1]) >= len(chain[1]):
                    self._chains.move_to_end(key)
                    return  # another thread got as far
                self._bytes -= current[2]
            self._chains[key] = chain
            self._chains.move_to_end(key)
            self._bytes += chain[2]
            while self._bytes > self.max_bytes and len(self._chains) > 1:
                _, dropped = self._chains.popitem(last=False)
                self._bytes -= dropped[2]

    def _chain(self, forward: bool, lits: frozenset[Literal]) -> Chain:
        """The chain of `lits`, started if new (its first boundary stepped through the
        layer of the last (forward) or first (backward) of `lits`)."""
        chain = self._chains.get((forward, lits))
        if chain is not None:
            return chain
        layer_of = self.layer_of
        pick = max if forward else min
        m = pick(layer_of[g] for g, _ in lits)
        here = [lit for lit in lits if layer_of[lit[0]] == m]
        rest = lits.difference(here)
        if forward:
            first = self._step(True, m, self.forward(rest, m), _mask(here))
            return (m + 1, (first,), _nbytes(first))
        first = self._step(False, m, self.backward(rest, m + 1), _mask(here))
        return (m, (first,), _nbytes(first))

    def forward(self, lits: frozenset[Literal], b: int) -> Reached:
        """Nodes of boundary `b` reachable from the root when the pick of each layer
        before `b` contains the options `lits` name there (`lits` lie before `b`)."""
        return self._reach(True, lits, b)

    def backward(self, lits: frozenset[Literal], b: int) -> Reached:
        """Nodes of boundary `b` that reach the terminal when the pick of each layer from
        `b` on contains the options `lits` name there (`lits` lie at or after `b`)."""
        return self._reach(False, lits, b)

    def _reach(self, forward: bool, lits: frozenset[Literal], b: int) -> Reached:
        """The chain of `lits` in one direction, stepped on as far as boundary `b`."""
        if not lits:
            return None
        chain = self._chain(forward, lits)
        start, reach, held = chain
        depth = b - start if forward else start - b
        if depth >= len(reach):
            grown, cur = list(reach), reach[-1]
            if forward:
                layers = range(start + len(reach) - 1, b)
            else:
                layers = range(start - len(reach), b - 1, -1)
            for i in layers:
                if cur is not None:
                    cur = self._step(forward, i, cur, 0)
                    held += _nbytes(cur)
                grown.append(cur)
            chain = (start, tuple(grown), held)
        self._keep((forward, lits), chain)
        return chain[1][depth]

    def live(self, lits: frozenset[Literal], g: int, *, keep_own: bool) -> np.ndarray:
        """Options of group `g` on some path whose every other layer's pick contains the
        options `lits` name there; `keep_own`: the layer of `g` too (a multi-choice group
        keeps its picks), else its picks are replaced (single choice). Answers are kept
        across clicks (the searches of one click mostly ask what earlier clicks asked);
        the array returned is shared: read it, never change it."""
        key = (lits, g, keep_own)
        found = self._live.get(key)
        if found is not None:
            with self._lock:
                if key in self._live:
                    self._live.move_to_end(key)
            return found
        options = self._live_options(lits, g, keep_own)
        with self._lock:
            self._live[key] = options
            while len(self._live) > self.live_entries:
                self._live.popitem(last=False)
        return options

    def knows(self, lits: frozenset[Literal], g: int, *, keep_own: bool) -> bool:
        """Whether `live(lits, g, keep_own=keep_own)` is kept (answered without a sweep)."""
        return (lits, g, keep_own) in self._live

    def _live_options(self, lits: frozenset[Literal], g: int, keep_own: bool) -> np.ndarray:
        t = self.layer_of[g]
        layer_of = self.layer_of
        before = frozenset(lit for lit in lits if layer_of[lit[0]] < t)
        after = frozenset(lit for lit in lits if layer_of[lit[0]] > t)
        own = [lit for lit in lits if lit[0] == g] if keep_own else []
        layer = self.diagram.layers[t]
        return live_options(
            layer,
            self.forward(before, t),
            self.backward(after, t + 1),
            self._restricted(t, _mask(own)),
        )

    def feasible(self, lits: frozenset[Literal]) -> bool:
        """Whether some complete valid configuration contains every option of `lits`."""
        if self.diagram.empty:
            return False
        last = self.forward(lits, len(self.diagram.layers))
        return last is None or bool(last[0])
