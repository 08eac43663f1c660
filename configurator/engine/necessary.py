"""The picks an excluded option needs gone: for every option at once, which single
current pick, dropped alone, would make it available.

Those picks lie in every minimal set of picks that excludes the option (drop one and the
option is back), so when they exclude the option by themselves they are *the* minimal
reason, found without a search. One more pair of passes over the diagram, on top of the
minimum-change passes (`resolutions.Passes`): a node carries, as a bitset over the current
picks, which single pick a path from the root (forward) or to the terminal (backward) can
drop while dropping nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from configurator.engine.constraints import Literal
from configurator.engine.propagation import _bits
from configurator.engine.resolutions import Passes


def _label_bits(passes: Passes, i: int, n_words: int) -> tuple[np.ndarray, np.ndarray]:
    """(changes per label, bitset of the one dropped pick per label) of layer i."""
    layer = passes.compiled.diagram.layers[i]
    g = layer.group
    picks = passes.compiled.index.picks[g]
    want = passes.picked.get(g, 0)
    bit = {lit: n for n, lit in enumerate(passes.literals)}
    drops = np.zeros(len(picks), dtype=np.int64)
    words = np.zeros((len(picks), n_words), dtype=np.uint64)
    for lab, mask in enumerate(picks):
        missing = want & ~mask
        drops[lab] = missing.bit_count()
        if drops[lab] == 1:
            n = bit[(g, missing.bit_length() - 1)]
            words[lab, n // 64] = np.uint64(1) << np.uint64(n % 64)
    return drops, words


class SingleDrops(Mapping[int, np.ndarray]):
    """{group: (options, words) uint64}, each group's bits worked out when first read
    (a click reads the groups of its excluded options only)."""

    def __init__(self, passes: Passes, n_words: int) -> None:
        self.passes = passes
        self.n_words = n_words
        self._groups: dict[int, np.ndarray] = {}
        self._fwd: list[np.ndarray] = []
        self._bwd: list[np.ndarray] = []
        self._per_layer: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
        self._zero_fwd: list[np.ndarray] = []
        self._zero_bwd: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.passes.compiled.index.option_codes)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self)))

    def __getitem__(self, g: int) -> np.ndarray:
        found = self._groups.get(g)
        if found is None:
            found = self._groups[g] = self._group(g)
        return found

    def _group(self, g: int) -> np.ndarray:
        passes, n_words = self.passes, self.n_words
        index = passes.compiled.index
        if not self._fwd:
            return np.zeros((len(index.option_codes[g]), n_words), dtype=np.uint64)
        i = passes.layer_of[g]
        layer = passes.compiled.diagram.layers[i]
        src_zero, dst_zero = self._zero_fwd[i][layer.src], self._zero_bwd[i + 1][layer.dst]
        before, after = self._fwd[i][layer.src], self._bwd[i + 1][layer.dst]
        part = self._per_layer[i]
        if part is None or index.maxs[g] == 1:  # a single-choice pick is replaced
            via = np.where(dst_zero[:, None], before, 0) | np.where(src_zero[:, None], after, 0)
        else:
            e0, e1, words = part
            via = (
                np.where((e0 & dst_zero)[:, None], before, 0)
                | np.where((e1 & src_zero & dst_zero)[:, None], words, 0)
                | np.where((e0 & src_zero)[:, None], after, 0)
            )
        per_label = np.bitwise_or.reduceat(via[layer.by_label], layer.label_starts, axis=0)
        options = layer.label_options[layer.label_ids]
        spread = np.where(options[:, :, None], per_label[:, None, :], np.uint64(0))
        found: np.ndarray = np.bitwise_or.reduce(spread, axis=0)
        return found

    def run(self) -> None:
        """The forward and backward passes. Bits start only at the layers of picked
        groups: before the first of them (forward) and after the last (backward) every
        node carries none, so those layers are not stepped through."""
        passes, n_words = self.passes, self.n_words
        layers = passes.compiled.diagram.layers
        w = passes.weight
        self._zero_fwd = [f < w for f in passes._fwd]  # reached dropping nothing
        self._zero_bwd = [b < w for b in passes._bwd]
        picked_layers = []
        for i, layer in enumerate(layers):
            if passes.picked.get(layer.group, 0):
                drops, words = _label_bits(passes, i, n_words)
                self._per_layer.append(
                    (drops[layer.label] == 0, drops[layer.label] == 1, words[layer.label])
                )
                picked_layers.append(i)
            else:
                self._per_layer.append(None)
        first, last = picked_layers[0], picked_layers[-1]
        fwd = [np.zeros((1, n_words), dtype=np.uint64)]
        for i, layer in enumerate(layers):
            if i < first:
                fwd.append(np.zeros((layer.n_dst, n_words), dtype=np.uint64))
                continue
            carried = fwd[i][layer.src]
            part = self._per_layer[i]
            if part is not None:
                e0, e1, words = part
                start = self._zero_fwd[i][layer.src] & e1
                carried = np.where(e0[:, None], carried, 0) | np.where(start[:, None], words, 0)
            fwd.append(np.bitwise_or.reduceat(carried[layer.in_order], layer.in_starts, axis=0))
        bwd = [np.zeros((1, n_words), dtype=np.uint64)]
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            if i > last:
                bwd.append(np.zeros((layer.n_src, n_words), dtype=np.uint64))
                continue
            carried = bwd[-1][layer.dst]
            part = self._per_layer[i]
            if part is not None:
                e0, e1, words = part
                start = self._zero_bwd[i + 1][layer.dst] & e1
                carried = np.where(e0[:, None], carried, 0) | np.where(start[:, None], words, 0)
            bwd.append(np.bitwise_or.reduceat(carried, layer.starts, axis=0))
        bwd.reverse()
        self._fwd, self._bwd = fwd, bwd


def single_drops(passes: Passes) -> SingleDrops:
    """{group: (options, words) uint64}: bit n set for option o when o is available once
    the n-th current pick (`passes.literals[n]`) alone is dropped. Read it for options
    whose least change count is 1; others have no such pick."""
    n_words = max(1, (len(passes.literals) + 63) // 64)
    found = SingleDrops(passes, n_words)
    if not passes.compiled.diagram.empty and passes.literals:
        found.run()
    return found


def picks_of(passes: Passes, words: np.ndarray) -> list[Literal]:
    """The current picks whose bits are set in `words`, oldest first."""
    out = []
    for w, word in enumerate(words):
        for n in _bits(int(word)):
            out.append(passes.literals[w * 64 + n])
    return out
