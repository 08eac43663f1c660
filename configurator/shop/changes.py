"""The configure page's parts around a click: each option's view (its label and, when
excluded, every rule and pick behind the change it would make), the bill, the change
proposed for a conflict, and what applying that change gives (total, bill, ship date),
shown before it is applied."""

from __future__ import annotations

from configurator import engine
from configurator.models import CatalogueVersion
from configurator.rule_text import Words
from configurator.shop.details import NO_DETAILS, OptionDetails
from configurator.shop.presentation import BillLine, Change, Money, OptionView, Selections
from production import promise


def _feasible(compiled: engine.CompiledProduct, kept: Selections) -> bool:
    return engine.count(compiled, kept) > 0


def proposed_change(
    compiled: engine.CompiledProduct,
    result: engine.Configuration,
    recency: list[str],
    newest: list[str],
) -> Selections | None:
    """The change proposed for a conflict. With `newest` (what the customer just chose):
    keep it, change the fewest other picks, cheapest among those — the resolution an
    excluded option's label priced (`OptionState.delta`), so applying it changes the
    total by that label. Without: the engine's resolution (the most picks kept, recent
    ones first)."""
    if not newest:
        return result.resolution
    current = set(recency)
    proposal = engine.proposed_resolution(
        compiled,
        keep=selections_of(newest),
        wanted=selections_of([lit for lit in recency if lit not in newest and lit in current]),
    )
    if proposal is not None:
        return proposal
    # The new picks cannot all stand together: keep picks greedily from the newest.
    kept: Selections = {}
    for lit in reversed(recency):
        group, _, option = lit.partition(".")
        trial = {**kept, group: [*kept.get(group, []), option]}
        if _feasible(compiled, trial):
            kept = trial
    return engine.cheapest_completion(compiled, kept) or result.resolution


def selections_of(lits: list[str]) -> Selections:
    out: Selections = {}
    for lit in lits:
        group, _, option = lit.partition(".")
        out.setdefault(group, []).append(option)
    return out


def bill_line(line: engine.PriceLine, words: Words, currency: str) -> BillLine:
    amount = Money(line.amount, currency)
    if line.kind == "option":
        group, _, option = line.code.partition(".")
        return BillLine(words.group(group), words.option(group, option), amount)
    if line.kind == "base":
        return BillLine("Base price", line.label, amount)
    return BillLine("Offer", line.label, amount)


def changes_to(
    words: Words, groups: tuple[engine.GroupState, ...], resolution: Selections
) -> tuple[Change, ...]:
    """The groups whose picks `resolution` changes, in product order."""
    out = []
    for g in groups:
        after = resolution.get(g.code, [])
        if sorted(after) != sorted(g.selected):
            out.append(
                Change(
                    words.group(g.code),
                    tuple(words.option(g.code, o) for o in g.selected),
                    tuple(words.option(g.code, o) for o in after),
                    words.change(g.code, g.selected, after),
                )
            )
    return tuple(out)


def option_view(
    option: engine.OptionState,
    group: engine.GroupState,
    groups: tuple[engine.GroupState, ...],
    words: Words,
    currency: str,
    details: OptionDetails = NO_DETAILS,
) -> OptionView:
    why: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    if option.state == "excluded":
        # Every rule and pick behind the change its resolution makes, then the fewest
        # picks that exclude it (usually already among them).
        why = words.reasons([*option.resolution_reasons, *option.reasons])
        if option.resolution is not None:
            # In a single-choice group the click itself is the change of its own group.
            others = tuple(g for g in groups if g.code != group.code or group.max > 1)
            changes = tuple(str(c) for c in changes_to(words, others, option.resolution))
    return OptionView(
        code=option.code,
        name=option.name,
        state=option.state,
        price=Money(option.price, currency),
        delta=Money(option.delta, currency),
        why=why,
        input_id=f"opt-{group.code}-{option.code}",
        changes=changes,
        possible=option.state != "excluded" or option.resolution is not None,
        description=details.description,
        specs=details.specs,
        picture=details.picture,
    )


def preview(
    version: CatalogueVersion,
    code: str,
    compiled: engine.CompiledProduct,
    resolution: Selections,
    last_good: Selections | None,
    words: Words,
    *,
    quantity: int = 1,
) -> dict:
    """What applying `resolution` gives, shown before it is applied: its total and bill,
    the change from the last valid configuration's total, and its ship-date estimate for
    `quantity` units."""
    resolved = engine.price(compiled, resolution)
    currency = resolved.currency
    out: dict = {
        "pending": True,
        "total": Money(resolved.total, currency),
        "bill": tuple(bill_line(line, words, currency) for line in resolved.lines),
    }
    if last_good:
        before = engine.price(compiled, last_good).total
        out["change"] = Money(resolved.total - before, currency)
    out["ship_date"] = promise.estimate_configuration(
        version=version, product_code=code, selections=resolution, quantity=quantity
    )
    return out
