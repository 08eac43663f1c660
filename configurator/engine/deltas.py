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

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Index, Literal
from configurator.engine.propagation import _bits
from configurator.engine.resolutions import Passes

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OptionDelta:
    """`delta`: change of the total if the option is picked now. `resolution`: for an
    excluded option, the complete configuration proposed instead (group -> option mask),
    or None when no configuration contains the option."""

    delta: Decimal
    resolution: dict[int, int] | None = None


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


def option_deltas(passes: Passes) -> dict[Literal, OptionDelta]:
    """Every option's `OptionDelta` for the picks of `passes` (one click's minimum-change
    passes, which also decide which options are excluded). Pure: a few integer sums per
    option; an excluded option's resolution and its price come from the passes."""
    compiled, picked = passes.compiled, passes.picked
    index = compiled.index
    now = scaled_total(index, picked)
    held = [all(picked.get(h, 0) >> o & 1 for h, o in t.when) for t in index.price_terms]
    excluded = [
        (g, o)
        for g, changes in passes.changes.items()
        for o in range(len(changes))
        if changes[o] > 0 and not picked.get(g, 0) >> o & 1
    ]
    configurations = passes.configurations(excluded)
    out: dict[Literal, OptionDelta] = {}
    for g, codes in enumerate(index.option_codes):
        mask = picked.get(g, 0)
        costs = index.option_costs[g]
        changes = passes.changes[g]
        # Only this group's own cost and the price rules naming it can change.
        terms = [(t, was) for t, was in zip(index.price_terms, held, strict=True) if g in t.scope]
        before = _group_cost(costs, mask)
        for o in range(len(codes)):
            lit = (g, o)
            if mask >> o & 1:
                out[lit] = OptionDelta(ZERO)
            elif changes[o] != 0:  # excluded (or on no configuration at all)
                cost = passes.cost(lit)
                if cost is None:
                    out[lit] = OptionDelta(ZERO)
                else:
                    out[lit] = OptionDelta(_money(index, cost - now), configurations[lit])
            else:
                after = (1 << o) | (0 if index.maxs[g] == 1 else mask)
                change = _group_cost(costs, after) - before
                for term, was in terms:
                    holds = all(
                        (after if h == g else picked.get(h, 0)) >> p & 1 for h, p in term.when
                    )
                    change += (holds - was) * term.amount
                out[lit] = OptionDelta(_money(index, change))
    return out


class _Codes(dict[int, tuple[str, ...]]):
    """One group's option codes per pick mask, filled on first use."""

    def __init__(self, codes: tuple[str, ...]) -> None:
        super().__init__()
        self.codes = codes

    def __missing__(self, mask: int) -> tuple[str, ...]:
        found = self[mask] = tuple(self.codes[o] for o in _bits(mask))
        return found


def as_selections(compiled: CompiledProduct, picks: Mapping[int, int]) -> dict[str, list[str]]:
    """`selections.as_dict`, memoised per (group, mask): it runs for every excluded option
    (one comprehension, no per-group branching: ~100 groups x ~100 options a click)."""
    tables = compiled.cache.get("codes")
    index = compiled.index
    if not isinstance(tables, list):
        tables = compiled.cache["codes"] = [_Codes(codes) for codes in index.option_codes]
    get = picks.get
    return {
        code: [*table[get(g, 0)]]
        for g, (code, table) in enumerate(zip(index.group_codes, tables, strict=True))
    }
