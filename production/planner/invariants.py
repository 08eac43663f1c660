"""Checks of what must always hold in a plan; used by tests and usable as a guard.

None of these can fail for plans built by this package; a non-empty answer means a bug or
a plan assembled by hand (e.g. stale rows read back from the database).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from .model import Placement, Source
from .state import PlanState
from .supply import ready_day


def violations(state: PlanState) -> list[str]:
    """Every broken rule of `state`, as readable sentences (empty when the plan is sound):
    capacity never over-booked, reservations within stock and supply, totals matching the
    placements, promises kept, operations in route order after their components arrive."""
    problems: list[str] = []
    problems += _capacity(state)
    problems += _supply(state)
    for oid, placement in state.placements.items():
        promise = state.promises.get(oid)
        if promise is None:
            problems.append(f"order {oid!r} has no promise")
        elif placement.ship_date > promise:
            problems.append(f"order {oid!r} ships {placement.ship_date} after promise {promise}")
        problems += _routes(oid, placement)
    return problems


def _capacity(state: PlanState) -> list[str]:
    problems = []
    totals: dict[tuple[str, date], int] = defaultdict(int)
    for p in state.placements.values():
        for b in p.bookings:
            if b.minutes <= 0:
                problems.append(f"order {p.order_id!r} books {b.minutes} minutes")
            totals[(b.work_centre, b.day)] += b.minutes
    if {k: v for k, v in totals.items() if v} != dict(state.booked):
        problems.append("booked minutes do not match the placements")
    for (code, day), minutes in totals.items():
        capacity = state.work_centres[code].capacity_on(day)
        if minutes > capacity:
            problems.append(f"{code} on {day}: {minutes} minutes booked, capacity {capacity}")
    return problems


def _supply(state: PlanState) -> list[str]:
    problems = []
    totals: dict[tuple[str, Source], int] = defaultdict(int)
    for p in state.placements.values():
        for r in p.reservations:
            totals[(r.sku, r.source)] += r.quantity
    if {k: v for k, v in totals.items() if v} != dict(state.reserved):
        problems.append("reserved quantities do not match the placements")
    for (sku, source), quantity in totals.items():
        supply = state.supplies.get(sku)
        if supply is None:
            problems.append(f"{sku} reserved but unknown")
            continue
        have = (
            dict(state.batches[sku]).get(source, 0) if isinstance(source, date) else supply.on_hand
        )
        if quantity > have:
            problems.append(f"{sku} from {source}: {quantity} reserved, {have} there")
    return problems


def _routes(oid: object, placement: Placement) -> list[str]:
    request = placement.request
    if request is None:
        return []
    problems = []
    for index, line in enumerate(request.lines):
        held: dict[str, int] = defaultdict(int)
        for r in placement.reservations:
            if r.line_index == index:
                held[r.sku] += r.quantity
        if dict(held) != dict(line.components):
            problems.append(f"order {oid!r} line {index}: reserved {dict(held)}")
        previous_end = ready_day(placement.reservations, index) or date.min
        if request.received_on is not None:
            previous_end = max(previous_end, request.received_on)
        for op_index, op in enumerate(line.operations):
            days = [
                b.day
                for b in placement.bookings
                if b.line_index == index and b.op_index == op_index
            ]
            minutes = sum(
                b.minutes
                for b in placement.bookings
                if b.line_index == index and b.op_index == op_index
            )
            if minutes != op.minutes:
                problems.append(f"order {oid!r} line {index} op {op_index}: {minutes} minutes")
            if days:
                if min(days) < previous_end:
                    problems.append(f"order {oid!r} line {index} op {op_index} starts too early")
                previous_end = max(days)
        if placement.end_day < previous_end:
            problems.append(f"order {oid!r} ends before its line {index}")
    return problems
