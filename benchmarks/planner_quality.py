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
    violations,
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
LOADED_WORKING_DAYS = 25


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
        lead = rng.randint(2, 5) if express else rng.randint(3, 20)
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
    assert violations(result.state) == [], violations(result.state)[:3]
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
    """Minimise total tardiness on the day-bucket model with CP-SAT (benchmark only).

    Per operation and calendar day: minutes worked `x`, and two monotone booleans, "has
    started by day d" and "is still running on day d" (an order encoding, which propagates
    far better than one free boolean per day). Work needs both; the next operation may have
    started on day d only if this one runs no later than d; a line may have started before
    a batch arrives only if what arrived earlier covers every line that did.
    """
    from ortools.sat.python import cp_model

    started_at = time.perf_counter()
    model = cp_model.CpModel()
    centres = {wc.code: wc for wc in instance.work_centres}
    horizon = max((p.end_day - DAY0).days for p in hint.placements.values()) + 10
    ship_table = [
        (add_working_days(Calendar(), DAY0 + timedelta(d), 1) - DAY0).days
        for d in range(horizon + 2)
    ]
    supply = {s.sku: s for s in instance.supplies}

    def release_alone(sku: str, quantity: int) -> int:
        """Earliest day a line could start if every unit of `sku` went to it."""
        have = supply[sku].on_hand
        for b in sorted(supply[sku].batches, key=lambda b: b.available_on):
            if have >= quantity:
                break
            have += b.quantity
            if have >= quantity:
                return (b.available_on - DAY0).days
        return 0

    hint_days: dict[tuple, dict[int, int]] = {}
    for oid, p in hint.placements.items():
        for b in p.bookings:
            per_day = hint_days.setdefault((oid, b.line_index, b.op_index), {})
            d = (b.day - DAY0).days
            per_day[d] = per_day.get(d, 0) + b.minutes

    capacity_terms: dict[tuple[str, int], list] = {}
    first_started: dict[tuple, tuple[int, int, dict]] = {}
    last_work: dict[tuple, dict[int, object]] = {}
    tardiness = {}
    for r in instance.requests:
        oid = r.order_id
        ub = horizon
        if promises is not None:
            promise = (promises[oid] - DAY0).days
            ub = max(d for d in range(horizon + 1) if ship_table[d] <= promise)
        due = (r.due_on - DAY0).days
        late = model.NewIntVar(0, horizon, f"late{oid}")
        tardiness[oid] = late
        hint_end = (hint.placements[oid].end_day - DAY0).days
        model.AddHint(late, max(0, ship_table[hint_end] - due))
        for li, line in enumerate(r.lines):
            lb = max([release_alone(s, q) for s, q in line.components] + [0])
            prev_running = None
            for k, op in enumerate(line.operations):
                wc = centres[op.work_centre]
                worked = hint_days[(oid, li, k)]
                hs, he = min(worked), max(worked)
                started, running = {}, {}
                for d in range(lb, ub + 1):
                    started[d] = model.NewBoolVar(f"st{oid}_{li}_{k}_{d}")
                    running[d] = model.NewBoolVar(f"run{oid}_{li}_{k}_{d}")
                    model.AddHint(started[d], d >= hs)
                    model.AddHint(running[d], d <= he)
                    if d > lb:
                        model.AddImplication(started[d - 1], started[d])
                        model.AddImplication(running[d], running[d - 1])
                model.Add(started[ub] == 1)
                model.Add(running[lb] == 1)
                xs, day_x = [], {}
                for d in range(lb, ub + 1):
                    cap = wc.capacity_on(DAY0 + timedelta(d))
                    if not cap:
                        continue
                    bound = min(op.minutes, cap)
                    x = model.NewIntVar(0, bound, f"x{oid}_{li}_{k}_{d}")
                    model.Add(x <= bound * started[d])
                    model.Add(x <= bound * running[d])
                    model.AddHint(x, worked.get(d, 0))
                    capacity_terms.setdefault((wc.code, d), []).append(x)
                    xs.append(x)
                    day_x[d] = x
                model.Add(sum(xs) == op.minutes)
                last_work[(oid, li)] = day_x
                if prev_running is None:
                    first_started[(oid, li)] = (lb, ub, started)
                else:
                    for d in range(lb, ub + 1):
                        if d + 1 <= ub:
                            model.AddImplication(started[d], prev_running[d + 1].Not())
                prev_running = running
            for d in range(lb, ub + 1):
                if ship_table[d] > due:
                    model.Add(late >= ship_table[d] - due).OnlyEnforceIf(prev_running[d])

    for (code, d), xs in capacity_terms.items():
        model.Add(sum(xs) <= centres[code].capacity_on(DAY0 + timedelta(d)))

    for sku, s in supply.items():
        arrivals = sorted({(b.available_on - DAY0).days for b in s.batches} - {0})
        users = [
            (r.order_id, li, q)
            for r in instance.requests
            for li, line in enumerate(r.lines)
            for c, q in line.components
            if c == sku
        ]
        for arrive in arrivals:
            covered = s.on_hand + sum(
                b.quantity for b in s.batches if (b.available_on - DAY0).days < arrive
            )
            early = []
            for oid, li, q in users:
                lb, ub, started = first_started[(oid, li)]
                if arrive - 1 < lb:
                    continue
                early.append(q * (started[arrive - 1] if arrive - 1 <= ub else 1))
            if early:
                model.Add(sum(early) <= covered)

    model.Minimize(sum(tardiness.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.Solve(model)
    seconds = time.perf_counter() - started_at
    name = "CP-SAT (promises)" if promises is not None else "CP-SAT (free)"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome(name, -1, -1, -1, -1, seconds, solver.StatusName(status))
    ships, ends = {}, {}
    for r in instance.requests:
        oid = r.order_id
        end = max(
            d
            for li in range(len(r.lines))
            for d, x in last_work[(oid, li)].items()
            if solver.Value(x)
        )
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
