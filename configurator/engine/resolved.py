"""What a click's resolutions tell its exclusion tests, without a diagram query.

Every excluded option's resolution (`deltas.ClickDeltas.selections`) is a complete valid
configuration. So an option such a configuration holds is not excluded under any of the
click's picks the configuration keeps (`holds`), and when the configuration keeps every
candidate pick but one, dropping that pick alone frees the option (`drops_seen`: some of
the picks `necessary.single_drops` finds, read off configurations the click has already).
Both are facts about the product, exact whichever clicks came before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Literal
from configurator.engine.resolutions import Passes


class Resolved:
    """The configurations of one click's resolutions, read lazily: the first test that
    asks builds which of the click's picks each keeps (configurations x picks)."""

    def __init__(
        self,
        compiled: CompiledProduct,
        recency: Sequence[Literal],
        passes: Passes,
        lits: list[Literal],
    ) -> None:
        self.compiled = compiled
        self.recency = recency
        self.passes = passes
        self.lits = lits
        self.place = {lit: k for k, lit in enumerate(recency)}
        self._rows: np.ndarray | None = None
        self._kept = np.zeros((0, 0), dtype=bool)
        self._holding: dict[Literal, np.ndarray] = {}
        self._seen: dict[int, np.ndarray] = {}

    def _built(self) -> np.ndarray:
        """Each configuration's pick label per layer (live ones only); fills `_kept`."""
        if self._rows is None:
            passes, layers = self.passes, self.compiled.diagram.layers
            rows = passes.rows(self.lits)
            rows = rows[rows[:, 0] >= 0] if len(rows) else rows
            kept = np.zeros((len(rows), len(self.recency)), dtype=bool)
            for k, (g, o) in enumerate(self.recency):
                i = passes.layer_of[g]
                kept[:, k] = layers[i].label_options[rows[:, i], o]
            self._rows, self._kept = rows, kept
        return self._rows

    def _holding_of(self, target: Literal) -> np.ndarray:
        """(configurations holding `target`, picks): the picks each keeps."""
        found = self._holding.get(target)
        if found is None:
            rows = self._built()
            g, o = target
            i = self.passes.layer_of[g]
            holds = self.compiled.diagram.layers[i].label_options[rows[:, i], o]
            found = self._holding[target] = self._kept[holds]
        return found

    def holds(self, lits: frozenset[Literal], target: Literal) -> bool:
        """Whether a configuration holds `target` and every one of `lits` (the click's
        picks): then `target` is not excluded under `lits`."""
        place = self.place
        columns = [place.get(lit, -1) for lit in lits]
        if -1 in columns:
            return False
        holding = self._holding_of(target)
        if not len(holding):
            return False
        return bool(holding.take(columns, axis=1).all(axis=1).any())

    def drops_seen(self, target: Literal, candidates: np.ndarray) -> list[Literal]:
        """The picks (`candidates`: a bool per pick, the same for every option of the
        target's group) that a configuration holding `target` and every other candidate
        drops, oldest first: each frees `target` alone. Worked out once per group for all
        its options."""
        g, o = target
        per_option = self._seen.get(g)
        if per_option is None:
            per_option = self._seen[g] = self._group(g, candidates)
        if not len(per_option):
            return []
        recency = self.recency
        return [recency[k] for k in np.flatnonzero(per_option[o]).tolist()]

    def _group(self, g: int, candidates: np.ndarray) -> np.ndarray:
        """(options of g, picks): whether a configuration holding the option drops that
        candidate and no other."""
        rows = self._built()
        if not len(rows) or not len(self.recency):
            return np.zeros((0, 0), dtype=bool)
        missing = ~self._kept & candidates
        one = missing.sum(axis=1) == 1
        i = self.passes.layer_of[g]
        label_options = self.compiled.diagram.layers[i].label_options
        seen = np.zeros((label_options.shape[1], len(self.recency)), dtype=bool)
        if one.any():
            which = missing[one].argmax(axis=1)
            at, options = np.nonzero(label_options[rows[one, i]])  # (configurations, options)
            seen[options, which.take(at)] = True
        return seen
