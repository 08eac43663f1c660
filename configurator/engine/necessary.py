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


def single_drops(passes: Passes) -> dict[int, np.ndarray]:
    """{group: (options, words) uint64}: bit n set for option o when o is available once
    the n-th current pick (`passes.literals[n]`) alone is dropped. Read it for options
    whose least change count is 1; others have no such pick."""
    compiled = passes.compiled
    diagram, index = compiled.diagram, compiled.index
    n_words = max(1, (len(passes.literals) + 63) // 64)
    out: dict[int, np.ndarray] = {}
    if diagram.empty or not passes.literals:
        for g, codes in enumerate(index.option_codes):
            out[g] = np.zeros((len(codes), n_words), dtype=np.uint64)
        return out
    w = passes.weight
    layers = diagram.layers
    zero_fwd = [f < w for f in passes._fwd]  # reached dropping nothing
    zero_bwd = [b < w for b in passes._bwd]
    per_layer: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
    for i, layer in enumerate(layers):
        if passes.picked.get(layer.group, 0):
            drops, words = _label_bits(passes, i, n_words)
            per_layer.append((drops[layer.label] == 0, drops[layer.label] == 1, words[layer.label]))
        else:
            per_layer.append(None)
    empty = np.zeros((1, n_words), dtype=np.uint64)
    fwd = [empty]
    for i, layer in enumerate(layers):
        carried = fwd[i][layer.src]
        part = per_layer[i]
        if part is not None:
            e0, e1, words = part
            start = zero_fwd[i][layer.src] & e1
            carried = np.where(e0[:, None], carried, 0) | np.where(start[:, None], words, 0)
        fwd.append(np.bitwise_or.reduceat(carried[layer.in_order], layer.in_starts, axis=0))
    bwd = [empty]
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        carried = bwd[-1][layer.dst]
        part = per_layer[i]
        if part is not None:
            e0, e1, words = part
            start = zero_bwd[i + 1][layer.dst] & e1
            carried = np.where(e0[:, None], carried, 0) | np.where(start[:, None], words, 0)
        bwd.append(np.bitwise_or.reduceat(carried, layer.starts, axis=0))
    bwd.reverse()
    for i, layer in enumerate(layers):
        g = layer.group
        src_zero, dst_zero = zero_fwd[i][layer.src], zero_bwd[i + 1][layer.dst]
        before, after = fwd[i][layer.src], bwd[i + 1][layer.dst]
        part = per_layer[i]
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
        out[g] = np.bitwise_or.reduce(spread, axis=0)
    return out


def picks_of(passes: Passes, words: np.ndarray) -> list[Literal]:
    """The current picks whose bits are set in `words`, oldest first."""
    out = []
    for w, word in enumerate(words):
        for n in _bits(int(word)):
            out.append(passes.literals[w * 64 + n])
    return out
