"""Compile a product into a layered multi-valued decision diagram (MDD).

Layer i decides group `order[i]`; an edge's label is one allowed pick of that group (an
index into `Index.picks[group]`). Every root-to-terminal path is exactly one complete
valid configuration, and every node lies on such a path (dead ends are pruned).

Nodes are built top-down. A node's state holds only the partial status of the rules and
price rules whose scope straddles its boundary, so equal futures merge:
- requires / excludes / price rule: "still pending" or done (None);
- table: the set of row suffixes still possible over the groups not yet decided;
- sum: the running total, or done once no completion can break the limit.
A price rule is charged on the edge that completes it, so path cost = exact price.
Finally equivalent nodes (same outgoing labels, costs and targets) are merged bottom-up.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from configurator.engine.constraints import Constraint, Index, PriceTerm, compare
from configurator.engine.errors import DiagramTooLarge
from configurator.engine.tables import compile_table

DEAD = object()  # sentinel: this edge breaks a rule
REQUIRES, EXCLUDES, TABLE, SUM, PRICE, CARRY = range(6)

# A node's state: one slot per open item, each None (done), True (pending), a running sum,
# a table's row suffixes (frozenset) or its node in the table's diagram: mixed by design.
State = tuple[Any, ...]
Pick = tuple[int, int, int]  # (label, mask, cost of its options)
# One item's work at a layer: (kind, item, slot before, slot after, effect of each pick).
Operation = tuple[int, int, int, int, list[int] | None]
Plan = tuple[list[Pick], list[Operation], int]  # picks, operations, next state's width
Edge = tuple[int, int, int, int]  # (source node, label, target node, cost)
# Shared by the small diagrams of one product's explanations (see _Builder): keyed by
# ("bounds" | "table" | "labels" | "effects", ...).
Memo = dict[tuple[object, ...], Any]


@dataclass(frozen=True)
class Layer:
    group: int
    n_src: int
    n_dst: int
    src: np.ndarray  # int32, edges sorted by src
    dst: np.ndarray  # int32
    label: np.ndarray  # int32, index into Index.picks[group]
    cost: np.ndarray  # int64 (or object if amounts are huge): option prices + price rules
    starts: np.ndarray  # first edge of each source node (every node has an edge)
    label_options: np.ndarray  # bool (n_picks, n_options): options in each pick
    # Edges grouped by target node and by label, for the minimum-change passes
    # (resolutions.py): reduceat over a permutation instead of a scatter per click.
    in_order: np.ndarray  # edge ids sorted by dst
    in_starts: np.ndarray  # first position in in_order of each dst node
    by_label: np.ndarray  # edge ids sorted by label
    label_starts: np.ndarray  # first position in by_label of each label in label_ids
    label_ids: np.ndarray  # labels present in the layer, ascending
    shifted: np.ndarray  # cost - floor: never negative, so (changes, price) pack into one key
    floor: int  # least edge cost of the layer


@dataclass(frozen=True)
class Diagram:
    order: tuple[int, ...]  # group index of each layer
    layers: tuple[Layer, ...]
    empty: bool
    built_edges: int = 0  # edges of the top-down pass before reduction (order search)

    @property
    def n_nodes(self) -> int:
        return 1 + sum(layer.n_dst for layer in self.layers)

    @property
    def n_edges(self) -> int:
        return sum(len(layer.src) for layer in self.layers)


def _label_effect(item: Constraint | PriceTerm, kind: int, group: int, mask: int) -> int:
    """What one pick of `group` tells the item, independent of the state before it."""
    if kind == REQUIRES:
        rule = cast(Constraint, item)
        fails_if = any(not mask >> o & 1 for g, o in rule.if_ if g == group)
        hits_then = any(mask >> o & 1 for g, o in rule.then if g == group)
        return fails_if or hits_then
    if kind in (EXCLUDES, PRICE):
        lits = cast(Constraint, item).all if kind == EXCLUDES else cast(PriceTerm, item).when
        return all(mask >> o & 1 for g, o in lits if g == group)
    if kind == TABLE:
        if mask == 0:
            return -1
        if mask & (mask - 1):
            return -2  # several options: no row can match
        return mask.bit_length() - 1
    contrib = cast(Constraint, item).contrib
    return sum(
        v for g, values in contrib if g == group for o, v in enumerate(values) if mask >> o & 1
    )


def _kind(item: Constraint | PriceTerm) -> int:
    if isinstance(item, PriceTerm):
        return PRICE
    return {"requires": REQUIRES, "excludes": EXCLUDES, "table": TABLE, "sum": SUM}[item.kind]


def _sum_bounds(index: Index, item: Constraint) -> dict[int, tuple[int, int]]:
    """Smallest and largest contribution each scope group can make over its allowed picks."""
    bounds = {}
    for g, values in item.contrib:
        totals = [sum(v for o, v in enumerate(values) if m >> o & 1) for m in index.picks[g]]
        bounds[g] = (min(totals), max(totals)) if totals else (0, 0)
    return bounds


@dataclass(frozen=True)
class Budget:
    """What compiling one product may take before publishing is refused: nodes of the
    top-down pass, an estimate of their memory, and wall-clock seconds."""

    max_nodes: int = 3_000_000
    max_bytes: int = 1_500_000_000
    max_seconds: float = 120.0


# Bytes the top-down pass holds per edge and per node state (Python tuples and ints).
EDGE_BYTES, STATE_BYTES = 120, 400


def build_diagram_objects(
    index: Index,
    order: tuple[int, ...],
    *,
    max_edges: int | None = None,
    budget: Budget | None = None,
) -> Diagram | None:
    """Build, prune and reduce the diagram of `index` with layers in `order` from Python
    tuples per node; None if the top-down pass needs more than `max_edges` edges.
    `layered.build_diagram` builds the same diagram with arrays and falls back to this
    one only when sums or prices leave int64's safe range.

    Raises `DiagramTooLarge` when the pass exceeds `budget`, naming the groups whose rules
    are open at the layer where it happened."""
    built = _top_down(index, order, max_edges=max_edges, budget=budget)
    if built is None:
        return None
    raw_layers, n_nodes, constant_violation = built
    return _finish(index, order, raw_layers, n_nodes, constant_violation)


def has_configuration_objects(
    index: Index, order: tuple[int, ...], memo: Memo | None = None
) -> bool:
    """Whether any complete valid configuration exists: depth-first over the same states,
    remembering dead ones, so a feasible answer usually needs one dive."""
    builder = _Builder(index, order, memo, compact=True)
    if builder.constant_violation:
        return False
    n = len(order)
    dead: list[set[State]] = [set() for _ in range(n)]

    def dive(i: int, state: State) -> bool:
        if i == n:
            return True
        if state in dead[i]:
            return False
        plan = builder.plan(i)
        for li in range(len(plan[0])):
            step = builder.advance(i, state, li, plan)
            if step is not None and dive(i + 1, step[0]):
                return True
        dead[i].add(state)
        return False

    return dive(0, ())


class _Builder:
    """The transition function of the diagram: from a node's state and one pick of the
    next group to the next node's state (or None when the pick breaks a rule)."""

    def __init__(
        self,
        index: Index,
        order: tuple[int, ...],
        memo: Memo | None = None,
        *,
        compact: bool = False,
    ) -> None:
        """`compact`: a table's state is its node in the table's own minimised diagram
        (tables.py: one lookup per pick) instead of the set of row suffixes left (the
        reference reading, kept for `build_diagram_objects`)."""
        self.index, self.order = index, order
        self.compact = compact
        # Pick effects and sum bounds depend only on (rule, group, picks): explanation
        # searches build many small diagrams of one product and share them through `memo`.
        self.memo: Memo = {} if memo is None else memo
        n = len(order)
        position = {g: p for p, g in enumerate(order)}
        items: list[Constraint | PriceTerm] = []
        self.constant_violation = False
        for c in index.constraints:
            if c.scope:
                items.append(c)
            elif not c.satisfied(tuple(0 for _ in order)):
                self.constant_violation = True
        items.extend(t for t in index.price_terms if t.scope)
        self.items = items
        self.kinds = kinds = [_kind(it) for it in items]
        self.first = [min(position[g] for g in it.scope) for it in items]
        self.last = [max(position[g] for g in it.scope) for it in items]
        # Remaining sum bounds after each layer, to close sum rules early (state merging).
        self.sum_rest: dict[int, list[tuple[int, int]]] = {}
        for k, it in enumerate(items):
            if kinds[k] == SUM:
                rule = cast(Constraint, it)
                key = ("bounds", id(rule), tuple(id(index.picks[g]) for g, _ in rule.contrib))
                bounds = self.memo.get(key)
                if bounds is None:
                    bounds = self.memo[key] = _sum_bounds(index, rule)
                rest, lo, hi = [(0, 0)] * n, 0, 0
                for p in range(n - 1, -1, -1):
                    rest[p] = (lo, hi)
                    b = bounds.get(order[p])
                    if b:
                        lo, hi = lo + b[0], hi + b[1]
                self.sum_rest[k] = rest
        self._position = position
        self._initial: list[Any] | None = None
        self.table_cache: dict[tuple[int, Any, int], frozenset[tuple[int, ...]]] = {}
        self._plans: dict[int, Plan] = {}

    def table_levels(self, i: int, k: int) -> tuple[np.ndarray, int]:
        """(transition array, column) of table item k at layer i, compact reading."""
        item = cast(Constraint, self.items[k])
        groups = tuple(sorted(item.table_groups, key=self._position.__getitem__))
        key = ("table", id(item), groups)
        table = self.memo.get(key)
        if table is None:
            n_values = [len(codes) for codes in self.index.option_codes]
            table = self.memo[key] = compile_table(item, self._position, n_values)
        column = table.column_of[self.order[i]]
        return table.child[column], column

    @property
    def initial_values(self) -> list[Any]:
        """Each item's state before its first group: a table's full row set (in layer
        order), a sum's zero, a pending flag otherwise. Built on first use (the array
        builder never needs the row sets)."""
        if self._initial is None:
            position, kinds = self._position, self.kinds
            values: list[Any] = []
            for k, it in enumerate(self.items):
                if kinds[k] == TABLE and self.compact:
                    values.append(0)
                elif kinds[k] == TABLE:
                    table = cast(Constraint, it)
                    perm = sorted(
                        range(len(table.table_groups)),
                        key=lambda j: position[table.table_groups[j]],
                    )
                    values.append(frozenset(tuple(row[j] for j in perm) for row in table.rows))
                else:
                    values.append(0 if kinds[k] == SUM else True)
            self._initial = values
        return self._initial

    def slots(self, i: int) -> list[int]:
        """Items whose state a node after layer i carries."""
        return [k for k in range(len(self.items)) if self.first[k] <= i < self.last[k]]

    def plan(self, i: int) -> Plan:
        """(picks as (pick, mask, cost), per-item operations, next state width) of layer i."""
        found = self._plans.get(i)
        if found is not None:
            return found
        index, g = self.index, self.order[i]
        items, kinds = self.items, self.kinds
        touching = {
            k for k, it in enumerate(items) if self.first[k] <= i <= self.last[k] and g in it.scope
        }
        next_slots = self.slots(i)
        slot_of_next = {k: s for s, k in enumerate(next_slots)}
        slot_of_prev = {k: s for s, k in enumerate(self.slots(i - 1))} if i else {}
        key: tuple[object, ...] = ("labels", g, id(index.picks[g]))
        labels = self.memo.get(key)
        if labels is None:
            labels = self.memo[key] = [
                (lab, mask, sum(c for o, c in enumerate(index.option_costs[g]) if mask >> o & 1))
                for lab, mask in enumerate(index.picks[g])
            ]
        ops: list[Operation] = []
        for k in sorted(touching | set(next_slots)):
            src, dst = slot_of_prev.get(k, -1), slot_of_next.get(k, -1)
            if k in touching:
                key = ("effects", id(items[k]), g, id(index.picks[g]))
                effects = self.memo.get(key)
                if effects is None:
                    effects = [_label_effect(items[k], kinds[k], g, mask) for _, mask, _ in labels]
                    self.memo[key] = effects
                ops.append((kinds[k], k, src, dst, effects))
            else:
                ops.append((CARRY, k, src, dst, None))
        found = self._plans[i] = (labels, ops, len(next_slots))
        return found

    def advance(
        self, i: int, state: State, li: int, plan: Plan | None = None
    ) -> tuple[State, int] | None:
        """(next state, edge cost) after taking pick `li` of layer i from `state`."""
        labels, ops, width = plan or self.plan(i)
        new: list[Any] = [None] * width
        cost = labels[li][2]
        for kind, k, src, dst, effects in ops:
            value = state[src] if src >= 0 else self.initial_values[k]
            if effects is None:  # CARRY: the only operation without pick effects
                new[dst] = value
                continue
            effect = effects[li]
            if kind == REQUIRES or kind == EXCLUDES or kind == PRICE:
                # requires: done once an `if` fails or a `then` holds;
                # excludes/price: done once one literal fails.
                if value is not None and (kind == REQUIRES) == bool(effect):
                    value = None
                if dst < 0:
                    if value is not None:
                        if kind != PRICE:
                            return None
                        cost += cast(PriceTerm, self.items[k]).amount
                    continue
            elif kind == TABLE and self.compact:
                if effect == -2:
                    return None
                level, column = self.table_levels(i, k)
                nxt = int(level[value, effect + 1])
                if nxt < 0:
                    return None
                if dst < 0:
                    continue
                value = nxt
            elif kind == TABLE:
                key = (k, value, effect)
                rows = self.table_cache.get(key)
                if rows is None:
                    rows = self.table_cache[key] = frozenset(r[1:] for r in value if r[0] == effect)
                if not rows:
                    return None
                if dst < 0:
                    continue
                value = rows
            else:  # SUM
                it = cast(Constraint, self.items[k])
                if value is not None:
                    total = value + effect
                    lo, hi = self.sum_rest[k][i]
                    if it.op == "<=":
                        always, never = total + hi <= it.target, total + lo > it.target
                    elif it.op == ">=":
                        always, never = total + lo >= it.target, total + hi < it.target
                    else:
                        always = lo == hi == 0 and total == it.target
                        never = not total + lo <= it.target <= total + hi
                    if never:
                        return None
                    value = None if always else total
                if dst < 0:
                    if value is not None and not compare(value, it.op, it.target):
                        return None
                    continue
            new[dst] = value
        return tuple(new), cost


def _top_down(
    index: Index,
    order: tuple[int, ...],
    *,
    max_edges: int | None = None,
    budget: Budget | None = None,
) -> tuple[list[list[Edge]], list[int], bool] | None:
    """Layer by layer from the root: the edges (src, pick, dst, cost) and node counts;
    None once more than `max_edges` edges were needed."""
    builder = _Builder(index, order)
    started = time.perf_counter()
    base_rss = rss()
    total_nodes = total_edges = 0
    states: list[State] = [()]
    raw_layers: list[list[Edge]] = []
    n_nodes = [1]
    for i in range(len(order)):
        plan = builder.plan(i)
        labels = plan[0]
        advance = builder.advance
        edges: list[Edge] = []
        next_states: dict[State, int] = {}
        for u, state in enumerate(states):
            if budget is not None and u % 1024 == 1023:
                # Within a layer too: one layer alone can outgrow the machine.
                _check_budget(
                    builder,
                    budget,
                    i,
                    total_nodes + len(next_states),
                    total_edges + len(edges),
                    time.perf_counter() - started,
                    base_rss,
                )
            for li, (lab, _mask, _cost) in enumerate(labels):
                step = advance(i, state, li, plan)
                if step is None:
                    continue
                key, cost = step
                v = next_states.get(key)
                if v is None:
                    v = next_states[key] = len(next_states)
                edges.append((u, lab, v, cost))
        raw_layers.append(edges)
        n_nodes.append(len(next_states))
        total_nodes += len(next_states)
        total_edges += len(edges)
        if budget is not None:
            _check_budget(
                builder,
                budget,
                i,
                total_nodes,
                total_edges,
                time.perf_counter() - started,
                base_rss,
            )
        if max_edges is not None:
            max_edges -= len(edges)
            if max_edges < 0:
                return None
        if not next_states:
            break  # no path survives
        states = list(next_states)
    while len(raw_layers) < len(order):
        raw_layers.append([])
        n_nodes.append(0)
    return raw_layers, n_nodes, builder.constant_violation


def rss() -> int | None:
    """Resident memory of this process in bytes (Linux), None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _check_budget(
    builder: _Builder,
    budget: Budget,
    i: int,
    nodes: int,
    edges: int,
    seconds: float,
    base_rss: int | None,
) -> None:
    memory = nodes * STATE_BYTES + edges * EDGE_BYTES
    now = rss()
    if now is not None and base_rss is not None:
        # Table states (sets of row suffixes) are far larger than the estimate: measure.
        memory = max(memory, now - base_rss)
    if nodes <= budget.max_nodes and memory <= budget.max_bytes and seconds <= budget.max_seconds:
        return
    raise budget_error(builder, budget, i, nodes, memory, seconds)


def budget_error(
    builder: _Builder, budget: Budget, i: int, nodes: int, memory: int, seconds: float
) -> DiagramTooLarge:
    """The refusal of an order that went over `budget` at layer i, naming the groups most
    read by the rules still open there."""
    index = builder.index
    open_items = [builder.items[k] for k in builder.slots(i)]
    weight: dict[int, int] = {}
    for item in open_items:
        for g in item.scope:
            weight[g] = weight.get(g, 0) + 1
    groups = tuple(index.group_codes[g] for g in sorted(weight, key=lambda g: -weight[g])[:12])
    over = (
        f"{nodes:,} nodes (budget {budget.max_nodes:,})"
        if nodes > budget.max_nodes
        else f"~{memory // 2**20:,} MB (budget {budget.max_bytes // 2**20:,} MB)"
        if memory > budget.max_bytes
        else f"{seconds:.0f} s (budget {budget.max_seconds:.0f} s)"
    )
    return DiagramTooLarge(
        f"the product's rules are too intertwined to compile: after {i + 1} of "
        f"{len(builder.order)} groups the diagram already takes {over}; "
        f"{len(open_items)} rules are still open there, most over the groups "
        f"{', '.join(groups)}. Split or simplify the rules linking these groups.",
        groups,
    )


def _finish(
    index: Index,
    order: tuple[int, ...],
    raw: list[list[tuple[int, int, int, int]]],
    n_nodes: list[int],
    constant_violation: bool,
) -> Diagram:
    """Drop nodes that cannot reach the terminal, merge equivalent nodes, pack as arrays."""
    n = len(order)
    # Bottom-up: live nodes of boundary i+1 and their canonical ids.
    canon_next: dict[int, int] = {0: 0} if n_nodes[n] and not constant_violation else {}
    packed: list[tuple[list[int], list[int], list[int], list[int], int, int]] = []
    for i in range(n - 1, -1, -1):
        out: dict[int, list[tuple[int, int, int]]] = {}
        for u, lab, v, cost in raw[i]:
            cv = canon_next.get(v)
            if cv is not None:
                out.setdefault(u, []).append((lab, cost, cv))
        n_dst = len(set(canon_next.values()))
        signatures: dict[tuple[tuple[int, int, int], ...], int] = {}
        canon: dict[int, int] = {}
        for u in sorted(out):
            sig = tuple(sorted(out[u]))
            canon[u] = signatures.setdefault(sig, len(signatures))
        src, dst, label, costs = [], [], [], []
        for sig, cu in signatures.items():
            for lab, cost, cv in sig:
                src.append(cu)
                dst.append(cv)
                label.append(lab)
                costs.append(cost)
        packed.append((src, dst, label, costs, len(signatures), n_dst))
        canon_next = canon
    packed.reverse()
    empty = not canon_next or any(not p[0] for p in packed)
    bound = sum(max((abs(c) for c in p[3]), default=0) for p in packed) + abs(index.base_cost)
    cost_dtype = np.int64 if bound < 2**62 else object
    layers = []
    for i, (src, dst, label, costs, n_src, n_dst) in enumerate(packed):
        g = order[i]
        picks = index.picks[g]
        n_opts = len(index.option_codes[g])
        label_options = np.zeros((len(picks), n_opts), dtype=bool)
        for lab, mask in enumerate(picks):
            for o in range(n_opts):
                label_options[lab, o] = bool(mask >> o & 1)
        if empty:
            src, dst, label, costs, n_src, n_dst = [], [], [], [], 1 if i == 0 else 0, 0
        src_a = np.asarray(src, dtype=np.int32)
        layers.append(
            make_layer(
                group=g,
                n_src=n_src,
                n_dst=n_dst,
                src=src_a,
                dst=np.asarray(dst, dtype=np.int32),
                label=np.asarray(label, dtype=np.int32),
                cost=np.asarray(costs, dtype=cost_dtype),
                label_options=label_options,
            )
        )
    return Diagram(
        order=order, layers=tuple(layers), empty=empty, built_edges=sum(len(r) for r in raw)
    )


def make_layer(
    *,
    group: int,
    n_src: int,
    n_dst: int,
    src: np.ndarray,
    dst: np.ndarray,
    label: np.ndarray,
    cost: np.ndarray,
    label_options: np.ndarray,
) -> Layer:
    """A layer from its edges (sorted by `src`), with the groupings the passes read."""
    starts = np.searchsorted(src, np.arange(n_src)).astype(np.int64)
    in_order = np.argsort(dst, kind="stable").astype(np.int32)
    in_starts = np.searchsorted(dst[in_order], np.arange(n_dst)).astype(np.int64)
    by_label = np.argsort(label, kind="stable").astype(np.int32)
    sorted_labels = label[by_label]
    label_ids, label_starts = np.unique(sorted_labels, return_index=True)
    floor = int(cost.min()) if len(cost) else 0
    return Layer(
        group=group,
        n_src=n_src,
        n_dst=n_dst,
        src=src,
        dst=dst,
        label=label,
        cost=cost,
        starts=starts,
        label_options=label_options,
        in_order=in_order,
        in_starts=in_starts,
        by_label=by_label,
        label_starts=label_starts.astype(np.int64),
        label_ids=label_ids.astype(np.int32),
        shifted=cost - floor,
        floor=floor,
    )
