"""Why an option is excluded, or why selections conflict.

Two steps, both aiming at the smallest explanation that can be found cheaply:
1. Which current picks matter: deletion-based minimisation over the picks, each test an
   exact diagram query. The compile-time pair table answers the common case (one pick
   alone rules the option out) without any query.
2. Which rules matter: grow the rule set outward from the groups involved until a small
   exact search (backtracking over just those groups) finds the literals infeasible,
   then drop every rule not needed. Group cardinalities take part as pseudo-rules
   `min:<group>` and `max:<group>` (single-choice "max 1" is taken as given).
Results are cached per compiled product and process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from configurator.engine.compile import CompiledProduct
from configurator.engine.constraints import MAX_PICKS_PER_GROUP, Constraint, Index, Literal
from configurator.engine.model import Product

# Bound on the search behind one explanation test; past it the test counts as "not proven"
# and the explanation keeps the rule (so it may be less small, never wrong).
SEARCH_BUDGET = 20_000

Item = tuple[str, int]  # ("rule", constraint position) | ("min", group) | ("max", group)


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


def _domain(index: Index, g: int, low: int, high: int, required: int, memo: dict) -> list[int]:
    key = (g, low, high, required)
    picks = memo.get(key)
    if picks is None:
        if (low, high) == (index.mins[g], index.maxs[g]):
            base = index.picks[g]
        else:
            base = _subsets(len(index.option_codes[g]), low, high)
        picks = memo[key] = [p for p in base if p & required == required]
    return picks


def _subsets(n: int, low: int, high: int) -> list[int]:
    return [m for m in range(1 << n) if low <= m.bit_count() <= high]


def _relaxable_max(index: Index, g: int) -> bool:
    n = len(index.option_codes[g])
    return 1 < index.maxs[g] < n and (1 << n) <= MAX_PICKS_PER_GROUP


def feasible(
    index: Index, required: dict[int, int], items: Sequence[Item], memo: dict
) -> bool | None:
    """Can every group in play take a pick containing `required` with all `items` holding?
    Groups no item mentions are free (any pick). None: search budget exhausted."""
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
    groups = set(required) | mins | maxs | {g for c in rules for g in c.scope}
    domains = {}
    for g in groups:
        low = index.mins[g] if g in mins else 0
        high = (
            index.maxs[g]
            if g in maxs or not _relaxable_max(index, g)
            else len(index.option_codes[g])
        )
        if index.maxs[g] == 1:
            high = 1
        domains[g] = _domain(index, g, low, high, required.get(g, 0), memo)
        if not domains[g]:
            return False
    for c in rules:
        if not c.scope and not c.satisfied(()):
            return False
    # Variable order: most constrained first, then groups sharing rules with those placed.
    order: list[int] = []
    left = set(groups)
    while left:
        placed = set(order)
        g = min(
            left,
            key=lambda h: (
                -sum(1 for c in rules if h in c.scope and placed.intersection(c.scope)),
                len(domains[h]),
                h,
            ),
        )
        order.append(g)
        left.remove(g)
    depth_of = {g: d for d, g in enumerate(order)}
    checks: list[list[Constraint]] = [[] for _ in order]
    for c in rules:
        if c.scope:
            checks[max(depth_of[g] for g in c.scope)].append(c)
    picks = [0] * len(index.group_codes)
    budget = [SEARCH_BUDGET]

    def search(d: int) -> bool | None:
        if d == len(order):
            return True
        g = order[d]
        unknown = False
        for pick in domains[g]:
            budget[0] -= 1
            if budget[0] < 0:
                return None
            picks[g] = pick
            if all(c.satisfied(picks) for c in checks[d]):
                found = search(d + 1)
                if found:
                    return True
                if found is None:
                    unknown = True
                    break
        picks[g] = 0
        return None if unknown else False

    return search(0)


def _pseudo(index: Index, groups: set[int]) -> list[Item]:
    items: list[Item] = []
    for g in sorted(groups):
        if index.mins[g] > 0:
            items.append(("min", g))
        if _relaxable_max(index, g):
            items.append(("max", g))
    return items


def rule_core(compiled: CompiledProduct, lits: Sequence[Literal]) -> tuple[Item, ...]:
    """A small set of rules (and cardinality pseudo-rules) under which `lits` cannot all
    hold in a complete configuration. `lits` must be jointly infeasible."""
    key = ("core", frozenset(lits))
    cached = compiled.cache.get(key)
    if cached is not None:
        return cached
    index = compiled.index
    memo = compiled.cache.setdefault("domains", {})
    required: dict[int, int] = {}
    for g, o in lits:
        required[g] = required.get(g, 0) | 1 << o

    def infeasible(items: Sequence[Item]) -> bool:
        return feasible(index, required, items, memo) is False

    start = set(required)
    pseudo0 = _pseudo(index, start)
    core: list[Item] | None = None
    if infeasible(pseudo0):
        core = list(pseudo0)
    else:
        touching = [
            k for k, c in enumerate(index.constraints) if not c.scope or start.intersection(c.scope)
        ]
        touching.sort(key=lambda k: len(index.constraints[k].scope))
        for k in touching:  # the common case: one rule explains it
            items = [("rule", k)] + _pseudo(index, start | set(index.constraints[k].scope))
            if infeasible(items):
                core = items
                break
    if core is None:
        core = _grow(index, start, infeasible)
    core = _shrink(core, infeasible)
    result = tuple(sorted(core, key=lambda it: (it[0] != "rule", it[1], it[0])))
    compiled.cache[key] = result
    return result


def _grow(
    index: Index, start: set[int], infeasible: Callable[[Sequence[Item]], bool]
) -> list[Item]:
    """Add rules ring by ring around `start` until the literals become infeasible."""
    covered = set(start)
    active: list[Item] = _pseudo(index, covered)
    used: set[int] = set()
    while True:
        ring = [
            k
            for k, c in enumerate(index.constraints)
            if k not in used and (not c.scope or covered.intersection(c.scope))
        ]
        if not ring:
            ring = [k for k in range(len(index.constraints)) if k not in used]
            if not ring:
                return active
        new_groups = {g for k in ring for g in index.constraints[k].scope} - covered
        used.update(ring)
        covered |= new_groups
        active = active + [("rule", k) for k in ring] + _pseudo(index, new_groups)
        if infeasible(active):
            return active


def _shrink(items: list[Item], infeasible: Callable[[Sequence[Item]], bool]) -> list[Item]:
    """Deletion filter: drop each item the rest stays infeasible without."""
    core = list(items)
    for item in reversed(items):
        trial = [it for it in core if it != item]
        if infeasible(trial):
            core = trial
    return core


def minimal_support(
    compiled: CompiledProduct,
    candidates: Sequence[Literal],
    target: Literal,
    excluded_under: Callable[[frozenset[Literal], Literal], bool],
) -> list[Literal]:
    """A subset of `candidates` (oldest first) under which `target` stays excluded, with no
    pick that could be dropped. Prefers the most recent single pick when one suffices."""
    index = compiled.index
    gid = index.global_id(target)
    table = compiled.pair_excluded
    if table[-1, gid]:
        return []
    for lit in reversed(candidates):
        if table[index.global_id(lit), gid]:
            return [lit]
    support = list(candidates)
    for lit in candidates:
        trial = [s for s in support if s != lit]
        if excluded_under(frozenset(trial), target):
            support = trial
    return support
