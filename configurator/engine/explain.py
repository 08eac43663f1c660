"""Why an option is excluded, or why selections conflict.

Two steps, both aiming at the smallest explanation that can be found cheaply:
1. Which current picks matter: deletion-based minimisation over the picks, each test an
   exact diagram query. The compile-time pair table answers the common case (one pick
   alone rules the option out) without any query. The picks are always minimal.
2. Which rules matter. Minimal (exact search: grow the rule set outward from the groups
   involved until a small exact search finds the literals infeasible, then QuickXplain
   drops every rule not needed) for conflicts, the rules behind a resolution's changed
   picks, and the compile-time pair cores. Group cardinalities take part as pseudo-rules
   `min:<group>` and `max:<group>` (single-choice "max 1" is taken as given).

Which excluded-option rule reasons are minimal (`option_core`):
- minimal: a single rule that forbids the literals by itself (read off the rule) or a
  pair core found at compile time. Not a core an exact search of this process happened to
  find earlier (a conflict's): the reason would then depend on which clicks came before,
  and threads answering the same click in another order would disagree;
- NOT necessarily minimal: every other one. They come from propagation
  (`arc_reasons.py`: arc consistency over the rules, the derivation read backwards, then
  no rule propagation could do without), with case splits when propagation stops short,
  and only then from the exact search's growing phase without the shrink. All are
  sound: the rules named, with the picks named, do exclude the option (tested against
  brute force). A smaller set can exist when excluding the option takes reasoning over
  several groups at once (case splits, sums' exact values rather than their bounds).
Results are cached per compiled product and process (bounded).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TypeVar, cast

import numpy as np

from configurator.engine.arc_reasons import (
    STATICS_KEY,
    Item,
    propagated_core,
    relaxable_max,
    statics_of,
)
from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import (
    Constraint,
    Index,
    Literal,
    group_picks,
)
from configurator.engine.layered import has_configuration
from configurator.engine.model import Product
from configurator.engine.quickxplain import quickxplain

T = TypeVar("T")


def item_id(product: Product, index: Index, item: Item) -> str:
    kind, k = item
    if kind == "rule":
        return index.constraints[k].id
    return f"{kind}:{index.group_codes[k]}"


def item_message(product: Product, index: Index, item: Item) -> str:
    kind, k = item
    if kind == "rule":
        return index.constraints[k].message
    group = product.groups[k]
    if kind == "min":
        return f"{group.name}: choose at least {group.min}"
    return f"{group.name}: choose at most {group.max}"


def _relaxable_max(index: Index, g: int) -> bool:
    return relaxable_max(index, g)


def feasible(compiled: CompiledProduct, required: dict[int, int], items: Sequence[Item]) -> bool:
    """Can the groups take picks containing `required` with all `items` holding? Groups
    no item mentions are free. Decided exactly by a small diagram of just those items."""
    index = compiled.index
    if not compiled.diagram.empty:
        items = _connected(index, set(required), items)
    rules: list[Constraint] = []
    mins: set[int] = set()
    maxs: set[int] = set()
    for kind, k in items:
        if kind == "rule":
            rules.append(index.constraints[k])
        elif kind == "min":
            mins.add(k)
        else:
            maxs.add(k)
    involved = set(required) | mins | maxs | {g for c in rules for g in c.scope}
    memo = compiled.cache.setdefault("picks", {})
    picks = []
    for g in range(len(index.group_codes)):
        if g not in involved:
            picks.append((0,))  # free group: one placeholder pick, no rule reads it
            continue
        low = index.mins[g] if g in mins else 0
        high = (
            index.maxs[g]
            if g in maxs or not _relaxable_max(index, g)
            else len(index.option_codes[g])
        )
        need = required.get(g, 0)
        key = (g, low, high, need)
        found = memo.get(key)
        if found is None:
            if (low, high) == (index.mins[g], index.maxs[g]):
                base = index.picks[g]
            else:
                base = group_picks(len(index.option_codes[g]), low, high)
            found = memo[key] = tuple(p for p in base if p & need == need)
        if not found:
            return False
        picks.append(found)
    sub = replace(index, picks=tuple(picks), constraints=tuple(rules), price_terms=())
    order = tuple(g for g in compiled.diagram.order if g in involved)
    return has_configuration(sub, order, compiled.cache.setdefault("builder", {}))


def _connected(index: Index, start: set[int], items: Sequence[Item]) -> list[Item]:
    """The items linked to `start` through shared groups. The others cannot matter: the
    product has a valid configuration, and it satisfies any rules apart from the picks."""
    scopes = [set(index.constraints[k].scope) if kind == "rule" else {k} for kind, k in items]
    reached, keep = set(start), [False] * len(items)
    grew = True
    while grew:
        grew = False
        for n, scope in enumerate(scopes):
            if not keep[n] and (not scope or scope & reached):
                keep[n], grew = True, True
                reached |= scope
    return [item for item, kept in zip(items, keep, strict=True) if kept]


def _pseudo(index: Index, groups: set[int]) -> list[Item]:
    items: list[Item] = []
    for g in sorted(groups):
        if index.mins[g] > 0:
            items.append(("min", g))
        if _relaxable_max(index, g):
            items.append(("max", g))
    return items


CACHE_LIMIT = 20_000


class OutOfWork(Exception):
    """A compile-time search spent its budget (nothing is remembered of it)."""


# A feasibility check's work in budget units: one per check plus one per this many table
# rows its rules hold (a check builds a small diagram of those rules, and its time grows
# with their rows): 0.15–0.45 ms of CPU a unit on this 2-core machine for the generated
# products, the industrial one and Renault alike, measured at stop 14).
ROWS_PER_UNIT = 400


@dataclass
class WorkBudget:
    """Work units left to compile-time searches. Counted in checks and table rows, not
    seconds, so that what a compile finds depends on the product only, never on how busy
    the machine was (two compiles of one product hold the same pair cores)."""

    units: float

    def spend(self, compiled: CompiledProduct, items: Sequence[Item]) -> None:
        constraints = compiled.index.constraints
        rows = sum(len(constraints[k].rows) for kind, k in items if kind == "rule")
        self.units -= 1 + rows / ROWS_PER_UNIT
        if self.units < 0:
            raise OutOfWork


def rule_core(
    compiled: CompiledProduct, lits: Sequence[Literal], *, budget: WorkBudget | None = None
) -> tuple[Item, ...]:
    """A minimal set of rules (and cardinality pseudo-rules) under which `lits` cannot all
    hold in a complete configuration. `lits` must be jointly infeasible. Raises
    `OutOfWork` once a check would overdraw `budget` (compile-time searches)."""
    key = ("core", frozenset(lits))
    cached = compiled.pair_cores.get(key[1]) or compiled.cache.get(key)
    if cached is not None:
        return cached
    required: dict[int, int] = {}
    for g, o in lits:
        required[g] = required.get(g, 0) | 1 << o

    def infeasible(items: Sequence[Item]) -> bool:
        if budget is not None:
            budget.spend(compiled, items)
        return not feasible(compiled, required, items)

    start = set(required)
    single = _single_rule(compiled, lits)
    if single is not None:
        return _remember(compiled, key, (("rule", single),))
    return _remember(compiled, key, _search(compiled, start, infeasible))


def option_core(compiled: CompiledProduct, lits: Sequence[Literal]) -> tuple[Item, ...]:
    """The rule half of an excluded option's reason: rules under which `lits` (its
    picks and the option) cannot all hold. A rule that forbids them by itself or a
    compile-time pair core is minimal; otherwise the rules come from propagation
    (`arc_reasons.propagated_core`: sound and irredundant for propagation, NOT
    necessarily minimal), and only when propagation cannot rule the literals out from the
    growing phase of the exact search (`_grown`: sound, NOT shrunk). The answer depends on
    the product and `lits` only: never on the exact searches (`rule_core`) this process
    ran before, nor on the order of `lits`."""
    found = frozenset(lits)
    cached = (
        compiled.pair_cores.get(found)
        or compiled.cache.get(("single rule", found))
        or compiled.cache.get(("propagated", found))
    )
    if cached is not None:
        return cast(tuple[Item, ...], cached)
    # Propagation's core depends on the order it is handed the literals (the first is
    # queued first); the cache is keyed by their set, so one order for every caller.
    ordered = sorted(found)
    single = _single_rule(compiled, ordered)
    if single is not None:
        return _remember(compiled, ("single rule", found), (("rule", single),))
    required: dict[int, int] = {}
    for g, o in ordered:
        required[g] = required.get(g, 0) | 1 << o
    statics = statics_of(compiled.cache, compiled.index, compiled.table_rows)
    core = propagated_core(statics, required)
    if core is None:
        core = _grown(compiled, required)
    return _remember(compiled, ("propagated", found), core)


def _grown(compiled: CompiledProduct, required: dict[int, int]) -> tuple[Item, ...]:
    """Rules under which `required` is infeasible, by the exact tests of the search's
    growing phase only (one rule over the literals' groups, then batches doubling
    outwards): sound, at most about twice the rules needed, NOT shrunk to a minimal
    core (QuickXplain would cost tens of tests more, each deciding a small product)."""
    index = compiled.index
    start = set(required)

    def infeasible(items: Sequence[Item]) -> bool:
        return not feasible(compiled, required, items)

    for k, c in enumerate(index.constraints):
        if c.scope and start <= set(c.scope):
            items = [("rule", k), *_pseudo(index, start | set(c.scope))]
            if infeasible(items):
                return _sorted_items(items)
    return _sorted_items(_grow(index, start, infeasible))


def _sorted_items(items: Sequence[Item]) -> tuple[Item, ...]:
    return tuple(sorted(set(items), key=lambda it: (it[0] != "rule", it[1], it[0])))


def _search(
    compiled: CompiledProduct,
    start: set[int],
    infeasible: Callable[[Sequence[Item]], bool],
) -> tuple[Item, ...]:
    """Grow rings of rules around `start` until infeasible, then shrink to a minimal core."""
    index = compiled.index
    core = None
    # Usually one rule over exactly these groups explains it: try those alone first.
    for k, c in enumerate(index.constraints):
        if c.scope and start <= set(c.scope):
            items = [("rule", k), *_pseudo(index, start | set(c.scope))]
            if infeasible(items):
                core = items
                break
    if core is None:
        core = _grow(index, start, infeasible)

    def closeness(item: Item) -> tuple[int, int]:
        scope = set(index.constraints[item[1]].scope) if item[0] == "rule" else {item[1]}
        return -len(scope & start), len(scope)

    # QuickXplain drops a whole back half in one test when the front half already
    # conflicts, so the likeliest culprits (rules over the literals' own groups) go first.
    core = _shrink(sorted(core, key=closeness), infeasible)
    return tuple(sorted(core, key=lambda it: (it[0] != "rule", it[1], it[0])))


def _remember(
    compiled: CompiledProduct, key: tuple[object, ...], result: tuple[Item, ...]
) -> tuple[Item, ...]:
    if len(compiled.cache) > CACHE_LIMIT or len(compiled.cache.get("builder", ())) > CACHE_LIMIT:
        # A long-lived web process sees endless selections (the API is open): stay bounded.
        # The rule statics are kept: bounded by the product (their memo by its own cap),
        # and costly to build again (compile.warm_up).
        statics = compiled.cache.get(STATICS_KEY)
        compiled.cache.clear()
        if statics is not None:
            compiled.cache[STATICS_KEY] = statics
    compiled.cache[key] = result
    return result


def _single_rule(compiled: CompiledProduct, lits: Sequence[Literal]) -> int | None:
    """A rule that by itself forbids `lits` (whatever the other groups take), read off
    the rule directly: no search. Such a rule alone is a minimal core. Sum rules (and
    rules needing a group's cardinality) are left to the search."""
    index = compiled.index
    held: dict[int, int] = {}
    for g, o in lits:
        held[g] = held.get(g, 0) | 1 << o
    groups = set(held)
    for k in compiled.rules_by_group.get(min(groups), ()) if groups else ():
        c = index.constraints[k]
        if not groups <= set(c.scope):
            continue
        if c.kind == "excludes" and all(held.get(g, 0) >> o & 1 for g, o in c.all):
            return k
        if c.kind == "requires" and all(held.get(g, 0) >> o & 1 for g, o in c.if_):
            # A `then` literal is impossible only in a single-choice group holding another.
            if all(
                index.maxs[g] == 1 and held.get(g, 0) and not held[g] >> o & 1 for g, o in c.then
            ):
                return k
        if c.kind == "table":
            rows = compiled.table_rows[k]
            match = np.ones(len(rows), dtype=bool)
            for col, g in enumerate(c.table_groups):
                mask = held.get(g, 0)
                if mask:
                    if mask & (mask - 1):
                        return k
                    match &= rows[:, col] == mask.bit_length() - 1
            if not match.any():
                return k
    return None


def _grow(
    index: Index, start: set[int], infeasible: Callable[[Sequence[Item]], bool]
) -> list[Item]:
    """Add rules around `start` until the literals become infeasible: from the rules
    touching the groups covered so far, the closest first (most of the literals' own
    groups, then most covered groups, then the smallest scope), in batches doubling from
    one. A test costs about the size of the rules it holds, so the last, largest test
    holds at most about twice the rules needed (whole rings, as before, could hold every
    table of a model whose tables all share a few groups)."""
    covered = set(start)
    active: list[Item] = _pseudo(index, covered)
    if infeasible(active):
        return active
    used: set[int] = set()
    batch = 1
    while True:
        ring = [
            k
            for k, c in enumerate(index.constraints)
            if k not in used and (not c.scope or covered.intersection(c.scope))
        ]
        if not ring:
            ring = [k for k in range(len(index.constraints)) if k not in used]
            if not ring:
                return active  # not expected: the literals were found infeasible
        scopes = {k: set(index.constraints[k].scope) for k in ring}
        ring.sort(
            key=lambda k: (-len(scopes[k] & start), -len(scopes[k] & covered), len(scopes[k]), k)
        )
        taken = ring[:batch]
        batch *= 2
        new_groups = {g for k in taken for g in scopes[k]} - covered
        used.update(taken)
        covered |= new_groups
        active = active + [("rule", k) for k in taken] + _pseudo(index, new_groups)
        if infeasible(active):
            return active


def _shrink(items: list[T], infeasible: Callable[[Sequence[T]], bool]) -> list[T]:
    """A minimal infeasible subset of `items` (`quickxplain`), or all of `items` when
    they are not infeasible together."""
    if items and not infeasible(items):
        return list(items)
    return quickxplain(items, infeasible)


# Sets of picks kept per option as known to exclude it (`SupportMemo.note`).
EXCLUDING_PER_OPTION = 4


class SupportMemo:
    """Searches' answers kept across clicks (bounded), for one exclusion test: the plain
    one, `target` excluded when only the given picks are made.

    The search's answer beyond the forced picks F is the preferred conflict of the other
    candidates c1, c2, ... (in their order) with F as background: c_k1 for the least k1
    with F + c1..c_k1 excluding the target, then again with c_k1 kept, and so on
    (QuickXplain finds exactly that set; `tests/unit/engine/test_engine_supports.py`
    checks it against that definition). It reads only tests of sets within F + c1..c_k1,
    so a later click with the same target, the same F and the same first k1 candidates
    in the same order has the same answer, whatever its other picks."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._found: dict[
            tuple[Literal, tuple[Literal, ...]],
            tuple[tuple[tuple[Literal, ...], tuple[Literal, ...]], ...],
        ] = {}
        # Per option, sets of picks found to exclude it (the searches' answers): facts of
        # the product, so a later test on a superset is answered without a query.
        self._excluding: dict[Literal, tuple[frozenset[Literal], ...]] = {}
        self._lock = threading.Lock()

    def excludes(self, target: Literal, lits: frozenset[Literal]) -> bool:
        """Whether `lits` hold a set of picks found before to exclude `target` (then they
        exclude it too: more picks only narrow the configurations)."""
        return any(known <= lits for known in self._excluding.get(target, ()))

    def excluding_within(
        self, target: Literal, lits: frozenset[Literal]
    ) -> frozenset[Literal] | None:
        """The smallest set of picks found before to exclude `target` that lies within
        `lits` (None: none does)."""
        within = [known for known in self._excluding.get(target, ()) if known <= lits]
        return min(within, key=len) if within else None

    def note(self, target: Literal, lits: Sequence[Literal]) -> None:
        """Keep that `lits` exclude `target` (the most recent few sets per option)."""
        found = frozenset(lits)
        with self._lock:
            kept = self._excluding.get(target, ())
            if found in kept:
                return
            if len(self._excluding) >= self.limit:
                self._excluding.clear()  # a long-lived process: stay bounded
            self._excluding[target] = (found, *kept[: EXCLUDING_PER_OPTION - 1])

    def get(
        self, *, target: Literal, forced: Sequence[Literal], ordered: Sequence[Literal]
    ) -> list[Literal] | None:
        """The answer kept for `target` and `forced` whose prefix `ordered` starts with."""
        for prefix, answer in self._found.get((target, tuple(forced)), ()):
            if tuple(ordered[: len(prefix)]) == prefix:
                return list(answer)
        return None

    def put(
        self,
        *,
        target: Literal,
        forced: Sequence[Literal],
        ordered: Sequence[Literal],
        answer: Sequence[Literal],
    ) -> None:
        """Keep `answer` (the search's, for `target`, `forced` and `ordered`) with the
        prefix of `ordered` it depends on: up to its last element."""
        place = {lit: k for k, lit in enumerate(ordered)}
        prefix = tuple(ordered[: max(place[lit] for lit in answer) + 1])
        key = (target, tuple(forced))
        with self._lock:
            if len(self._found) >= self.limit:
                self._found.clear()  # a long-lived process sees endless clicks: stay bounded
            kept = self._found.get(key, ())
            self._found[key] = ((prefix, tuple(answer)), *kept[:3])


class CandidatePool:
    """The current picks (oldest first) ordered for the options of every group at once,
    made once per click: for group g, nearest to g in rule hops first, then the most
    recent (a single-choice group's own picks dropped when `drop_own`: its option replaces
    them, so they cannot explain its exclusion). The pair table is read once per group
    for all its options: which pick, first in the group's order, excludes each by itself."""

    def __init__(
        self,
        compiled: CompiledProduct,
        picks: Sequence[Literal],
        *,
        drop_own: bool,
        answers: SupportMemo | None = None,
        every_group: bool = False,
    ) -> None:
        self.compiled = compiled
        self.picks = picks
        self.answers = answers
        self.every_group = every_group
        n = len(picks)
        index = compiled.index
        pairs = np.array(picks, dtype=np.int64).reshape(n, 2)
        self.groups = pairs[:, 0]
        offsets = np.asarray(index.offsets, dtype=np.int64)
        self.gids = offsets[self.groups] + pairs[:, 1]
        distance = compiled.group_distance.take(self.groups, axis=1)  # (groups, picks)
        recent = np.broadcast_to(np.arange(n, 0, -1), distance.shape)  # most recent first
        # order[g]: the picks in g's order; rank[g, k]: the place of pick k in it (n for a
        # pick dropped from it).
        self.order = np.lexsort((recent, distance), axis=-1)
        rank = np.empty_like(self.order)
        np.put_along_axis(rank, self.order, np.arange(n), axis=-1)
        if drop_own:
            single = np.asarray(index.maxs) == 1
            own = (self.groups[None, :] == np.arange(len(single))[:, None]) & single[:, None]
            rank[own] = n
        self.rank = rank
        self._first: dict[int, np.ndarray] = {}

    def first_alone(self, g: int) -> np.ndarray:
        """For each option of group `g`, the place in g's order of the first pick that
        excludes it by itself (the pair table); n where none does. A click's pool reads
        the table once for every group's options, a pool for one search only g's."""
        found = self._first.get(g)
        if found is None:
            index = self.compiled.index
            start, width = index.offsets[g], len(index.option_codes[g])
            if self.every_group:
                whole = self._first.get(-1)
                if whole is None:
                    whole = self._first[-1] = self._places(
                        slice(None), self.rank.take(self._group_of(), axis=0)
                    )
                found = whole[start : start + width]
            else:
                found = self._places(slice(start, start + width), self.rank[g][None, :])
            self._first[g] = found
        return found

    def _places(self, columns: slice, ranks: np.ndarray) -> np.ndarray:
        """The least rank of a pick excluding each option of `columns` by itself (n when
        none does); `ranks`: the picks' ranks in each option's group (one row per option,
        or one row for all)."""
        n = len(self.picks)
        excludes = self.compiled.pair_excluded[self.gids, columns]  # (picks, options)
        width = excludes.shape[1]
        if not n:
            return np.zeros(width, dtype=np.int64)
        places: np.ndarray = np.where(excludes.T, ranks, n).min(axis=1)
        return places

    def _group_of(self) -> np.ndarray:
        """The group of each option (global id), as the pair table's columns run."""
        index = self.compiled.index
        found = self.compiled.cache.get("group-of-option")
        if not isinstance(found, np.ndarray):
            found = self.compiled.cache["group-of-option"] = np.repeat(
                np.arange(len(index.offsets)), [len(codes) for codes in index.option_codes]
            )[: self.compiled.pair_excluded.shape[1]]
        return found

    def for_group(self, g: int) -> Candidates:
        return Candidates(self, g)


class Candidates:
    """The picks that may explain an excluded option of group `g`, in the order
    `minimal_support` tries them (see `CandidatePool`): the same for every option of the
    group, read off the click's pool."""

    def __init__(self, pool: CandidatePool, g: int) -> None:
        self.pool = pool
        self.g = g

    @cached_property
    def ordered(self) -> tuple[Literal, ...]:
        pool, n = self.pool, len(self.pool.picks)
        order = pool.order[self.g]
        kept = order[pool.rank[self.g].take(order) < n] if n else order
        return tuple(map(pool.picks.__getitem__, kept.tolist()))

    @cached_property
    def members(self) -> frozenset[Literal]:
        return frozenset(self.ordered)

    def alone(self, compiled: CompiledProduct, target: Literal) -> Literal | None:
        """The first of `ordered` that excludes `target` by itself (the pair table)."""
        pool = self.pool
        place = int(pool.first_alone(self.g)[target[1]])
        if place >= len(pool.picks):
            return None
        return pool.picks[int(pool.order[self.g, place])]


def candidates_for(compiled: CompiledProduct, candidates: Sequence[Literal], g: int) -> Candidates:
    """`candidates` (oldest first) ordered for the options of group `g`: nearest in rule
    hops first, then the most recent."""
    return CandidatePool(compiled, candidates, drop_own=False).for_group(g)


def minimal_support(
    compiled: CompiledProduct,
    candidates: Sequence[Literal] | Candidates,
    target: Literal,
    excluded_under: Callable[[frozenset[Literal], Literal], bool],
    *,
    necessary: Callable[[], Sequence[Literal]] | None = None,
) -> list[Literal]:
    """A subset of `candidates` (oldest first) under which `target` stays excluded, with no
    pick that could be dropped. Picks nearest to the target (in rule hops), then the most
    recent, are tried first, so a single nearby pick is the usual answer. (`candidates`
    may come ordered already, from `candidates_for` with the target's group.)

    `necessary` (asked only when no single pick explains the target) returns the picks
    lying in every such subset (see `necessary.single_drops`): when they exclude the
    target they are the answer, else the search only decides the other picks: prefixes
    of doubling length until one excludes the target, then QuickXplain over it, whose
    answer is the preferred conflict of the candidates in their order (see
    `SupportMemo`; candidates from a pool holding one reuse earlier clicks' answers).
    """
    gid = compiled.index.global_id(target)
    table = compiled.pair_excluded
    if table[-1, gid]:
        return []
    if not isinstance(candidates, Candidates):
        candidates = candidates_for(compiled, candidates, target[0])
    alone = candidates.alone(compiled, target)  # None when there are no candidates
    if alone is not None:
        return [alone]
    if not candidates.ordered:
        return []
    forced = [lit for lit in (necessary() if necessary else ()) if lit in candidates.members]
    answers = candidates.pool.answers if isinstance(candidates, Candidates) else None

    def excluding(lits: frozenset[Literal]) -> bool:
        if answers is not None and answers.excludes(target, lits):
            return True
        return excluded_under(lits, target)

    if forced and excluding(frozenset(forced)):
        if answers is not None:
            answers.note(target, forced)
        return forced
    ordered = [lit for lit in candidates.ordered if lit not in forced]
    if answers is not None:
        found = answers.get(target=target, forced=forced, ordered=ordered)
        if found is not None:
            answers.note(target, forced + found)
            return forced + found

    def still_excluded(lits: Sequence[Literal]) -> bool:
        return excluding(frozenset([*forced, *lits]))

    size = 2
    while size < len(ordered) and not still_excluded(ordered[:size]):
        size *= 2
    if not still_excluded(ordered[:size]):
        return forced + ordered[:size]  # not excluded under them all: nothing to drop
    kept = quickxplain(ordered[:size], still_excluded)
    if answers is not None and kept:
        answers.put(target=target, forced=forced, ordered=ordered, answer=kept)
        answers.note(target, forced + kept)
    return forced + kept


def pair_cores(
    compiled: CompiledProduct,
    *,
    limit: int,
    units: float = math.inf,
    search_units: float = math.inf,
) -> dict[frozenset[Literal], tuple[Item, ...]]:
    """The rule cores of every pair of options that exclude each other (the pair table)
    and that no single rule explains: most excluded options have one pick as their reason,
    so clicks read these instead of searching. At most `limit` searches and `units` of
    work (see `WorkBudget`; the search that would overdraw it is dropped), pairs taken in
    their global ids' order: which pairs get a core depends on the product only. Pairs
    left over are searched when a click first needs them (cached).

    A single search needing more than `search_units` is dropped and the next pair tried,
    until dropped searches have spent a quarter of `units`: on a model of large tables
    (Renault's) one search could otherwise spend the whole budget and be dropped,
    leaving nothing found for the compile's time."""
    budget = WorkBudget(units)
    dropped_left = units / 4  # work dropped searches may still spend
    index = compiled.index
    table, dead = compiled.pair_excluded[:-1], compiled.pair_excluded[-1]
    found: dict[frozenset[Literal], tuple[Item, ...]] = {}
    searched = 0
    for s in np.flatnonzero(~dead):
        first = index.literal_of(int(s))
        for o in np.flatnonzero(table[s] & ~dead):
            if o <= s:
                continue
            second = index.literal_of(int(o))
            if first[0] == second[0] and index.maxs[first[0]] == 1:
                continue
            lits = (first, second)
            if _single_rule(compiled, lits) is not None:
                continue
            if searched >= limit:
                return found
            searched += 1
            capped = search_units < budget.units
            search = WorkBudget(search_units if capped else budget.units)
            start = search.units
            try:
                found[frozenset(lits)] = rule_core(compiled, lits, budget=search)
            except OutOfWork:
                if not capped:
                    return found  # the whole budget is spent
                dropped_left -= start - search.units
                if dropped_left < 0:
                    return found
            finally:
                budget.units -= start - search.units
    return found
