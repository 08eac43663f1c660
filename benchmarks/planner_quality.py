"""Planner quality: Atelier's insertion + replan against first-come-first-served and CP-SAT.

Seeded instances of 50, 100 and 200 build-to-order orders (a backlog received on one
Monday, 10 % express) on four work centres whose capacity is scaled so the bottleneck is
loaded for about four weeks, with scarce components arriving in batches. Each order has a
due date: the target promise the shop would like to give (received + 3..30 working days,
2..6 for express). Tardiness is calendar days of ship date after due date.

- FCFS: insert every order in arrival order, express or not, and stop.
- Atelier: insert in arrival order (express orders may displace work with slack), then
  `replan` once; every promise given at insertion is kept.
- CP-SAT: the same day-bucket model (minutes per work centre per day, operations in
  sequence and allowed to start on the day the previous one ended, lines starting only
  once cumulative supply covers them, ship one working day after the last operation),
  minimising total tardiness within `--time-limit` seconds, warm-started from a feasible
  plan. Two variants: "promises" keeps the promises Atelier's insertion gave (the problem
  `replan` solves), "free" may break them (a lower bound nobody could ship against).

Run: `python benchmarks/planner_quality.py [--time-limit 30] [--sizes 50 100 200]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from production.planner import (  # noqa: E402
    Calendar,
    ComponentSupply,
    Operation,
    OrderLine,
    OrderRequest,
    PlanState,
    SupplyBatch,
    WorkCentre,
    add_working_days,
    apply,
    insert_order,
    replan,
)

DAY0 = date(2027, 1, 4)  # a Monday
HOLIDAY = DAY0 + timedelta(days=17)  # a Thursday off for everyone
PRODUCTS = {
    # route (work centre, minutes per unit) and components per unit
    "nb14": ([("KIT", 15), ("ASSY", 35), ("TEST", 45), ("PACK", 10)], ["CPU-U5", "RAM-16"]),
    "nb16": ([("KIT", 15), ("ASSY", 45), ("TEST", 60), ("PACK", 10)], ["CPU-U7", "RAM-32"]),
    "desk": ([("KIT", 25), ("ASSY", 80), ("TEST", 90), ("PACK", 20)], ["CPU-U7", "GPU"]),
    "ws": ([("ASSY", 140), ("TEST", 200), ("PACK", 30)], ["CPU-X", "GPU", "RAM-32"]),
}
UTILISATION = {"KIT": 0.55, "ASSY": 0.8, "TEST": 1.0, "PACK": 0.5}
LOADED_WORKING_DAYS = 20


@dataclass(frozen=True)
class Instance:
    size: int
    work_centres: tuple[WorkCentre, ...]
    supplies: tuple[ComponentSupply, ...]
    requests: tuple[OrderRequest, ...]


@dataclass(frozen=True)
class Outcome:
    method: str
    total_tardiness: int
    worst_lateness: int
    late_orders: int
    makespan: int
    seconds: float
    note: str = ""


def make_instance(size: int, seed: int) -> Instance:
    """A seeded backlog of `size` orders, received on DAY0."""
    rng = random.Random(seed * 1000 + size)
    requests = []
    load = dict.fromkeys(UTILISATION, 0)
    demand: dict[str, int] = {}
    for order_id in range(size):
        express = rng.random() < 0.1
        lines = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            product = rng.choice(list(PRODUCTS))
            route, parts = PRODUCTS[product]
            quantity = rng.choice((1, 1, 1, 2, 3, 5))
            extra = rng.choice((0, 0, 10, 20))  # options' extra test minutes
            ops = []
            for wc, minutes in route:
                total = (minutes + (extra if wc == "TEST" else 0)) * quantity
                ops.append(Operation(wc, total))
                load[wc] += total
            components = {sku: quantity for sku in parts}
            for sku in parts:
                demand[sku] = demand.get(sku, 0) + quantity
            lines.append(OrderLine(tuple(ops), components))
        lead = rng.randint(2, 6) if express else rng.randint(3, 30)
        due = add_working_days(Calendar(), DAY0, lead)
        requests.append(OrderRequest(order_id, tuple(lines), int(express), DAY0, due))
    centres = tuple(
        WorkCentre(
            wc,
            max(60, round(load[wc] / LOADED_WORKING_DAYS / share)),
            holidays=frozenset({HOLIDAY}),
        )
        for wc, share in UTILISATION.items()
    )
    supplies = []
    for sku, need in sorted(demand.items()):
        scarce = sku in ("GPU", "CPU-X", "RAM-32")
        on_hand = int(need * (0.35 if scarce else 0.7))
        rest = need - on_hand + max(1, need // 10)
        batches = []
        for k in range(4):
            share = rest // 4 + (rest % 4 if k == 3 else 0)
            batches.append(SupplyBatch(share, DAY0 + timedelta(days=5 + 7 * k + rng.randint(0, 3))))
        supplies.append(ComponentSupply(sku, on_hand, tuple(batches)))
    return Instance(size, centres, tuple(supplies), tuple(requests))


def empty_plan(instance: Instance) -> PlanState:
    return PlanState.empty(work_centres=instance.work_centres, supplies=instance.supplies)


def summarise(
    method: str, instance: Instance, ships: dict, ends: dict, seconds: float, note: str = ""
) -> Outcome:
    late = [max(0, (ships[r.order_id] - r.due_on).days) for r in instance.requests if r.due_on]
    makespan = max((end - DAY0).days for end in ends.values())
    return Outcome(method, sum(late), max(late), sum(1 for x in late if x), makespan, seconds, note)


def run_fcfs(instance: Instance) -> tuple[Outcome, PlanState]:
    started = time.perf_counter()
    state = empty_plan(instance)
    for request in instance.requests:
        plain = OrderRequest(
            request.order_id, request.lines, 0, request.received_on, request.due_on
        )
        state = apply(state, insert_order(state, plain, today=DAY0))
    seconds = time.perf_counter() - started
    return _outcome("FCFS", instance, state, seconds), state


def run_atelier(instance: Instance) -> tuple[Outcome, PlanState, PlanState]:
    """Returns the outcome, the plan after insertion only, and the plan after replan."""
    started = time.perf_counter()
    state = empty_plan(instance)
    for request in instance.requests:
        state = apply(state, insert_order(state, request, today=DAY0))
    inserted = state
    result = replan(state, today=DAY0)
    seconds = time.perf_counter() - started
    note = f"{result.moved} orders moved by replan"
    return _outcome("Atelier", instance, result.state, seconds, note), inserted, result.state


def _outcome(method: str, instance: Instance, state: PlanState, seconds: float, note: str = ""):
    ships = {oid: p.ship_date for oid, p in state.placements.items()}
    ends = {oid: p.end_day for oid, p in state.placements.items()}
    return summarise(method, instance, ships, ends, seconds, note)


def run_cpsat(
    instance: Instance,
    *,
    time_limit: float,
    hint: PlanState,
    promises: dict | None,
    workers: int,
) -> Outcome:
    """Minimise total tardiness on the day-bucket model with CP-SAT (benchmark only)."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    model = cp_model.CpModel()
    centres = {wc.code: wc for wc in instance.work_centres}
    hint_end = max((p.end_day - DAY0).days for p in hint.placements.values())
    horizon = hint_end + 10
    ship_table = [
        (add_working_days(Calendar(), DAY0 + timedelta(d), 1) - DAY0).days
        for d in range(horizon + 1)
    ]
    # Latest day each order's work may end and still ship by its promise.
    last_end = {}
    for r in instance.requests:
        limit = horizon
        if promises is not None:
            promise = (promises[r.order_id] - DAY0).days
            limit = max(d for d in range(horizon + 1) if ship_table[d] <= promise)
        last_end[r.order_id] = limit

    # Earliest day each line could start from its components alone (all supply to it).
    supply = {s.sku: s for s in instance.supplies}

    def earliest_alone(sku: str, quantity: int) -> int:
        have = supply[sku].on_hand
        if have >= quantity:
            return 0
        for b in sorted(supply[sku].batches, key=lambda b: b.available_on):
            have += b.quantity
            if have >= quantity:
                return (b.available_on - DAY0).days
        raise AssertionError("instance without enough supply")

    hint_minutes: dict[tuple, int] = {}
    for oid, p in hint.placements.items():
        for b in p.bookings:
            key = (oid, b.line_index, b.op_index, (b.day - DAY0).days)
            hint_minutes[key] = hint_minutes.get(key, 0) + b.minutes

    capacity_terms: dict[tuple[str, int], list] = {}
    line_start: dict[tuple, cp_model.IntVar] = {}
    tardiness = []
    end_vars = {}
    for r in instance.requests:
        oid = r.order_id
        ub = last_end[oid]
        line_ends = []
        for li, line in enumerate(r.lines):
            release = max([earliest_alone(s, q) for s, q in line.components] + [0])
            prev_end = None
            for k, op in enumerate(line.operations):
                wc = centres[op.work_centre]
                days = [d for d in range(release, ub + 1) if wc.capacity_on(DAY0 + timedelta(d))]
                s = model.NewIntVar(release, ub, f"s{oid}_{li}_{k}")
                e = model.NewIntVar(release, ub, f"e{oid}_{li}_{k}")
                model.Add(s <= e)
                xs = []
                for d in days:
                    x = model.NewIntVar(
                        0, min(op.minutes, wc.minutes_per_day), f"x{oid}_{li}_{k}_{d}"
                    )
                    a = model.NewBoolVar(f"a{oid}_{li}_{k}_{d}")
                    model.Add(x <= min(op.minutes, wc.minutes_per_day) * a)
                    model.Add(x >= 1).OnlyEnforceIf(a)
                    model.Add(s <= d).OnlyEnforceIf(a)
                    model.Add(e >= d).OnlyEnforceIf(a)
                    capacity_terms.setdefault((wc.code, d), []).append(x)
                    xs.append(x)
                    hinted = hint_minutes.get((oid, li, k, d), 0)
                    model.AddHint(x, hinted)
                    model.AddHint(a, 1 if hinted else 0)
                model.Add(sum(xs) == op.minutes)
                hinted_days = [d for (o, l2, k2, d) in hint_minutes if (o, l2, k2) == (oid, li, k)]
                if hinted_days:
                    model.AddHint(s, min(hinted_days))
                    model.AddHint(e, max(hinted_days))
                if prev_end is not None:
                    model.Add(s >= prev_end)
                else:
                    line_start[(oid, li)] = s
                prev_end = e
            line_ends.append(prev_end)
        end = model.NewIntVar(0, ub, f"end{oid}")
        model.AddMaxEquality(end, line_ends)
        end_vars[oid] = end
        ship = model.NewIntVar(0, max(ship_table), f"ship{oid}")
        model.AddElement(end, ship_table, ship)
        due = (r.due_on - DAY0).days
        late = model.NewIntVar(0, max(ship_table), f"late{oid}")
        model.Add(late >= ship - due)
        tardiness.append(late)

    for (code, d), xs in capacity_terms.items():
        model.Add(sum(xs) <= centres[code].capacity_on(DAY0 + timedelta(d)))

    # Components: lines starting before batch j+1 arrives share what arrived up to batch j.
    for sku, s in supply.items():
        arrivals = sorted(
            {(b.available_on - DAY0).days for b in s.batches if b.available_on > DAY0}
        )
        users = [
            (r.order_id, li, q)
            for r in instance.requests
            for li, line in enumerate(r.lines)
            for c, q in line.components
            if c == sku
        ]
        for j, arrive in enumerate(arrivals):
            covered = s.on_hand + sum(
                b.quantity for b in s.batches if (b.available_on - DAY0).days < arrive
            )
            early = []
            for oid, li, q in users:
                flag = model.NewBoolVar(f"early_{sku}_{j}_{oid}_{li}")
                model.Add(line_start[(oid, li)] < arrive).OnlyEnforceIf(flag)
                model.Add(line_start[(oid, li)] >= arrive).OnlyEnforceIf(flag.Not())
                early.append(q * flag)
            model.Add(sum(early) <= covered)

    model.Minimize(sum(tardiness))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.Solve(model)
    seconds = time.perf_counter() - started
    name = "CP-SAT (promises)" if promises is not None else "CP-SAT (free)"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome(name, -1, -1, -1, -1, seconds, solver.StatusName(status))
    ships, ends = {}, {}
    for r in instance.requests:
        oid = r.order_id
        end = solver.Value(end_vars[oid])
        ends[oid] = DAY0 + timedelta(end)
        ships[oid] = DAY0 + timedelta(ship_table[end])
    note = f"{solver.StatusName(status).lower()}, bound {solver.BestObjectiveBound():.0f}"
    return summarise(name, instance, ships, ends, seconds, note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0, help="CP-SAT seconds per run")
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    parser.add_argument("--no-free", action="store_true", help="skip the promise-free CP-SAT run")
    args = parser.parse_args(argv)
    for size in args.sizes:
        instance = make_instance(size, args.seed)
        fcfs, fcfs_state = run_fcfs(instance)
        atelier, inserted, _ = run_atelier(instance)
        rows = [fcfs, atelier]
        promised = dict(inserted.promises)
        rows.append(
            run_cpsat(
                instance,
                time_limit=args.time_limit,
                hint=inserted,
                promises=promised,
                workers=args.workers,
            )
        )
        if not args.no_free:
            rows.append(
                run_cpsat(
                    instance,
                    time_limit=args.time_limit,
                    hint=fcfs_state,
                    promises=None,
                    workers=args.workers,
                )
            )
        print_table(size, rows)
    return 0


def print_table(size: int, rows: list[Outcome]) -> None:
    reference = next((r for r in rows if r.method == "CP-SAT (promises)"), None)
    fcfs = rows[0]
    print(f"\n{size} orders")
    header = (
        f"{'method':<18} {'tardiness':>9} {'worst':>6} {'late':>5} {'makespan':>8} "
        f"{'seconds':>8} {'vs CP-SAT':>9} {'vs FCFS':>8}  note"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        vs_cp = _ratio(r.total_tardiness, reference.total_tardiness if reference else -1)
        vs_fcfs = _ratio(r.total_tardiness, fcfs.total_tardiness)
        print(
            f"{r.method:<18} {r.total_tardiness:>9} {r.worst_lateness:>6} {r.late_orders:>5} "
            f"{r.makespan:>8} {r.seconds:>8.2f} {vs_cp:>9} {vs_fcfs:>8}  {r.note}"
        )


def _ratio(value: int, base: int) -> str:
    if value < 0 or base < 0:
        return "n/a"
    if base == 0:
        return "1.00x" if value == 0 else "inf"
    return f"{value / base:.2f}x"


if __name__ == "__main__":
    raise SystemExit(main())
