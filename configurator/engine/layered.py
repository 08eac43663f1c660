"""Build the decision diagram with arrays per layer: no Python object per node.

Same diagram as `diagram._Builder` describes (same rule states, same transitions, same
reduced result), computed a layer at a time over every node at once:

- a node's state is one row of an int64 array, one column per open rule: 1/0 for a
  pending/closed requires, excludes or price rule, the running total (or `DONE`) of a
  sum, and for a table the node id in that table's own minimised row diagram (equal sets
  of row suffixes share one id, so states merge exactly as the sets did);
- one pick of the layer's group is applied to all rows in a few numpy operations;
- equal next states are merged as they are made: rows are hashed to 64 bits, and rows
  sharing a hash are compared in full, so a hash collision can never merge two states;
- the bottom-up pass (drop dead ends, merge nodes with equal outgoing edges) is the same
  hash-then-compare on sorted edge lists.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import cast

import numpy as np

from configurator.engine.constraints import Constraint, Index, PriceTerm
from configurator.engine.diagram import (
    EXCLUDES,
    PRICE,
    REQUIRES,
    SUM,
    TABLE,
    Budget,
    Diagram,
    Memo,
    Operation,
    _Builder,
    budget_error,
    build_diagram_objects,
    has_configuration_objects,
    make_layer,
    rss,
)
from configurator.engine.tables import TableDiagram

# One layer of the top-down pass: (src, label, dst, cost) arrays, an entry per edge.
RawLayer = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

DONE = np.iinfo(np.int64).min  # a sum that no completion can break any more
LIMIT = 2**61  # totals and prices beyond this are left to the object builder (exact ints)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_MIX3 = np.uint64(0x94D049BB133111EB)


# Layers with at most this many (node, pick) pairs are built in one set of array
# operations; wider ones pick by pick (copying unchanged columns once per pick is cheaper
# there than repeating them for every pick).
VECTOR_ROWS = 1 << 16

# Feasibility of rule sets whose tables hold at most this many rows in all is decided by
# depth-first search (has_configuration_objects), beyond by the top-down array pass.
SEARCH_ROWS = 2_000


class Collision(Exception):
    """Two different rows shared a 64-bit hash (never seen; handled by the caller)."""


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a good 64-bit avalanche, vectorised."""
    x = x.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= _MIX2
    x ^= x >> np.uint64(27)
    x *= _MIX3
    x ^= x >> np.uint64(31)
    return x


def _row_hash(rows: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = np.full(len(rows), 0x2545F4914F6CDD1D, dtype=np.uint64)
        for c in range(rows.shape[1]):
            h = _mix((h ^ rows[:, c].view(np.uint64)) * _MIX)
    return h


class _Dedup:
    """Ids for distinct rows, assigned as rows arrive in chunks (exact: hash, then compare)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.hashes = np.empty(0, dtype=np.uint64)  # sorted
        self.hash_ids = np.empty(0, dtype=np.int64)
        self.rows = np.empty((1024, width), dtype=np.int64)
        self.count = 0

    def add(self, rows: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Ids of `rows` (hashed to `h`), new rows getting the next ids."""
        if len(rows) == 0:
            return np.empty(0, dtype=np.int64)
        uh, first, inv = np.unique(h, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        if self.width and not np.array_equal(rows, rows[first[inv]]):
            raise Collision
        pos = np.searchsorted(self.hashes, uh)
        pos_c = np.minimum(pos, max(len(self.hashes) - 1, 0))
        found = (
            (pos < len(self.hashes)) & (self.hashes[pos_c] == uh)
            if len(self.hashes)
            else (np.zeros(len(uh), dtype=bool))
        )
        ids = np.empty(len(uh), dtype=np.int64)
        if found.any():
            known = self.hash_ids[pos_c[found]]
            if self.width and not np.array_equal(self.rows[known], rows[first[found]]):
                raise Collision
            ids[found] = known
        fresh = ~found
        n_new = int(fresh.sum())
        if n_new:
            ids[fresh] = np.arange(self.count, self.count + n_new)
            need = self.count + n_new
            if need > len(self.rows):
                grown = np.empty((max(need, 2 * len(self.rows)), self.width), dtype=np.int64)
                grown[: self.count] = self.rows[: self.count]
                self.rows = grown
            self.rows[self.count : need] = rows[first[fresh]]
            self.count = need
            merged = np.concatenate([self.hashes, uh[fresh]])
            merged_ids = np.concatenate([self.hash_ids, ids[fresh]])
            order = np.argsort(merged, kind="stable")
            self.hashes, self.hash_ids = merged[order], merged_ids[order]
        return ids[inv]

    def states(self) -> np.ndarray:
        return self.rows[: self.count]


def fits(index: Index) -> bool:
    """Whether sums and prices stay far inside int64 (else the object builder is used)."""
    prices = sum(max((abs(c) for c in costs), default=0) for costs in index.option_costs)
    prices += sum(abs(t.amount) for t in index.price_terms) + abs(index.base_cost)
    if prices >= LIMIT:
        return False
    for c in index.constraints:
        if c.kind == "sum":
            span = sum(sum(abs(v) for v in values) for _, values in c.contrib)
            if span + abs(c.target) >= LIMIT:
                return False
    return True


def build_diagram(
    index: Index,
    order: tuple[int, ...],
    *,
    max_edges: int | None = None,
    budget: Budget | None = None,
) -> Diagram | None:
    """Build, prune and reduce the diagram of `index` with layers in `order`; None if the
    top-down pass needs more than `max_edges` edges (another order is already better).

    Raises `DiagramTooLarge` when the pass exceeds `budget`, naming the groups whose rules
    are open at the layer where it happened."""
    if fits(index):
        try:
            built = top_down(index, order, max_edges=max_edges, budget=budget)
            if built is None:
                return None
            diagram = reduce(index, order, *built)
            return replace(diagram, built_edges=sum(len(part[0]) for part in built[0]))
        except Collision:
            pass  # two states shared a 64-bit hash: build this product the slow way
    return build_diagram_objects(index, order, max_edges=max_edges, budget=budget)


def has_configuration(index: Index, order: tuple[int, ...], memo: Memo | None = None) -> bool:
    """Whether any complete valid configuration exists: the top-down pass alone, merging
    equal states, so proving that none exists costs the diagram's width, not a search
    tree (explanations ask this of small rule sets, mostly infeasible ones)."""
    rows = sum(len(c.rows) for c in index.constraints if c.kind == "table")
    if rows <= SEARCH_ROWS or not fits(index):
        # Small rule sets: a depth-first search usually needs one dive and no arrays.
        return has_configuration_objects(index, order, memo)
    try:
        built = top_down(index, order, memo=memo, keep_edges=False)
    except Collision:
        return has_configuration_objects(index, order, memo)
    assert built is not None
    _, n_nodes, constant_violation = built
    return bool(n_nodes[-1]) and not constant_violation


def top_down(
    index: Index,
    order: tuple[int, ...],
    *,
    max_edges: int | None = None,
    budget: Budget | None = None,
    memo: Memo | None = None,
    keep_edges: bool = True,
) -> tuple[list[RawLayer], list[int], bool] | None:
    """Layer by layer from the root: per layer (src, label, dst, cost) arrays and the
    node counts; None once more than `max_edges` edges were needed. `memo` shares pick
    effects and table diagrams between builds over the same rules (explanations)."""
    builder = _Builder(index, order, memo, compact=True)
    tables: dict[int, TableDiagram] = {}
    for k in range(len(builder.items)):
        if builder.kinds[k] == TABLE:
            item = cast(Constraint, builder.items[k])
            first = min(order.index(g) for g in item.table_groups)
            builder.table_levels(first, k)
            groups = tuple(sorted(item.table_groups, key=order.index))
            tables[k] = builder.memo[("table", id(item), groups)]
    started = time.perf_counter()
    base_rss = rss()
    total_nodes = total_edges = 0
    states = np.zeros((1, 0), dtype=np.int64)
    raw: list[RawLayer] = []
    n_nodes = [1]
    for i in range(len(order)):
        labels, ops, width = builder.plan(i)
        # Rules this group does not read are copied unchanged under every pick: copy
        # and hash them once per block of nodes, then add the columns each pick sets.
        carry_src = np.asarray([op[2] for op in ops if op[4] is None], dtype=np.int64)
        carry_dst = np.asarray([op[3] for op in ops if op[4] is None], dtype=np.int64)
        touched = [op for op in ops if op[4] is not None]
        set_dst = [op[3] for op in touched if op[3] >= 0]
        dedup = _Dedup(width)
        n, n_labels = len(states), len(labels)
        label_ids = np.asarray([lab for lab, _, _ in labels], dtype=np.int64)
        label_costs = np.asarray([c for _, _, c in labels], dtype=np.int64)
        effects_of = [np.asarray(op[4], dtype=np.int64) for op in touched]
        parts = []
        if n * n_labels <= VECTOR_ROWS:
            # Few nodes (explanations' small rule sets, narrow layers): every (node, pick)
            # pair at once, a row each, so numpy's per-call cost is paid once per rule.
            node = np.repeat(np.arange(n), n_labels)
            pick = np.tile(np.arange(n_labels), n)
            carried = states[:, carry_src]
            new = np.empty((n * n_labels, width), dtype=np.int64)
            new[:, carry_dst] = np.repeat(carried, n_labels, axis=0)
            alive = np.ones(n * n_labels, dtype=bool)
            cost = label_costs[pick]
            for op, effect in zip(touched, effects_of, strict=True):
                _apply(builder, tables, i, op, effect[pick], states, node, new, alive, cost)
            rows = np.flatnonzero(alive)
            h = np.repeat(_row_hash(carried), n_labels)[rows]
            with np.errstate(over="ignore"):
                for d in set_dst:
                    h = _mix((h ^ new[rows, d].view(np.uint64)) * _MIX)
            dst_ids = dedup.add(new[rows], h)
            if keep_edges:
                parts.append((node[rows], label_ids[pick[rows]], dst_ids, cost[rows]))
            n = 0  # done
        # Wide layers: pick by pick over blocks of nodes; the columns of rules this group
        # does not read are copied and hashed once per block.
        block = max(1024, 2**21 // max(width, 1))
        for b0 in range(0, n, block):
            blk = states[b0 : b0 + block]
            m = len(blk)
            new = np.empty((m, width), dtype=np.int64)
            new[:, carry_dst] = blk[:, carry_src]
            base_hash = _row_hash(new[:, carry_dst])
            for li in range(n_labels):
                alive = np.ones(m, dtype=bool)
                cost = np.full(m, label_costs[li], dtype=np.int64)
                for op, effect in zip(touched, effects_of, strict=True):
                    _apply(builder, tables, i, op, effect[li], blk, None, new, alive, cost)
                srcs = np.flatnonzero(alive)
                if len(srcs) == 0:
                    continue
                h = base_hash[srcs]
                with np.errstate(over="ignore"):
                    for d in set_dst:
                        h = _mix((h ^ new[srcs, d].view(np.uint64)) * _MIX)
                dst_ids = dedup.add(new[srcs], h)
                if keep_edges:
                    lab = label_ids[li]
                    parts.append(
                        (srcs + b0, np.full(len(srcs), lab, dtype=np.int64), dst_ids, cost[srcs])
                    )
                made = total_edges + sum(len(p[0]) for p in parts)
                if max_edges is not None and made > max_edges:
                    return None  # another order already did better
                if budget is not None:
                    _check(builder, budget, i, total_nodes + dedup.count, started, base_rss)
        if parts:
            src_a = np.concatenate([p[0] for p in parts])
            lab_a = np.concatenate([p[1] for p in parts])
            dst_a = np.concatenate([p[2] for p in parts])
            cost_a = np.concatenate([p[3] for p in parts])
        else:
            src_a = lab_a = dst_a = cost_a = np.empty(0, dtype=np.int64)
        raw.append((src_a, lab_a, dst_a, cost_a))
        states = dedup.states().copy()
        del dedup
        n_nodes.append(len(states))
        total_nodes += len(states)
        total_edges += len(src_a)
        if budget is not None:
            _check(builder, budget, i, total_nodes, started, base_rss)
        if max_edges is not None and total_edges > max_edges:
            return None
        if len(states) == 0:
            break
    empty = np.empty(0, dtype=np.int64)
    while len(raw) < len(order):
        raw.append((empty, empty, empty, empty))
        n_nodes.append(0)
    return raw, n_nodes, builder.constant_violation


def _apply(
    builder: _Builder,
    tables: dict[int, TableDiagram],
    i: int,
    op: Operation,
    effect: np.ndarray,
    states: np.ndarray,
    node: np.ndarray | None,
    new: np.ndarray,
    alive: np.ndarray,
    cost: np.ndarray,
) -> None:
    """Apply one rule's part of a pick (`effect`: per row, or one for all rows) to the
    rows' nodes (`states[node]`; `node` None: the rows are `states`): write the rule's
    next column of `new`, clear `alive` where the pick breaks it, add a completed price
    rule to `cost`."""
    kind, k, src, dst, _ = op
    n = len(new)
    if src >= 0:
        value = states[:, src] if node is None else states[:, src][node]
    elif kind in (TABLE, SUM):
        value = np.zeros(n, dtype=np.int64)
    else:
        value = np.ones(n, dtype=np.int64)
    if kind in (REQUIRES, EXCLUDES, PRICE):
        # requires: closed once an `if` fails or a `then` holds (effect true);
        # excludes/price: closed once one literal fails (effect false).
        closes = effect != 0 if kind == REQUIRES else effect == 0
        value = np.where(closes, 0, value)
        if dst >= 0:
            new[:, dst] = value
        elif kind == PRICE:
            cost += value * cast(PriceTerm, builder.items[k]).amount
        else:
            alive &= value == 0
        return
    if kind == TABLE:
        table = tables[k]
        level = table.child[table.column_of[builder.order[i]]]
        several = effect == -2  # several options picked: no row matches
        nxt = level[value, np.where(several, 0, effect + 1)]
        ok = (nxt >= 0) & ~several
        alive &= ok
        if dst >= 0:
            new[:, dst] = np.where(ok, nxt, 0)
        return
    # SUM
    it = cast(Constraint, builder.items[k])
    done = value == DONE
    total = np.where(done, 0, value) + effect
    lo, hi = builder.sum_rest[k][i]
    target = it.target
    if it.op == "<=":
        always, never = total + hi <= target, total + lo > target
    elif it.op == ">=":
        always, never = total + lo >= target, total + hi < target
    else:
        always = (total == target) if lo == hi == 0 else np.zeros(n, dtype=bool)
        never = ~((total + lo <= target) & (target <= total + hi))
    alive &= done | ~never
    closed = done | always
    if dst >= 0:
        new[:, dst] = np.where(closed, DONE, total)
    else:
        ok = (
            total <= target
            if it.op == "<="
            else total >= target
            if it.op == ">="
            else (total == target)
        )
        alive &= closed | ok


def _check(
    builder: _Builder, budget: Budget, i: int, nodes: int, started: float, base_rss: int | None
) -> None:
    seconds = time.perf_counter() - started
    now = rss()
    memory = 0 if now is None or base_rss is None else now - base_rss
    if nodes <= budget.max_nodes and memory <= budget.max_bytes and seconds <= budget.max_seconds:
        return
    raise budget_error(builder, budget, i, nodes, memory, seconds)


def reduce(
    index: Index,
    order: tuple[int, ...],
    raw: list[RawLayer],
    n_nodes: list[int],
    constant_violation: bool,
) -> Diagram:
    """Drop nodes that cannot reach the terminal, merge nodes with equal outgoing edges
    (label, cost, target), pack each layer."""
    n = len(order)
    canon_next = np.full(max(n_nodes[n], 1), -1, dtype=np.int64)
    if n_nodes[n] and not constant_violation:
        canon_next[:] = 0
    n_dst = int(canon_next.max()) + 1 if len(canon_next) else 0
    packed: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]] = []
    for i in range(n - 1, -1, -1):
        src, lab, dst, cost = raw[i]
        cv = canon_next[dst] if len(dst) else dst
        keep = cv >= 0
        src, lab, cost, cv = src[keep], lab[keep], cost[keep], cv[keep]
        order_e = np.lexsort((cv, cost, lab, src))
        src, lab, cost, cv = src[order_e], lab[order_e], cost[order_e], cv[order_e]
        canon = np.full(max(n_nodes[i], 1), -1, dtype=np.int64)
        if len(src):
            nodes, starts, degree = np.unique(src, return_index=True, return_counts=True)
            with np.errstate(over="ignore"):
                he = _mix(
                    _mix(_mix(lab.view(np.uint64) * _MIX) ^ cost.view(np.uint64)) * _MIX
                    ^ cv.view(np.uint64)
                )
                hn = _mix(np.add.reduceat(he, starts) ^ degree.astype(np.uint64))
            uh, first, inv = np.unique(hn, return_index=True, return_inverse=True)
            inv = inv.reshape(-1)
            rep = first[inv]  # representative node (position in `nodes`) per node
            same = np.array_equal(degree, degree[rep])
            if same:
                offset = np.arange(len(src)) - np.repeat(starts, degree)
                partner = np.repeat(starts[rep], degree) + offset
                same = (
                    np.array_equal(lab, lab[partner])
                    and np.array_equal(cost, cost[partner])
                    and np.array_equal(cv, cv[partner])
                )
            if not same:
                raise Collision
            # Canonical ids in order of first appearance.
            rank = np.empty(len(uh), dtype=np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(len(uh))
            canon[nodes] = rank[inv]
            is_rep = np.repeat(first[inv] == np.arange(len(nodes)), degree)
            r_src = canon[src[is_rep]]
            r_lab, r_cost, r_dst = lab[is_rep], cost[is_rep], cv[is_rep]
            by_src = np.lexsort((r_lab, r_src))
            packed.append(
                (r_src[by_src], r_dst[by_src], r_lab[by_src], r_cost[by_src], len(uh), n_dst)
            )
            n_dst = len(uh)
        else:
            packed.append((src, cv, lab, cost, 0, n_dst))
            n_dst = 0
        canon_next = canon
    packed.reverse()
    empty = n_dst == 0 or any(len(p[0]) == 0 for p in packed)
    layers = []
    for i, (src, dst, lab, cost, n_src, n_dst_i) in enumerate(packed):
        g = order[i]
        picks = index.picks[g]
        n_opts = len(index.option_codes[g])
        label_options = np.zeros((len(picks), n_opts), dtype=bool)
        for li, mask in enumerate(picks):
            for o in range(n_opts):
                label_options[li, o] = bool(mask >> o & 1)
        if empty:
            src = dst = lab = cost = np.empty(0, dtype=np.int64)
            n_src, n_dst_i = (1 if i == 0 else 0), 0
        layers.append(
            make_layer(
                group=g,
                n_src=n_src,
                n_dst=n_dst_i,
                src=src.astype(np.int32),
                dst=dst.astype(np.int32),
                label=lab.astype(np.int32),
                cost=cost.astype(np.int64),
                label_options=label_options,
            )
        )
    return Diagram(order=order, layers=tuple(layers), empty=empty)
