"""One click: the state of every option, the price, and what to do about a conflict."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, partial

import numpy as np

from configurator.engine.arc_reasons import Item
from configurator.engine.compiled import CompiledProduct
from configurator.engine.completion import resolution_picks
from configurator.engine.constraints import Index, Literal
from configurator.engine.deltas import ClickDeltas
from configurator.engine.explain import (
    CandidatePool,
    Candidates,
    SupportMemo,
    item_id,
    item_message,
    minimal_support,
    option_core,
    rule_core,
)
from configurator.engine.model import Group, Option
from configurator.engine.necessary import SingleDrops, single_drops
from configurator.engine.pricing import price_of
from configurator.engine.propagation import _bits
from configurator.engine.resolutions import Passes
from configurator.engine.resolved import Resolved
from configurator.engine.results import (
    Configuration,
    Conflict,
    GroupState,
    OptionState,
    Reason,
)
from configurator.engine.selections import Selections, as_dict, ordered_literals, parse_selections
from configurator.engine.sweeps import Sweeps


def _is_complete(index: Index, picked: dict[int, int]) -> bool:
    picks = tuple(picked.get(g, 0) for g in range(len(index.group_codes)))
    if any(not index.mins[g] <= p.bit_count() <= index.maxs[g] for g, p in enumerate(picks)):
        return False
    return all(c.satisfied(picks) for c in index.constraints)


def _required(lits: frozenset[Literal] | Sequence[Literal]) -> dict[int, int]:
    required: dict[int, int] = {}
    for g, o in lits:
        required[g] = required.get(g, 0) | 1 << o
    return required


class _Session:
    """Diagram queries of one click: reach is shared between queries and clicks through
    the compiled product's `Sweeps`; answers are memoised for the click."""

    def __init__(self, compiled: CompiledProduct, recency: Sequence[Literal] = ()) -> None:
        self.compiled = compiled
        self.sweeps = _sweeps_of(compiled)
        self.live: dict[tuple[frozenset[Literal], int], np.ndarray] = {}
        self.recency = recency
        self._candidates: dict[int, Candidates] = {}
        self._pool: CandidatePool | None = None
        # The click's resolutions, once known (`know`): configurations to read tests off.
        self.resolved: Resolved | None = None

    def know(self, passes: Passes, lits: list[Literal]) -> None:
        """The resolutions of `lits` (the click's excluded options) answer some exclusion
        tests without a query (`resolved`; read lazily)."""
        self.resolved = Resolved(self.compiled, self.recency, passes, lits)

    def known_drops(self, target: Literal) -> list[Literal] | None:
        """The candidates (oldest first) each of which, dropped alone, frees `target`
        (`necessary.SingleDrops.picks`, for an option whose least change count is 1),
        when a set of them known to exclude `target` bounds them (None: no such set; the
        bitset passes answer). Such a pick lies in every excluding set, so in the known
        one; of those, one a resolution of the click proves is one (`Resolved`), and
        each other is tested: `target` excluded under the other candidates or not."""
        if self._small:
            return None
        candidates = self.candidates(target[0])
        members = candidates.members
        memo = _support_memo(self.compiled)
        bound = memo.excluding_within(target, members)
        if bound is None:
            return None
        found: set[Literal] = set()
        if self.resolved is not None:
            within = candidates.pool.rank[target[0]] < len(self.recency)
            found.update(lit for lit in self.resolved.drops_seen(target, within) if lit in bound)
        for lit in bound:
            if lit in found:
                continue
            rest = members - {lit}
            if not memo.excludes(target, rest) and not self.excluded_under(rest, target):
                found.add(lit)
        return sorted(found, key=self._place.__getitem__)

    @cached_property
    def _small(self) -> bool:
        """A diagram whose queries cost less than reading them off the click's
        resolutions, and whose single-drop passes less than the tests that replace them
        (`known_drops`): a pass over its edges is a few numpy calls per layer."""
        return self.compiled.diagram.n_edges < PASSES_EDGES

    @cached_property
    def _place(self) -> dict[Literal, int]:
        return {lit: k for k, lit in enumerate(self.recency)}

    def candidates(self, g: int) -> Candidates:
        """The click's picks (`recency`) that may explain group g's options, ordered for
        it (the same for all of them). Picks a single-choice group's option would replace
        cannot explain its exclusion."""
        found = self._candidates.get(g)
        if found is None:
            if self._pool is None:
                self._pool = CandidatePool(
                    self.compiled,
                    self.recency,
                    drop_own=True,
                    answers=_support_memo(self.compiled),
                    every_group=True,
                )
            found = self._candidates[g] = self._pool.for_group(g)
        return found

    def excluded_under(self, lits: frozenset[Literal], target: Literal) -> bool:
        """Whether `target` is excluded when only `lits` are picked; only the target's
        layer is read, and only the reach before and after it is computed."""
        g = target[0]
        options = self.live.get((lits, g))
        if options is None:
            if self.compiled.diagram.empty:
                return True
            keep_own = self.compiled.index.maxs[g] > 1
            if (
                self.resolved is not None
                and not self._small
                and not self.sweeps.knows(lits, g, keep_own=keep_own)
                and self.resolved.holds(lits, target)
            ):
                return False  # a configuration the click holds: no sweep needed
            options = self.live[(lits, g)] = self.sweeps.live(lits, g, keep_own=keep_own)
        return not options[target[1]]

    def feasible(self, lits: Sequence[Literal]) -> bool:
        return self.sweeps.feasible(frozenset(lits))

    def _reasons(self, items: Sequence[Item], support: Sequence[Literal]) -> tuple[Reason, ...]:
        c = self.compiled
        texts = tuple(c.index.literal_text(s) for s in support)
        return tuple(
            Reason(
                rule=item_id(c.product, c.index, item),
                message=item_message(c.product, c.index, item),
                selections=texts,
            )
            for item in items
        )

    def reasons(self, lits: Sequence[Literal], support: Sequence[Literal]) -> tuple[Reason, ...]:
        return self._reasons(rule_core(self.compiled, lits), support)

    def option_reasons(self, target: Literal, support: Sequence[Literal]) -> tuple[Reason, ...]:
        """`reasons` of the excluded option `target` under `support`: its rules from
        `explain.option_core` (propagation before search; not always minimal, see there),
        which depend on the product and these picks only. So the reasons of the same
        option and picks are the same objects click after click (bounded), and a click
        that meets them again asks `option_core` nothing."""
        memo = _reasons_memo(self.compiled)
        key = (target, tuple(support))
        found = memo.get(key)
        if found is None:
            items = option_core(self.compiled, [*support, target])
            if len(memo) >= STATES_LIMIT:
                memo.clear()
            found = memo[key] = self._reasons(items, support)
        return found


# Edges from which a diagram's queries and single-drop passes (`necessary`) cost more
# than reading the click's resolutions (`resolved.Resolved`) and testing the bounds of
# known excluding sets (`_Session.known_drops`): the 45- and 90-group products (13k
# edges) are faster without (measured: 1.09x slower with them on the 90-group one), the
# industrial one and Renault (430k-470k) with. Either way the answers are the same.
PASSES_EDGES = 100_000

# Entries of each per-process memo of answers' pieces (option states, excluded options'
# reasons) a compiled product keeps; beyond, the memo starts again.
STATES_LIMIT = 50_000
# Entries of the memo of whole groups' states (a group with no excluded option): about
# 1 kB each with its key, so at most ~10 MB per compiled product; 300 industrial clicks
# made 275.
GROUPS_LIMIT = 10_000


def _plain_states(compiled: CompiledProduct) -> dict[tuple[object, ...], OptionState]:
    found: dict[tuple[object, ...], OptionState] = compiled.cache.setdefault("option-states", {})
    return found


def _reasons_memo(compiled: CompiledProduct) -> dict[tuple[object, ...], tuple[Reason, ...]]:
    found: dict[tuple[object, ...], tuple[Reason, ...]] = compiled.cache.setdefault(
        "option-reasons", {}
    )
    return found


def _plain_groups(compiled: CompiledProduct) -> dict[tuple[object, ...], GroupState]:
    found: dict[tuple[object, ...], GroupState] = compiled.cache.setdefault("group-states", {})
    return found


def _plain_state(
    plain: dict[tuple[object, ...], OptionState],
    deltas: ClickDeltas,
    option: Option,
    gid: int,
    selected: int,
) -> OptionState:
    """A selected or available option's state: the same object click after click (keyed
    by its delta in scaled units: one amount, one Decimal text; bounded)."""
    key = (gid, selected, deltas.scaled[gid])
    known = plain.get(key)
    if known is None:
        if len(plain) >= STATES_LIMIT:
            plain.clear()
        known = plain[key] = OptionState(
            option.code,
            option.name,
            "selected" if selected else "available",
            option.price,
            delta=deltas.label(gid),
        )
    return known


def _group_state(group: Group, mask: int, options: tuple[OptionState, ...]) -> GroupState:
    return GroupState(
        code=group.code,
        name=group.name,
        min=group.min,
        max=group.max,
        selected=tuple(group.options[o].code for o in _bits(mask)),
        options=options,
    )


def _support_memo(compiled: CompiledProduct) -> SupportMemo:
    """The product's searches' answers under the plain exclusion test, kept across
    clicks (bounded, see `explain.SupportMemo`)."""
    found = compiled.cache.get("support-answers")
    if not isinstance(found, SupportMemo):
        found = compiled.cache["support-answers"] = SupportMemo()
    return found


def _sweeps_of(compiled: CompiledProduct) -> Sweeps:
    """The product's reach store, kept across clicks (bounded in bytes, see `sweeps`)."""
    found = compiled.cache.get("sweeps")
    if not isinstance(found, Sweeps):
        found = compiled.cache["sweeps"] = Sweeps(compiled.diagram)
    return found


def _conflicts(session: _Session, recency: list[Literal]) -> tuple[Conflict, ...]:
    """Disjoint minimal conflicting sets of picks, each with the rules behind it."""
    if session.compiled.diagram.empty:  # nothing to blame on the picks: the product is empty
        return (Conflict(rules=session.reasons([], []), selections=()),)
    conflicts = []
    remaining = list(recency)
    while remaining and not session.feasible(remaining):
        core = list(remaining)
        for lit in remaining:  # drop the oldest first, so recent picks explain the conflict
            trial = [s for s in core if s != lit]
            if not session.feasible(trial):
                core = trial
        reasons = session.reasons(core, core)
        conflicts.append(
            Conflict(rules=reasons, selections=reasons[0].selections if reasons else ())
        )
        remaining = [s for s in remaining if s not in core]
    return tuple(conflicts)


def _giving_way(
    session: _Session, click: Literal, resolution: dict[int, int], recency: list[Literal]
) -> tuple[Reason, ...]:
    """For each current pick that `resolution` (proposed for clicking `click`) changes: the
    rules, and the fewest kept picks, under which that pick and the click cannot stand
    together. The resolution keeps the most picks, so each changed pick is such a conflict."""
    compiled = session.compiled
    index = compiled.index
    single = index.maxs[click[0]] == 1
    kept = [s for s in recency if resolution.get(s[0], 0) >> s[1] & 1]
    dropped = [
        s
        for s in recency
        if not resolution.get(s[0], 0) >> s[1] & 1 and not (single and s[0] == click[0])
    ]

    def excluded_with_click(lits: frozenset[Literal], target: Literal) -> bool:
        return session.excluded_under(lits | {click}, target)

    reasons: dict[tuple[str, tuple[str, ...]], Reason] = {}
    for lit in dropped:
        if compiled.pair_excluded[index.global_id(lit), index.global_id(click)]:
            support = []  # the click and this pick alone cannot stand together
        else:
            support = minimal_support(compiled, kept, lit, excluded_with_click)
        for reason in session.reasons([*support, click, lit], [*support, lit]):
            reasons.setdefault((reason.rule, reason.selections), reason)
    return tuple(reasons.values())


def configure(
    compiled: CompiledProduct,
    selections: Selections,
    *,
    order: Sequence[str] = (),
    explain_resolutions: bool = False,
) -> Configuration:
    """Evaluate `selections` ({"group": ["option", ...]}) against the compiled product.

    Every option comes back `selected`, `available` (some complete valid configuration
    contains it and keeps the picks of every other group; in a single-choice group it
    replaces the pick, in a multi-choice group it joins them) or `excluded` with reasons.
    `order` lists "group.option" literals from the oldest pick to the most recent (default:
    selection order); it decides which picks a proposed resolution keeps.

    Every option carries its `delta` (how the total changes if it is picked now) and an
    excluded one its proposed `resolution` (see `deltas`). With `explain_resolutions`, an
    excluded option also names the rules behind every pick its resolution changes
    (`resolution_reasons`; the shop shows them, the API's contract does not need them, and
    on large products they cost a search per changed pick).

    Raises `UnknownCode` / `InvalidSelection` for selections that name unknown codes or
    hold too many picks for a group.
    """
    index, product = compiled.index, compiled.product
    picked = parse_selections(index, product, selections)
    recency = ordered_literals(index, picked, order)
    session = _Session(compiled, recency)
    passes = Passes(compiled, picked, recency)
    valid = passes.valid
    complete = valid and _is_complete(index, picked)
    singles: list[SingleDrops] = []

    def necessary_for(target: Literal) -> list[Literal]:
        # Only options one dropped pick would free have necessary picks; the bitset
        # passes run once per click, when the first such option needs them.
        if passes.changes[target[0]][target[1]] != 1:
            return []
        known = session.known_drops(target)
        if known is not None:
            return known
        if not singles:
            singles.append(single_drops(passes))
        return singles[0].picks(target)

    deltas = ClickDeltas(passes)
    session.know(passes, deltas.excluded)
    scaled = deltas.scaled
    plain = _plain_states(compiled)
    plain_groups = _plain_groups(compiled)
    changes = passes.flat_changes.tolist()
    offsets = index.offsets
    groups = []
    for g, group in enumerate(product.groups):
        mask = picked.get(g, 0)
        lo = offsets[g]
        hi = lo + len(group.options)
        if not any(changes[lo:hi]):
            # Every option selected or available: the group's state is a function of its
            # picks and its options' deltas, the same object click after click.
            key = (g, mask, tuple(scaled[lo:hi]))
            state_of_group = plain_groups.get(key)
            if state_of_group is None:
                state_of_group = _group_state(
                    group,
                    mask,
                    tuple(
                        _plain_state(plain, deltas, option, lo + o, mask >> o & 1)
                        for o, option in enumerate(group.options)
                    ),
                )
                if len(plain_groups) >= GROUPS_LIMIT:
                    plain_groups.clear()
                plain_groups[key] = state_of_group
            groups.append(state_of_group)
            continue
        # The same candidates for every excluded option of the group: read once, when the
        # first of them needs them.
        candidates: Candidates | None = None
        options = []
        for o, option in enumerate(group.options):
            gid = lo + o
            if mask >> o & 1 or not changes[gid]:
                options.append(_plain_state(plain, deltas, option, gid, mask >> o & 1))
                continue
            lit = (g, o)
            if candidates is None:
                candidates = session.candidates(g)
            support = minimal_support(
                compiled,
                candidates,
                lit,
                session.excluded_under,
                necessary=partial(necessary_for, lit),
            )
            found = deltas.selections.get(lit)
            options.append(
                OptionState(
                    option.code,
                    option.name,
                    "excluded",
                    option.price,
                    session.option_reasons(lit, support),
                    delta=deltas.label(gid),
                    resolution=found,
                    # A resolution as masks is made only when explained.
                    resolution_reasons=_giving_way(session, lit, resolution, recency)
                    if explain_resolutions
                    and valid
                    and found is not None
                    and (resolution := passes.configuration(lit)) is not None
                    else (),
                )
            )
        groups.append(_group_state(group, mask, tuple(options)))
    conflicts: tuple[Conflict, ...] = ()
    proposed = None
    if not valid:
        conflicts = _conflicts(session, recency)
        picks = resolution_picks(compiled, recency)
        proposed = None if picks is None else as_dict(index, picks)
    return Configuration(
        complete=complete,
        valid=valid,
        price=price_of(product, picked),
        groups=tuple(groups),
        conflicts=conflicts,
        resolution=proposed,
    )
