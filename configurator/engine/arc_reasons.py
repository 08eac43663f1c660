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
   supports (excludes / requires exactly, tables on their minimised diagrams, sums by
   their bounds), and the rules of every group that shrank are revisited, until a
   domain runs empty (the literals are impossible) or nothing changes (propagation is
   not enough: the caller falls back to the exact search).
3. The reason is read backwards from the emptied domain: the rules that removed its
   picks, and, for each of those removals, the earlier removals in the domains the rule
   read. Those rules alone replay the same removals, so the set is *sound* (the literals
   are impossible under it); then every rule whose removal still leaves a derivation is
   dropped (QuickXplain; each test answered as one propagation over the set itself
   would answer it, most of them by continuing the propagation of a smaller set already
   tested: see `_Tests`).

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
from configurator.engine.tables import table_diagram

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


def _mask_of(bools: Bools) -> int:
    """The labels set in `bools` as the bits of an int (label i = bit i)."""
    return int.from_bytes(np.packbits(bools, bitorder="little").tobytes(), "little")


def _bools_of(mask: int, n: int) -> Bools:
    """The inverse of `_mask_of` for `n` labels."""
    raw = np.frombuffer(mask.to_bytes((n + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, count=n, bitorder="little").astype(bool)


def _labels(mask: int) -> list[int]:
    """The labels of `mask`, lowest first."""
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return found


@dataclass
class _Group:
    """A group's relaxed picks (every subset up to its relaxed maximum). Domains of
    labels are ints (label i = bit i): a revision is a few int operations, not numpy
    calls on arrays of a few dozen booleans."""

    masks: tuple[int, ...]
    sizes: Ints
    pseudo: tuple[Item, ...]  # its min/max pseudo-rules that exist
    # Each pseudo-rule's labels kept (None: it removes none), read once per group.
    pseudo_keeps: tuple[tuple[Item, int | None], ...] = ()
    full: int = 0  # every label


@dataclass
class _Rule:
    """One rule read per label of each scope group (labels index the relaxed picks)."""

    kind: str
    scope: tuple[int, ...]
    # excludes / requires: labels under which the group's part of the rule holds (the
    # rule fails exactly when no scope group's label does).
    unbroken: dict[int, int] = field(default_factory=dict)
    # table: its rows as a minimised layered diagram (tables.py), one level per column:
    # `levels[j]` is the column's group, `arcs[j][node]` the (next node, codes) pairs
    # leaving the node, codes as bits (code 0 = no pick, o + 1 = option o). A group's
    # label l is code l for l <= its options (no pick, then each single option: see
    # group_picks); the labels after those pick several options and match no row.
    levels: tuple[int, ...] = ()
    arcs: tuple[tuple[tuple[tuple[int, int], ...], ...], ...] = ()
    # The same arcs with each next node as its bit (1 << node), what the revision reads.
    bit_arcs: tuple[tuple[tuple[tuple[int, int], ...], ...], ...] = ()
    # Each level's position in `scope`, and its group's every label.
    level_at: tuple[int, ...] = ()
    level_full: tuple[int, ...] = ()
    scope_level: tuple[int, ...] = ()  # each scope group's level
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
        # The labels of group g holding `need` (an option mask): {(g, need): domain}.
        self._holding: dict[tuple[int, int], int] = {}
        # A table's (or sum's) revision depends only on its groups' domains: (rule,
        # each domain) -> labels kept per scope group it narrows, in the order applied.
        # Propagations of one reason (and of the next option's) revisit rules under
        # the same domains again and again.
        self.table_keeps: dict[tuple[int, ...], tuple[tuple[int, int], ...]] = {}
        by_group: dict[int, list[Item]] = {}
        for k, c in enumerate(index.constraints):
            for g in c.scope:
                by_group.setdefault(g, []).append(("rule", k))
        self.items_of = {g: tuple(items) for g, items in by_group.items()}
        self.scopes = [c.scope for c in index.constraints]
        # Each rule's share of `revision_bound`: its groups' labels, summed.
        self._weights: list[int] | None = None
        # Revisions of sums are not idempotent (see _Propagation._narrow).
        self.sums = frozenset(
            ("rule", k) for k, c in enumerate(index.constraints) if c.kind == "sum"
        )

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
                keeps.append((item, None if keep.all() else _mask_of(keep)))
            found = self._groups[g] = _Group(
                masks, sizes, tuple(pseudo), tuple(keeps), (1 << len(masks)) - 1
            )
        return found

    def revision_bound(self, allowed: Collection[Item]) -> int:
        """More revisions than a propagation over the rules of `allowed` can make: a
        rule is queued when a group of its scope is required or narrowed, and a group
        narrows at most once per label it has (the last one empties it and stops)."""
        weights = self._weights
        if weights is None:
            weights = self._weights = [
                sum(len(self.group(g).masks) for g in scope) for scope in self.scopes
            ]
        return sum(weights[item[1]] for item in allowed if item[0] == "rule")

    def items_within(self, allowed: Collection[Item]) -> dict[int, tuple[Item, ...]]:
        """`items_of` restricted to the rules of `allowed` (same order)."""
        found: dict[int, list[Item]] = {}
        for item in sorted(it for it in allowed if it[0] == "rule"):
            for g in self.scopes[item[1]]:
                found.setdefault(g, []).append(item)
        return {g: tuple(items) for g, items in found.items()}

    def read_all(self) -> None:
        """Read every group and rule now (a process loading the product calls it, so
        that no click pays for building the tables' diagrams)."""
        for g in range(len(self.index.group_codes)):
            self.group(g)
        for k in range(len(self.index.constraints)):
            self.rule(k)

    def holding(self, g: int, need: int) -> int:
        """The labels of group g whose picks contain the options of `need`."""
        found = self._holding.get((g, need))
        if found is None:
            found = 0
            for label, m in enumerate(self.group(g).masks):
                if m & need == need:
                    found |= 1 << label
            self._holding[(g, need)] = found
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
                rule.unbroken[g] = sum(1 << label for label, b in enumerate(broken) if not b)
        elif c.kind == "table":
            n_values = [len(codes) for codes in self.index.option_codes]
            for g in c.table_groups:  # labels 0..n are no pick, then each option alone
                masks = self.group(g).masks
                assert all(masks[o + 1] == 1 << o for o in range(n_values[g]))
            own_order = {g: j for j, g in enumerate(c.table_groups)}
            diagram = table_diagram(self.table_rows[k], c.table_groups, own_order, n_values)
            levels = sorted(diagram.column_of, key=diagram.column_of.__getitem__)
            arcs = []
            for child in diagram.child:
                per_node = []
                for row in child.tolist():
                    to: dict[int, int] = {}
                    for code, node in enumerate(row):
                        if node >= 0:
                            to[node] = to.get(node, 0) | 1 << code
                    per_node.append(tuple(to.items()))
                arcs.append(tuple(per_node))
            rule.levels, rule.arcs = tuple(levels), tuple(arcs)
            rule.bit_arcs = tuple(
                tuple(tuple((1 << node, codes) for node, codes in per) for per in level)
                for level in arcs
            )
            rule.level_at = tuple(c.scope.index(g) for g in levels)
            rule.level_full = tuple(self.group(g).full for g in levels)
            rule.scope_level = tuple(levels.index(g) for g in c.scope)
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
    """One propagation: domains (label bits), and the removals made (for the backward
    reading)."""

    domains: dict[int, int]
    events: list[tuple[int, Item, int]]  # (group, item, step) in step order
    emptied: int | None = None
    # False when MAX_REVISIONS stopped it short of a fixpoint.
    finished: bool = True


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
        # The rules read per group, in rule order (the order they are queued in).
        self.items_of = (
            statics.items_of if self.allowed is None else statics.items_within(self.allowed)
        )
        self.domains: dict[int, int] = {}
        self.run = _Run(self.domains, [])
        self.queue: deque[Item] = deque()
        self.queued: set[Item] = set()
        # The groups whose rules were queued (required or narrowed): only their rules
        # are ever revised (see _Tests).
        self.touched: set[int] = set()
        self.step = 0
        fixed = fixed or {}
        start = dict(required)
        for g in fixed:
            start.setdefault(g, 0)
        for g, need in start.items():
            dom = statics.holding(g, need)
            if g in fixed:
                dom &= 1 << fixed[g]
            self.domains[g] = dom
            if not dom:
                self.run.emptied = g
                return
            self._pseudo(g)
            if self.run.emptied is not None:
                return
            self._touched(g, None)

    def _pseudo(self, g: int) -> None:
        """Apply the group's min/max pseudo-rules (they read nothing else, once is enough).
        The group's rules are queued once after them: queueing after each one would
        queue nothing more (nothing is revised in between)."""
        allowed, domains, run = self.allowed, self.domains, self.run
        narrowed = False
        for item, keep in self.statics.group(g).pseudo_keeps:
            if keep is None or (allowed is not None and item not in allowed):
                continue  # (a rule that removes nothing changes nothing)
            dom = domains[g]
            if not dom & ~keep:
                continue
            domains[g] = dom & keep
            run.events.append((g, item, self.step))
            if not dom & keep:
                run.emptied = g
                return
            narrowed = True
        if narrowed:
            self._touched(g, None)

    def _first_read(self, g: int) -> int:
        """Group g's domain read for the first time: every label its pseudo-rules keep."""
        self.domains[g] = self.statics.group(g).full
        self._pseudo(g)
        return self.domains[g]

    def _narrow(self, g: int, keep: int, item: Item) -> None:
        dom = self.domains[g]
        if not dom & ~keep:
            return  # removes nothing
        new = dom & keep
        self.domains[g] = new
        self.run.events.append((g, item, self.step))
        if not new:
            self.run.emptied = g
            return
        # A sum's bounds revision is not idempotent (narrowing one group tightens the
        # others' bounds): it is revisited too; the other kinds reach their fixpoint at once.
        self._touched(g, None if item in self.statics.sums else item)

    def _touched(self, g: int, by: Item | None) -> None:
        self.touched.add(g)
        queued = self.queued
        new = [item for item in self.items_of.get(g, ()) if item not in queued and item != by]
        if new:
            self.queue.extend(new)
            queued.update(new)

    def propagate(self) -> _Run:
        revisions = 0
        queue, queued, run, rule = self.queue, self.queued, self.run, self.statics.rule
        while queue and run.emptied is None:
            item = queue.popleft()
            queued.discard(item)
            revisions += 1
            if revisions > MAX_REVISIONS:
                run.finished = False
                break
            self._revise(rule(item[1]), item)
        return run

    def extended(self, allowed: frozenset[Item]) -> _Propagation:
        """A propagation over `allowed` (a superset of this one's finished rules) that
        starts where this one ended, fixed point reached: only its new rules over touched
        groups are queued, and its new pseudo-rules applied to the groups already read.
        It ends as a propagation over `allowed` from scratch would (see _Tests); its
        events are only the new removals (no derivation is read from it)."""
        assert self.allowed is not None and self.run.emptied is None and self.run.finished
        old = self.allowed
        new = _Propagation.__new__(_Propagation)
        new.statics = self.statics
        new.allowed = set(allowed)
        # (The order rules are queued in does not change how it ends: see _Tests.)
        items_of = dict(self.items_of)
        scopes = self.statics.scopes
        for item in sorted(allowed - old):
            if item[0] == "rule":
                for g in scopes[item[1]]:
                    items_of[g] = (*items_of.get(g, ()), item)
        new.items_of = items_of
        new.domains = dict(self.domains)
        new.run = _Run(new.domains, [])
        new.queue = deque()
        new.queued = set()
        new.touched = set(self.touched)
        new.step = self.step
        for item in sorted(allowed - old):
            if item[0] != "rule" and item[1] in new.domains:
                keep = dict(self.statics.group(item[1]).pseudo_keeps).get(item)
                if keep is not None:
                    new._narrow(item[1], keep, item)
                    if new.run.emptied is not None:
                        return new
        for g in sorted(self.touched):
            for item in new.items_of.get(g, ()):
                if item not in old and item not in new.queued:
                    new.queue.append(item)
                    new.queued.add(item)
        return new

    def _revise(self, rule: _Rule, item: Item) -> None:
        domains = self.domains
        doms = []
        for g in rule.scope:
            dom = domains.get(g)
            doms.append(self._first_read(g) if dom is None else dom)
        if self.run.emptied is not None:
            return
        # After the domains are read (reading one may apply its pseudo-rules, at the
        # step before): this revision's removals depend on removals of earlier steps.
        self.step += 1
        if rule.kind in ("excludes", "requires"):
            # Broken only when every group is: a group's unbroken labels are supported
            # as soon as another group can avoid its part too.
            unbroken = rule.unbroken
            free = [g for g, dom in zip(rule.scope, doms, strict=True) if dom & unbroken[g]]
            if not free:
                self._narrow(rule.scope[0], unbroken[rule.scope[0]], item)
            elif len(free) == 1:
                self._narrow(free[0], unbroken[free[0]], item)
            return
        key = (item[1], *doms)
        memo = self.statics.table_keeps
        keeps = memo.get(key)
        if keeps is None:
            keeps = (
                self._table_keeps(rule, doms)
                if rule.kind == "table"
                else self._sum_keeps(rule, doms)
            )
            if len(memo) >= TABLE_KEEPS:
                memo.clear()  # bounded: a long-lived process sees endless selections
            memo[key] = keeps
        for g, keep in keeps:
            if domains[g] & ~keep:  # (else it removes nothing)
                self._narrow(g, keep, item)
                if self.run.emptied is not None:
                    return

    def _table_keeps(self, rule: _Rule, doms: list[int]) -> tuple[tuple[int, int], ...]:
        """Generalised arc consistency on the table's diagram: a code is kept where an
        arc carrying it lies on a root-to-accept path through codes the domains allow,
        i.e. where some row consistent with every domain has it (the same answer as
        filtering the rows, in time of the diagram's arcs, not its rows). Nodes are
        bits of ints (`_Rule.bit_arcs`): a level's reached nodes are one int."""
        allowed = [doms[at] for at in rule.level_at]
        levels = rule.bit_arcs
        # Forward: the nodes of each level some allowed path from the root reaches.
        reach = [1]
        nodes = 1
        for arcs, ok in zip(levels, allowed, strict=True):
            nxt = 0
            while nodes:
                low = nodes & -nodes
                nodes ^= low
                for bit, codes in arcs[low.bit_length() - 1]:
                    if codes & ok:
                        nxt |= bit
            reach.append(nxt)
            nodes = nxt
        # Backward from the accepting node (0), over reached nodes only: the codes of
        # arcs into nodes that reach it.
        kept = [0] * len(levels)
        ahead = reach[-1] & 1
        for j in range(len(levels) - 1, -1, -1):
            ok, arcs = allowed[j], levels[j]
            nodes, back, codes_kept = reach[j], 0, 0
            while nodes:
                low = nodes & -nodes
                nodes ^= low
                for bit, codes in arcs[low.bit_length() - 1]:
                    if ahead & bit and codes & ok:
                        back |= low
                        codes_kept |= codes
            ahead = back
            kept[j] = codes_kept & ok  # (codes are labels, see _Rule)
        # In scope order, as the revision applies them.
        full = rule.level_full
        return tuple(
            (g, kept[j])
            for g, j in zip(rule.scope, rule.scope_level, strict=True)
            if kept[j] != full[j]
        )

    def _sum_keeps(self, rule: _Rule, doms: list[int]) -> tuple[tuple[int, int], ...]:
        dom_of = dict(zip(rule.scope, doms, strict=True))
        inside = {g: vs[_bools_of(dom_of[g], len(vs))] for g, vs in rule.values.items()}
        lows = {g: vs.min() for g, vs in inside.items()}
        highs = {g: vs.max() for g, vs in inside.items()}
        low, high = sum(lows.values()), sum(highs.values())
        keeps = []
        for g, vs in rule.values.items():
            keep = np.ones(len(vs), dtype=bool)
            if rule.op in ("<=", "=="):
                keep &= vs + (low - lows[g]) <= rule.target
            if rule.op in (">=", "=="):
                keep &= vs + (high - highs[g]) >= rule.target
            mask = _mask_of(keep.astype(bool))
            if mask != self.statics.group(g).full:
                keeps.append((g, mask))
        return tuple(keeps)


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


class _Tests:
    """QuickXplain's tests for one core (`_empties` over a subset of rules), answered
    without propagating each subset from scratch, and always as `_empties` would.

    Why the answers are the same: a propagation over a rule set S revises exactly the
    rules of S over touched groups (required or narrowed ones), each until it removes
    nothing more. What it ends with (the removals, the touched groups) is the least
    state closed under those revisions: every revision only removes more when the
    domains are smaller and more groups touched, so the end does not depend on the
    order of the revisions, only on S; and it grows with S. Hence, as long as no
    propagation over S can be cut short by MAX_REVISIONS (`Statics.revision_bound`):
    - S empties a domain when a subset of S already did; it does not when a superset
      did not;
    - a propagation over S may start where one over a subset ended (`extended`): the
      same end, with only the rules the subset did not have revised.
    Sets whose bound reaches MAX_REVISIONS are propagated from scratch, as before."""

    def __init__(
        self,
        statics: Statics,
        required: Mapping[int, int],
        *,
        within: Collection[Item] | None = None,
    ) -> None:
        """`within`: every set asked is a subset of it (QuickXplain's items), so that one
        bound, the whole's, covers them all."""
        self.statics = statics
        self.required = required
        self.bounded = within is not None and statics.revision_bound(within) <= MAX_REVISIONS
        self.emptying: list[frozenset[Item]] = []
        self.ended: list[tuple[frozenset[Item], _Propagation]] = []

    def empties(self, items: Collection[Item]) -> bool:
        trial = frozenset(items)
        if not self.bounded and self.statics.revision_bound(trial) > MAX_REVISIONS:
            return _empties(self.statics, self.required, trial)
        if any(known <= trial for known in self.emptying):
            return True
        start: _Propagation | None = None
        largest = -1
        for known, ended in self.ended:
            if trial <= known:
                return False
            if known <= trial and len(known) > largest:
                start, largest = ended, len(known)
        if start is None:
            propagation = _Propagation(self.statics, self.required, trial)
        else:
            propagation = start.extended(trial)
        run = propagation.propagate()
        if not run.finished:  # (the bound says it cannot happen; answer as before if it does)
            return _empties(self.statics, self.required, trial)
        if run.emptied is not None:
            self.emptying.append(trial)
            return True
        self.ended.append((trial, propagation))
        return False


# The key of a product's Statics in its per-process cache (CompiledProduct.cache).
STATICS_KEY = "arc-statics"


def statics_of(
    cache: dict[object, object], index: Index, table_rows: Mapping[int, Ints]
) -> Statics:
    found = cache.get(STATICS_KEY)
    if not isinstance(found, Statics):
        found = Statics(index, table_rows)
        cache[STATICS_KEY] = found
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
        (dom.bit_count(), g)
        for g, dom in run.domains.items()
        if g not in fixed and dom.bit_count() > 1
    )
    if not open_groups:
        return None
    _, split = open_groups[0]
    items = _derivation(statics, run, split)
    for label in _labels(run.domains[split]):
        found = _refute(statics, required, {**fixed, split: label}, depth - 1, budget)
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
    kept = quickxplain(list(reversed(items)), _Tests(statics, required, within=items).empties)
    return tuple(sorted(kept, key=lambda it: (it[0] != "rule", it[1], it[0])))


def is_sound(statics: Statics, required: Mapping[int, int], items: Sequence[Item]) -> bool:
    """Whether propagation over `items` alone empties a domain (tests and callers)."""
    return _empties(statics, required, items)
