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


def _terms_by_group(compiled: CompiledProduct) -> list[GroupTerms]:
    """terms[g]: the price rules naming group g, split into what g's pick must hold and
    what the other groups' must (made once per compiled product)."""
    found = compiled.cache.get("terms-by-group")
    if found is None:
        index = compiled.index
        found = [[] for _ in index.option_codes]
        for n, term in enumerate(index.price_terms):
            for g in dict.fromkeys(term.scope):
                need = 0
                for h, o in term.when:
                    if h == g:
                        need |= 1 << o
                others = tuple((h, o) for h, o in term.when if h != g)
                found[g].append((n, need, others))
        compiled.cache["terms-by-group"] = found
    terms: list[GroupTerms] = found
    return terms


def option_deltas(passes: Passes) -> list[list[OptionDelta]]:
    """Every option's `OptionDelta` (deltas[g][o]) for the picks of `passes` (one click's
    minimum-change passes, which also decide which options are excluded). Pure: a few
    integer sums per option; an excluded option's resolution and its price come from the
    passes. Equal deltas of options that can be picked as they are share one instance."""
    compiled, picked = passes.compiled, passes.picked
    index = compiled.index
    now = scaled_total(index, picked)
    terms_of = _terms_by_group(compiled)
    held = [all(picked.get(h, 0) >> o & 1 for h, o in t.when) for t in index.price_terms]
    offsets = index.offsets
    changes = passes.flat_changes.tolist()
    excluded: list[Literal] = []
    for gid in np.flatnonzero(passes.flat_changes > 0).tolist():
        g, o = passes.literal_of[gid]
        if not picked.get(g, 0) >> o & 1:
            excluded.append((g, o))
    resolutions = _resolutions(passes, excluded)
    shared: dict[int, OptionDelta] = {0: UNCHANGED}
    out: list[list[OptionDelta]] = []
    for g, costs in enumerate(index.option_costs):
        mask = picked.get(g, 0)
        single = index.maxs[g] == 1
        # Only this group's own cost and the price rules naming it can change. Picking o
        # adds its cost and, in a single-choice group, takes the current pick's away.
        before = _group_cost(costs, mask) if single else 0
        # (amount, was held, g's options it needs, whether the other groups' hold)
        terms = [
            (
                index.price_terms[n].amount,
                held[n],
                need,
                all(picked.get(h, 0) >> p & 1 for h, p in others),
            )
            for n, need, others in terms_of[g]
        ]
        deltas: list[OptionDelta] = []
        lo = offsets[g]
        for o, n in enumerate(changes[lo : lo + len(costs)]):
            if mask >> o & 1:
                deltas.append(UNCHANGED)
            elif n != 0:  # excluded (or on no configuration at all)
                found = resolutions.get((g, o))
                cost = passes.cost((g, o))
                if found is None or cost is None:
                    deltas.append(UNCHANGED)
                else:
                    deltas.append(
                        OptionDelta(
                            _money(index, cost - now),
                            found,
                            partial(passes.configuration, (g, o)),
                        )
                    )
            else:
                change = costs[o] - before
                if terms:
                    after = (1 << o) | (0 if single else mask)
                    for amount, was, need, others_hold in terms:
                        holds = others_hold and after & need == need
                        change += (holds - was) * amount
                delta = shared.get(change)
                if delta is None:
                    delta = shared[change] = OptionDelta(_money(index, change))
                deltas.append(delta)
        out.append(deltas)
    return out


def _pick_codes(compiled: CompiledProduct) -> list[list[Picks]]:
    """codes[g][label]: the option codes of `index.picks[g][label]`, made once per
    process for each compiled product (bounded: one entry per pick of the diagram)."""
    found = compiled.cache.get("pick-codes")
    if found is None:
        index = compiled.index
        found = compiled.cache["pick-codes"] = [
            [Picks(codes[o] for o in _bits(mask)) for mask in picks]
            for codes, picks in zip(index.option_codes, index.picks, strict=True)
        ]
    codes: list[list[Picks]] = found
    return codes


def _resolutions(passes: Passes, lits: list[Literal]) -> dict[Literal, dict[str, list[str]]]:
    """Each live option of `lits`: its resolution as selections (product order, as
    `selections.as_dict`; the same configuration as `Passes.configuration`).

    Most groups of most resolutions hold the same pick (the cheapest completion keeps
    them), so every option's dict is a copy of one shared base (each column's most
    frequent label) with only the groups where the option's row differs written over: a
    few dict stores per option instead of a hundred."""
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
    codes = _pick_codes(compiled)
    group_codes = index.group_codes
    by_group = dict(zip(order, base.tolist(), strict=True))
    base_codes = {code: codes[g][by_group[g]] for g, code in enumerate(group_codes)}
    differ = rows != base
    per_row = np.cumsum(differ.sum(axis=1)).tolist()
    at_layer = np.nonzero(differ)[1]
    layer_codes = [group_codes[order[i]] for i in at_layer.tolist()]
    layer_groups = [codes[order[i]] for i in at_layer.tolist()]
    layer_labels = rows[differ].tolist()
    out: dict[Literal, dict[str, list[str]]] = {}
    start = 0
    for k, end in zip(live.tolist(), per_row, strict=True):
        selections = base_codes.copy()
        for t in range(start, end):
            selections[layer_codes[t]] = layer_groups[t][layer_labels[t]]
        out[lits[k]] = selections
        start = end
    return out
