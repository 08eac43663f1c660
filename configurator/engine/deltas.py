"""How the total changes if an option is picked now: the label beside every option.

- A selected option: 0 (picking it again changes nothing).
- An option that can be picked as it is (available): the total with it (in a single-choice
  group replacing the pick, in a multi-choice group added) minus the total now, price
  rules (bundles, credits) included.
- An excluded option: picking it is a conflict, answered with a proposed resolution; its
  delta is that resolution's total minus the total now. The resolution keeps the click,
  changes the fewest other picks and, among those, is the cheapest complete valid
  configuration (`completion.resolution_keeping` answers it for one click; here every
  excluded option is answered at once, by the minimum-change passes of
  `resolutions.Passes`: fewest dropped picks, then cheapest). The shop proposes the same
  resolution when the option is clicked, so the label is what applying it costs.

Money is computed in the index's scaled integers and turned into Decimal once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import numpy as np

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Index, Literal
from configurator.engine.propagation import _bits
from configurator.engine.resolutions import Passes
from configurator.engine.results import Picks

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OptionDelta:
    """`delta`: change of the total if the option is picked now. For an excluded option,
    `selections` is the complete configuration proposed instead, in catalogue terms (every
    group, in product order: `selections.as_dict`), or None when no configuration contains
    the option; its lists are `Picks`, shared between options and clicks, and refuse to be
    changed. `resolution` is the same configuration as group -> option mask, made when
    read (only explained resolutions read it)."""

    delta: Decimal
    selections: dict[str, list[str]] | None = None
    configuration: Callable[[], dict[int, int] | None] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def resolution(self) -> dict[int, int] | None:
        return None if self.configuration is None else self.configuration()


UNCHANGED = OptionDelta(ZERO)  # a selected option's, and a dead one's (nothing to pick)


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


# Per group g, the price rules naming it: (rule position, the options of g the rule needs,
# the rule's literals in other groups).
GroupTerms = list[tuple[int, int, tuple[Literal, ...]]]

# Entries of the per-process memo of delta labels (scaled change -> Decimal, and the
# shared `OptionDelta` of an option that can be picked as it is) a compiled product keeps;
# beyond, the memo starts again.
LABELS_LIMIT = 20_000


@dataclass(frozen=True)
class _Statics:
    """What a click's deltas read that depends on the compiled product only (made once)."""

    terms: list[GroupTerms]  # terms[g]: the price rules naming group g
    costs: np.ndarray  # every option's scaled price, by global id
    dtype: type  # int64 when every sum of prices fits, else exact Python integers


def _statics(compiled: CompiledProduct) -> _Statics:
    found = compiled.cache.get("deltas-statics")
    if not isinstance(found, _Statics):
        index = compiled.index
        terms: list[GroupTerms] = [[] for _ in index.option_codes]
        for n, term in enumerate(index.price_terms):
            for g in dict.fromkeys(term.scope):
                need = 0
                for h, o in term.when:
                    if h == g:
                        need |= 1 << o
                others = tuple((h, o) for h, o in term.when if h != g)
                terms[g].append((n, need, others))
        flat = [c for costs in index.option_costs for c in costs]
        # A delta is a difference of two totals, each below the sum of every amount.
        bound = abs(index.base_cost) + sum(abs(c) for c in flat)
        bound += sum(abs(t.amount) for t in index.price_terms)
        dtype: type = np.int64 if 4 * bound < 2**62 else object
        found = _Statics(terms, np.asarray(flat, dtype=dtype).reshape(len(flat)), dtype)
        compiled.cache["deltas-statics"] = found
    return found


def _labels(compiled: CompiledProduct) -> dict[int, OptionDelta]:
    """scaled change -> the shared `OptionDelta` of an option picked as it is (bounded)."""
    found: dict[int, OptionDelta] = compiled.cache.setdefault("delta-labels", {0: UNCHANGED})
    return found


class ClickDeltas:
    """Every option's delta for the picks of one click's `Passes` (which also decide
    which options are excluded), by global option id.

    `scaled[gid]`: the change of the total in units of 10**-money_scale (0 for a selected
    option and a dead one); `label(gid)`: the same as Decimal; `selections[(g, o)]`: an
    excluded option's resolution in catalogue terms (each option its own dict, see
    `_resolutions`); `of(g, o)`: the option's `OptionDelta`.

    The changes of options picked as they are come from array sums over all options at
    once: only the group's own cost and the price rules naming it can change, and a price
    rule moves whole groups at a time (it holds after the pick for every option of the
    group, for one, or for none). An excluded option's change is its resolution's price
    (in the passes' key) less the total now: no configuration is rebuilt for the number;
    the configurations are rebuilt for `selections` only."""

    def __init__(self, passes: Passes) -> None:
        compiled, picked = passes.compiled, passes.picked
        index = compiled.index
        statics = _statics(compiled)
        self.passes = passes
        self.index = index
        self.now = now = scaled_total(index, picked)
        offsets = index.offsets
        flat_changes = passes.flat_changes
        picked_flat = np.zeros(index.n_options, dtype=bool)
        for g, mask in picked.items():
            for o in _bits(mask):
                picked_flat[offsets[g] + o] = True
        self.picked_flat = picked_flat
        # Options picked as they are: their own cost, less a single-choice group's pick.
        change = statics.costs.copy()
        held = [all(picked.get(h, 0) >> o & 1 for h, o in t.when) for t in index.price_terms]
        for g, mask in picked.items():
            if index.maxs[g] == 1 and mask:
                change[offsets[g] : offsets[g] + len(index.option_codes[g])] -= _group_cost(
                    index.option_costs[g], mask
                )
        for g, group_terms in enumerate(statics.terms):
            if not group_terms:
                continue
            lo, width = offsets[g], len(index.option_codes[g])
            mask = picked.get(g, 0)
            single = index.maxs[g] == 1
            for n, need, others in group_terms:
                amount = index.price_terms[n].amount
                if held[n]:
                    change[lo : lo + width] -= amount
                if not all(picked.get(h, 0) >> p & 1 for h, p in others):
                    continue
                # After picking o, g holds {o} (single-choice) or its picks and o: the rule
                # holds for every o when g already holds what it needs, for the one missing
                # option when one is missing, else for none.
                missing = need if single else need & ~mask
                if not missing:
                    change[lo : lo + width] += amount
                elif missing & (missing - 1) == 0:
                    change[lo + missing.bit_length() - 1] += amount
        # Excluded options: their resolution's price (packed in the passes' key) less now.
        # (changes > 0: on some configuration, so its key holds a price; a dead one's is -1)
        excluded = (flat_changes > 0) & ~picked_flat
        cost = index.base_cost + passes.floor + passes.flat_keys[excluded] % passes.weight
        scaled: np.ndarray = np.where(flat_changes == 0, change, 0).astype(statics.dtype)
        scaled[excluded] = cost.astype(statics.dtype) - now
        scaled[picked_flat] = 0
        self.scaled: list[int] = scaled.tolist()
        self.excluded: list[Literal] = [
            passes.literal_of[gid] for gid in np.flatnonzero(excluded).tolist()
        ]
        self.selections = _resolutions(passes, self.excluded)
        self._labels = _labels(compiled)

    def label(self, gid: int) -> Decimal:
        """The delta of option `gid` as Decimal (the same text for the same amount)."""
        return self.shared(self.scaled[gid]).delta

    def shared(self, scaled: int) -> OptionDelta:
        """The `OptionDelta` of an option picked as it is whose change is `scaled`, the
        same object click after click (bounded)."""
        labels = self._labels
        found = labels.get(scaled)
        if found is None:
            if len(labels) >= LABELS_LIMIT:
                labels.clear()
                labels[0] = UNCHANGED
            found = labels[scaled] = OptionDelta(_money(self.index, scaled))
        return found

    def of(self, g: int, o: int) -> OptionDelta:
        """Option (g, o)'s `OptionDelta`; an excluded option's is made on each call."""
        gid = self.index.offsets[g] + o
        found = self.selections.get((g, o))
        if found is None:
            if self.picked_flat[gid] or self.passes.flat_changes[gid] != 0:
                return UNCHANGED  # selected, or excluded with nothing to pick (dead)
            return self.shared(self.scaled[gid])
        return OptionDelta(self.label(gid), found, partial(self.passes.configuration, (g, o)))


def option_deltas(passes: Passes) -> list[list[OptionDelta]]:
    """Every option's `OptionDelta` (deltas[g][o]) for the picks of `passes` (one click's
    minimum-change passes, which also decide which options are excluded): `ClickDeltas`
    option by option. Equal deltas of options that can be picked as they are share one
    instance."""
    found = ClickDeltas(passes)
    return [
        [found.of(g, o) for o in range(len(codes))]
        for g, codes in enumerate(passes.compiled.index.option_codes)
    ]


@dataclass(frozen=True)
class _PickTable:
    """Every pick of the diagram's layers as catalogue codes, made once per compiled
    product (bounded: one entry per pick): `picks[start[i] + label]` is the `Picks` of
    label `label` of layer i, `group_code[i]` its group's code; object arrays, so one
    gather reads many."""

    codes: list[list[Picks]]  # codes[g][label], by group
    picks: np.ndarray  # object: Picks, layer by layer
    start: np.ndarray  # intp: each layer's first entry in `picks`
    group_code: np.ndarray  # object: each layer's group code


def _pick_table(compiled: CompiledProduct) -> _PickTable:
    found = compiled.cache.get("pick-table")
    if not isinstance(found, _PickTable):
        index, order = compiled.index, compiled.diagram.order
        codes = [
            [Picks(codes[o] for o in _bits(mask)) for mask in picks]
            for codes, picks in zip(index.option_codes, index.picks, strict=True)
        ]
        flat = [p for g in order for p in codes[g]]
        # Filled one by one: numpy would read the lists (Picks) as a second dimension.
        picks = np.empty(len(flat), dtype=object)
        for n, one in enumerate(flat):
            picks[n] = one
        group_code = np.empty(len(order), dtype=object)
        for i, g in enumerate(order):
            group_code[i] = index.group_codes[g]
        sizes = [len(codes[g]) for g in order]
        start = np.cumsum([0, *sizes[:-1]]).astype(np.intp) if sizes else np.empty(0, np.intp)
        found = compiled.cache["pick-table"] = _PickTable(codes, picks, start, group_code)
    return found


def _resolutions(passes: Passes, lits: list[Literal]) -> dict[Literal, dict[str, list[str]]]:
    """Each live option of `lits`: its resolution as selections (product order, as
    `selections.as_dict`; the same configuration as `Passes.configuration`).

    Most groups of most resolutions hold the same pick (the cheapest completion keeps
    them), so every option's dict is a copy of one shared base (each column's most
    frequent label) with only the groups where the option's row differs written over,
    their codes and picks gathered for all options at once: one copy and one update per
    option instead of a hundred stores."""
    compiled = passes.compiled
    rows = passes.rows(lits)
    live = np.flatnonzero(rows[:, 0] >= 0) if len(lits) else np.empty(0, dtype=np.int64)
    if not len(live):
        return {}
    rows = rows[live]
    index, order = compiled.index, compiled.diagram.order
    n_layers = rows.shape[1]
    width = int(rows.max()) + 1
    counts = np.bincount((rows + np.arange(n_layers) * width).ravel(), minlength=n_layers * width)
    base = counts.reshape(n_layers, width).argmax(axis=1)
    table = _pick_table(compiled)
    codes = table.codes
    by_group = dict(zip(order, base.tolist(), strict=True))
    base_codes = {code: codes[g][by_group[g]] for g, code in enumerate(index.group_codes)}
    differ = rows != base
    ends = np.cumsum(differ.sum(axis=1)).tolist()
    at_layer = np.nonzero(differ)[1]  # row by row, as rows[differ] reads
    keys = table.group_code[at_layer].tolist()
    values = table.picks[table.start[at_layer] + rows[differ]].tolist()
    out: dict[Literal, dict[str, list[str]]] = {}
    start = 0
    for k, end in zip(live.tolist(), ends, strict=True):
        selections = base_codes.copy()
        if end > start:
            selections.update(zip(keys[start:end], values[start:end], strict=True))
        out[lits[k]] = selections
        start = end
    return out
