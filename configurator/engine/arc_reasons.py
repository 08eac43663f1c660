"""Rule reasons by propagation: which rules rule an option out, without a search.

An excluded option's rule reason is a set of rules (and cardinality pseudo-rules
`min:<group>` / `max:<group>`, see explain.py) under which its picks and the option
cannot all hold. The exact, minimal answer is a QuickXplain search whose every test
decides a small product (explain.rule_core); on large models a click needs hundreds of
such tests. This module answers the same question from arc consistency instead:

1. Every group's domain is the set of picks it may still take (relaxed: any size up to
   the group's size, unless the `min`/`max` pseudo-rule is part of the rule set), the
   picked groups narrowed to picks holding the literals.
2. Each rule removes the picks that no combination of the other groups' domains
   supports (excludes / requires exactly, tables row by row, sums by their bounds), and
   the rules of every group that shrank are revisited, until a domain runs empty
   (the literals are impossible) or nothing changes (propagation is not enough: the
   caller falls back to the exact search).
3. The reason is read backwards from the emptied domain: the rules that removed its
   picks, and, for each of those removals, the earlier removals in the domains the rule
   read. Those rules alone replay the same removals, so the set is *sound* (the literals
   are impossible under it); then every rule whose removal still leaves a derivation is
   dropped (each test one propagation over the set itself).

So the set is minimal for propagation (no rule can be dropped with propagation still
emptying a domain) but NOT necessarily minimal: a smaller rule set might exclude the
option only through reasoning propagation does not do (case splits over several
groups, a sum's exact values rather than its bounds). Tests check it against brute force
for soundness (tests/unit/engine/test_engine_arc_reasons.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from configurator.engine.constraints import (
    MAX_PICKS_PER_GROUP,
    Constraint,
    Index,
    group_picks,
)
from configurator.engine.quickxplain import quickxplain

Item = tuple[str, int]  # ("rule", constraint position) | ("min", group) | ("max", group)
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

# Revisions one propagation may make before it gives up (the caller then searches).
MAX_REVISIONS = 4_000
# Table revisions remembered per product (see Statics.table_keeps): at most this many,
# about a kilobyte each on the Renault model; all forgotten when full.
TABLE_KEEPS = 20_000


def relaxable_max(index: Index, g: int) -> bool:
    """Whether group g's maximum is a pseudo-rule of reasons (`max:<group>`): a
    multi-choice group below its size whose every subset can be listed. A single-choice
    group's "max 1" is taken as given."""
    n = len(index.option_codes[g])
    return 1 < index.maxs[g] < n and (1 << n) <= MAX_PICKS_PER_GROUP


@dataclass
class _Group:
    """A group's relaxed picks (every subset up to its relaxed maximum)."""

    masks: tuple[int, ...]
    sizes: Ints
    pseudo: tuple[Item, ...]  # its min/max pseudo-rules that exist
    # Each pseudo-rule's labels kept (None: it removes none), read once per group.
    pseudo_keeps: tuple[tuple[Item, Bools | None], ...] = ()


@dataclass
class _Rule:
    """One rule read per label of each scope group (labels index the relaxed picks)."""

    kind: str
    scope: tuple[int, ...]
    # excludes / requires: labels under which the group's part of the rule is broken
    # (the rule fails exactly when every scope group's label is broken).
    broken: dict[int, Bools] = field(default_factory=dict)
    # table: rows as codes (0 = no pick, o + 1 = option o), a label's code (-1: several
    # options, matching no row), and the table column of each group.
    rows: Ints | None = None
    codes: dict[int, Ints] = field(default_factory=dict)
    column: dict[int, int] = field(default_factory=dict)
    n_codes: dict[int, int] = field(default_factory=dict)
    # sum: each label's contribution.
    values: dict[int, npt.NDArray[np.int64] | npt.NDArray[np.object_]] = field(default_factory=dict)
    op: str = "<="
    target: int = 0


class Statics:
    """Per product: groups' relaxed picks and rules read per label, built on first use."""

    def __init__(self, index: Index, table_rows: Mapping[int, npt.NDArray[np.int64]]) -> None:
        self.index = index
        self.table_rows = table_rows
        self._groups: dict[int, _Group] = {}
        self._rules: dict[int, _Rule] = {}
        # A table's revision depends only on its groups' domains: (table, each domain's
        # bytes) -> labels kept per scope group. Propagations of one reason (and of the
        # next option's) revisit tables under the same domains again and again.
        self.table_keeps: dict[tuple[object, ...], tuple[Bools | None, ...]] = {}
        by_group: dict[int, list[Item]] = {}
        for k, c in enumerate(index.constraints):
            for g in c.scope:
                by_group.setdefault(g, []).append(("rule", k))
        self.items_of = {g: tuple(items) for g, items in by_group.items()}

    def group(self, g: int) -> _Group:
        found = self._groups.get(g)
        if found is None:
            index = self.index
            n = len(index.option_codes[g])
            high = n if relaxable_max(index, g) else index.maxs[g]
            masks = group_picks(n, 0, high)
            pseudo: list[Item] = []
            if index.mins[g] > 0:
                pseudo.append(("min", g))
            if relaxable_max(index, g):
                pseudo.append(("max", g))
            sizes = np.array([m.bit_count() for m in masks], dtype=np.int64)
            keeps = []
            for item in pseudo:
                keep = sizes >= index.mins[g] if item[0] == "min" else sizes <= index.maxs[g]
                keeps.append((item, None if keep.all() else keep))
            found = self._groups[g] = _Group(masks, sizes, tuple(pseudo), tuple(keeps))
        return found

    def rule(self, k: int) -> _Rule:
        found = self._rules.get(k)
        if found is None:
            found = self._rules[k] = self._read(self.index.constraints[k], k)
        return found

    def _read(self, c: Constraint, k: int) -> _Rule:
        rule = _Rule(kind=c.kind, scope=c.scope, op=c.op, target=c.target)
        if c.kind in ("excludes", "requires"):
            for g in c.scope:
                masks = self.group(g).masks
                if c.kind == "excludes":
                    need = [o for h, o in c.all if h == g]
                    broken = [all(m >> o & 1 for o in need) for m in masks]
                else:
                    ifs = [o for h, o in c.if_ if h == g]
                    thens = [o for h, o in c.then if h == g]
                    broken = [
                        all(m >> o & 1 for o in ifs) and not any(m >> o & 1 for o in thens)
                        for m in masks
                    ]
                rule.broken[g] = np.array(broken, dtype=bool)
        elif c.kind == "table":
            rule.rows = self.table_rows[k].astype(np.int64) + 1
            for j, g in enumerate(c.table_groups):
                masks = self.group(g).masks
                rule.column[g] = j
                rule.n_codes[g] = len(self.index.option_codes[g]) + 1
                rule.codes[g] = np.array(
                    [0 if m == 0 else (m.bit_length() if m & (m - 1) == 0 else -1) for m in masks],
                    dtype=np.int64,
                )
        else:
            for g, contrib in c.contrib:
                masks = self.group(g).masks
                totals = [sum(v for o, v in enumerate(contrib) if m >> o & 1) for m in masks]
                rule.values[g] = np.array(totals, dtype=object)
            big = max([abs(c.target)] + [abs(int(v)) for vs in rule.values.values() for v in vs])
            if big * (len(rule.values) + 2) < 2**62:
                rule.values = {g: vs.astype(np.int64) for g, vs in rule.values.items()}
        return rule


@dataclass
class _Run:
    """One propagation: domains, and the removals made (for the backward reading)."""

    domains: dict[int, Bools]
    events: list[tuple[int, Item, int]]  # (group, item, step) in step order
    emptied: int | None = None


class _Propagation:
    def __init__(
        self,
        statics: Statics,
        required: Mapping[int, int],
        allowed: Collection[Item] | None,
        fixed: Mapping[int, int] | None = None,
    ) -> None:
        """`fixed`: {group: label} the case splits hold those groups to."""
        self.statics = statics
        self.allowed = None if allowed is None else set(allowed)
        self.items_of: dict[int, tuple[Item, ...]] = (
            dict(statics.items_of) if allowed is None else {}
        )
        self.run = _Run({}, [])
        self.queue: deque[Item] = deque()
        self.queued: set[Item] = set()
        self.step = 0
        # Per group, how many times its domain shrank; per table, its rows left and the
        # group versions they were filtered at.
        self.versions: dict[int, int] = {}
        self.tables: dict[int, tuple[Ints, dict[int, int]]] = {}
        fixed = fixed or {}
        start = dict(required)
        for g in fixed:
            start.setdefault(g, 0)
        for g, need in start.items():
            masks = statics.group(g).masks
            dom = np.array([m & need == need for m in masks], dtype=bool)
            if g in fixed:
                only = np.zeros(len(masks), dtype=bool)
                only[fixed[g]] = True
                dom &= only
            self.run.domains[g] = dom
            if not dom.any():
                self.run.emptied = g
                return
            self._pseudo(g)
            if self.run.emptied is not None:
                return
            self._touched(g)

    def _usable(self, item: Item) -> bool:
        return self.allowed is None or item in self.allowed

    def _pseudo(self, g: int) -> None:
        """Apply the group's min/max pseudo-rules (they read nothing else, once is enough)."""
        for item, keep in self.statics.group(g).pseudo_keeps:
            if keep is None or not self._usable(item):
                continue  # (a rule that removes nothing changes nothing)
            self._narrow(g, keep, item)
            if self.run.emptied is not None:
                return

    def domain(self, g: int) -> Bools:
        dom = self.run.domains.get(g)
        if dom is None:
            dom = self.run.domains[g] = np.ones(len(self.statics.group(g).masks), dtype=bool)
            self._pseudo(g)
            dom = self.run.domains[g]
        return dom

    def _narrow(self, g: int, keep: Bools, item: Item) -> None:
        dom = self.run.domains[g]
        if keep.all() or not (dom & ~keep).any():
            return
        new = dom & keep
        self.run.domains[g] = new
        self.versions[g] = self.versions.get(g, 0) + 1
        self.run.events.append((g, item, self.step))
        if not new.any():
            self.run.emptied = g
            return
        # A sum's bounds revision is not idempotent (narrowing one group tightens the
        # others' bounds): it is revisited too; the other kinds reach their fixpoint at once.
        sum_rule = item[0] == "rule" and self.statics.rule(item[1]).kind == "sum"
        self._touched(g, None if sum_rule else item)

    def _touched(self, g: int, by: Item | None = None) -> None:
        items = self.items_of.get(g)
        if items is None:
            allowed = self.allowed
            items = self.items_of[g] = tuple(
                it for it in self.statics.items_of.get(g, ()) if allowed is None or it in allowed
            )
        for item in items:
            if item != by and item not in self.queued:
                self.queue.append(item)
                self.queued.add(item)

    def propagate(self) -> _Run:
        revisions = 0
        while self.queue and self.run.emptied is None:
            item = self.queue.popleft()
            self.queued.discard(item)
            revisions += 1
            if revisions > MAX_REVISIONS:
                break
            self._revise(self.statics.rule(item[1]), item)
        return self.run

    def _revise(self, rule: _Rule, item: Item) -> None:
        doms = {g: self.domain(g) for g in rule.scope}
        if self.run.emptied is not None:
            return
        # After the domains are read (reading one may apply its pseudo-rules, at the
        # step before): this revision's removals depend on removals of earlier steps.
        self.step += 1
        keeps: dict[int, Bools] = {}
        if rule.kind in ("excludes", "requires"):
            # Broken only when every group is: a group's unbroken labels are supported
            # as soon as another group can avoid its part too.
            free = [g for g in rule.scope if (doms[g] & ~rule.broken[g]).any()]
            if not free:
                keeps[rule.scope[0]] = ~rule.broken[rule.scope[0]]
            elif len(free) == 1:
                keeps[free[0]] = ~rule.broken[free[0]]
        elif rule.kind == "table":
            assert rule.rows is not None
            k = item[1]
            key = (k, *(doms[g].tobytes() for g in rule.scope))
            known = self.statics.table_keeps.get(key)
            if known is not None:
                for g, keep in zip(rule.scope, known, strict=True):
                    if keep is None:
                        continue  # keeps every label: changes nothing
                    self._narrow(g, keep, item)
                    if self.run.emptied is not None:
                        return
                return
            # Rows still possible, kept per table through the run: domains only shrink,
            # so each revision filters the rows left on the columns that changed since
            # (rows left by an earlier revision of this run stay a superset: the columns
            # changed since are filtered again).
            alive, seen_versions = self.tables.get(k, (None, {}))
            versions = {}
            for g in rule.scope:
                versions[g] = self.versions.get(g, 0)
                if alive is not None and seen_versions.get(g) == versions[g]:
                    continue
                codes = rule.codes[g][doms[g]]
                ok = np.zeros(rule.n_codes[g], dtype=bool)
                ok[codes[codes >= 0]] = True
                if ok.all():
                    continue
                column = rule.rows[:, rule.column[g]]
                if alive is None:
                    alive = np.flatnonzero(ok[column])
                else:
                    alive = alive[ok[column[alive]]]
            if alive is None:
                alive = np.arange(len(rule.rows))
            self.tables[k] = (alive, versions)
            for g in rule.scope:
                seen = np.zeros(rule.n_codes[g] + 1, dtype=bool)
                seen[rule.rows[alive, rule.column[g]]] = True
                # code -1 (several options) reads seen[-1], the spare slot: never set.
                keeps[g] = seen[rule.codes[g]]
            memo = self.statics.table_keeps
            if len(memo) >= TABLE_KEEPS:
                memo.clear()  # bounded: a long-lived process sees endless selections
            memo[key] = tuple(None if keeps[g].all() else keeps[g] for g in rule.scope)
        else:
            lows = {g: vs[doms[g]].min() for g, vs in rule.values.items()}
            highs = {g: vs[doms[g]].max() for g, vs in rule.values.items()}
            low, high = sum(lows.values()), sum(highs.values())
            for g, vs in rule.values.items():
                keep = np.ones(len(vs), dtype=bool)
                if rule.op in ("<=", "=="):
                    keep &= vs + (low - lows[g]) <= rule.target
                if rule.op in (">=", "=="):
                    keep &= vs + (high - highs[g]) >= rule.target
                keeps[g] = keep.astype(bool)
        for g, keep in keeps.items():
            self._narrow(g, keep, item)
            if self.run.emptied is not None:
                return


def _derivation(statics: Statics, run: _Run, group: int | None = None) -> list[Item]:
    """The items of the removals the emptied domain (or `group`'s domain as it ended)
    depends on, read backwards."""
    target = run.emptied if group is None else group
    assert target is not None
    need: dict[int, int] = {target: run.events[-1][2] if run.events else 0}
    items: list[Item] = []
    taken: set[Item] = set()
    for g, item, step in reversed(run.events):
        if step > need.get(g, -1):
            continue
        if item not in taken:
            taken.add(item)
            items.append(item)
        if item[0] == "rule":
            for h in statics.rule(item[1]).scope:
                if h != g and need.get(h, -1) < step - 1:
                    need[h] = step - 1
            # The same revision narrowed other groups first from the same domains: their
            # removals at this step are not needed for this one.
    return items


def _empties(statics: Statics, required: Mapping[int, int], items: Collection[Item]) -> bool:
    return _Propagation(statics, required, items).propagate().emptied is not None


def statics_of(
    cache: dict[object, object], index: Index, table_rows: Mapping[int, Ints]
) -> Statics:
    found = cache.get("arc-statics")
    if not isinstance(found, Statics):
        found = Statics(index, table_rows)
        cache["arc-statics"] = found
    return found


# Case splits a reason may take when propagation alone stops short (see `_refute`).
MAX_SPLITS = 64
SPLIT_DEPTH = 2


def _refute(
    statics: Statics,
    required: Mapping[int, int],
    fixed: Mapping[int, int],
    depth: int,
    budget: list[int],
) -> list[Item] | None:
    """Items under which `required` (with the groups of `fixed` held to those picks)
    cannot hold: a propagation's derivation, or, when propagation stops at a fixpoint,
    a split of the smallest open domain into its picks, each refuted in turn
    (recursively, up to `depth` splits deep and `budget` propagations in all). The split
    group's domain at the fixpoint is justified by its own derivation, so the union is
    sound. None: not refuted within the limits."""
    budget[0] -= 1
    if budget[0] < 0:
        return None
    run = _Propagation(statics, required, None, fixed).propagate()
    if run.emptied is not None:
        return _derivation(statics, run)
    if depth == 0:
        return None
    open_groups = sorted(
        (int(dom.sum()), g) for g, dom in run.domains.items() if g not in fixed and dom.sum() > 1
    )
    if not open_groups:
        return None
    _, split = open_groups[0]
    items = _derivation(statics, run, split)
    for label in np.flatnonzero(run.domains[split]):
        found = _refute(statics, required, {**fixed, split: int(label)}, depth - 1, budget)
        if found is None:
            return None
        items.extend(it for it in found if it not in items)
    return items


def propagated_core(statics: Statics, required: Mapping[int, int]) -> tuple[Item, ...] | None:
    """A sound rule reason for `required` (group -> option mask) being impossible, found
    by propagation and made irredundant for it (see the module docstring); None when
    propagation cannot empty a domain (ask the exact search)."""
    run = _Propagation(statics, required, None).propagate()
    if run.emptied is None:
        found = _refute(statics, required, {}, SPLIT_DEPTH, [MAX_SPLITS])
        if found is None:
            return None
        # Found through case splits: sound, not shrunk (each test would be a search).
        return tuple(sorted(found, key=lambda it: (it[0] != "rule", it[1], it[0])))
    items = _derivation(statics, run)
    # Drop what the derivation does not need. Oldest removals (closest to the literals,
    # the likeliest culprits) first, so QuickXplain settles the rest in a few tests.
    kept = quickxplain(list(reversed(items)), lambda trial: _empties(statics, required, trial))
    return tuple(sorted(kept, key=lambda it: (it[0] != "rule", it[1], it[0])))


def is_sound(statics: Statics, required: Mapping[int, int], items: Sequence[Item]) -> bool:
    """Whether propagation over `items` alone empties a domain (tests and callers)."""
    return _empties(statics, required, items)
