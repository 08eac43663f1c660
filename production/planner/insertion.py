"""Placing one order into the plan: insertion, express insertion, and the shop's estimate.

Insertion appends into free capacity only, so every promise already given still holds.
An express order may also take capacity held by orders that have not started, but only
when each of them, placed again, still ships by its promise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta, tzinfo

from .calendars import add_working_days
from .capacity import CapacityLedger
from .errors import DuplicateOrder
from .model import Booking, OrderRequest, Placement, Reservation
from .state import PlanState
from .supply import SupplyLedger, ready_day


def insert_order(
    state: PlanState,
    request: OrderRequest,
    *,
    today: date,
    tz: tzinfo | None = None,
) -> Placement:
    """Place `request` as early as capacity and components allow, without breaking any
    promise, and return the placement (apply it with `apply`).

    Each line first reserves its components (stock first, then batches by arrival day)
    and starts no earlier than the day the last of them arrives, nor before `today` or
    the order's `received_on`. Express orders (`priority >= 1`) may displace bookings of
    lower-priority orders that have not started (first booking after `today`) when every
    displaced order still meets its promise; those orders' new placements are returned in
    `Placement.moved`. Pass `tz` to get display start/end times on the bookings.

    Raises `DuplicateOrder`, `NoSupply`, `UnknownWorkCentre` or `NoCapacity`.
    """
    if request.order_id in state.placements:
        raise DuplicateOrder(request.order_id)
    normal = place(state, CapacityLedger(state), SupplyLedger(state), request, today=today, tz=tz)
    if request.priority > 0:
        return _express(state, request, normal, today=today, tz=tz)
    return normal


def estimate(state: PlanState, request: OrderRequest, *, today: date) -> date:
    """The ship date `request` would be promised now, reserving nothing.

    A read of the plan for the configurator page (capable-to-promise). It places the order
    as a normal one, so for an express order it is an upper bound. Raises `NoSupply` when
    the components cannot be had at all.
    """
    ledger = CapacityLedger(state)
    return place(state, ledger, SupplyLedger(state), request, today=today).ship_date


def place(
    state: PlanState,
    capacity: CapacityLedger,
    supply: SupplyLedger,
    request: OrderRequest,
    *,
    today: date,
    tz: tzinfo | None = None,
    reservations: Sequence[Reservation] | None = None,
    promise: date | None = None,
) -> Placement:
    """Greedy earliest placement of `request` into the scratch ledgers (which it books).

    With `reservations`, the order keeps those components instead of reserving anew; with
    `promise` (an order already promised), the placement carries that promise.
    """
    first = today if request.received_on is None else max(today, request.received_on)
    bookings: list[Booking] = []
    held: list[Reservation] = []
    end_day = first
    for index, line in enumerate(request.lines):
        if reservations is None:
            line_held, ready = supply.reserve_line(line, index)
            held.extend(line_held)
        else:
            ready = ready_day(reservations, index)
        earliest = first if ready is None or ready < first else ready
        line_bookings, line_end = capacity.place_line(line, index, earliest, tz=tz)
        bookings.extend(line_bookings)
        end_day = max(end_day, line_end)
    start_day = min((b.day for b in bookings), default=end_day)
    ship_date = ship_date_after(state, end_day)
    if promise is None:
        promise = ship_date if request.due_on is None else max(ship_date, request.due_on)
    return Placement(
        order_id=request.order_id,
        bookings=tuple(bookings),
        reservations=tuple(held) if reservations is None else tuple(reservations),
        start_day=start_day,
        end_day=end_day,
        ship_date=ship_date,
        promise=promise,
        request=request,
    )


def ship_date_after(state: PlanState, end_day: date) -> date:
    """The ship date of work finishing on `end_day`: `shipping_days` working days of the
    shipping calendar later."""
    return add_working_days(
        state.shipping_calendar, end_day, state.shipping_days, horizon_days=state.horizon_days
    )


def same_bookings(a: Placement, b: Placement) -> bool:
    """True when both placements book the same minutes on the same days."""
    return _booking_keys(a) == _booking_keys(b)


def _booking_keys(p: Placement) -> list[tuple[int, int, str, date, int]]:
    return sorted((b.line_index, b.op_index, b.work_centre, b.day, b.minutes) for b in p.bookings)


def _express(
    state: PlanState, request: OrderRequest, normal: Placement, *, today: date, tz: tzinfo | None
) -> Placement:
    centres = {op.work_centre for line in request.lines for op in line.operations}
    candidates = [
        p
        for p in state.placements.values()
        if p.start_day > today
        and p.request is not None
        and p.request.priority < request.priority
        and any(b.work_centre in centres and b.day <= normal.end_day for b in p.bookings)
    ]
    # First try moving all of them; failing that, only those with slack before their promise.
    with_slack = [p for p in candidates if p.ship_date < state.promises[p.order_id]]
    for victims in (candidates, with_slack):
        if victims:
            displaced = _displace(state, request, normal, victims, today=today, tz=tz)
            if displaced is not None:
                return displaced
    return normal


def _displace(
    state: PlanState,
    request: OrderRequest,
    normal: Placement,
    victims: list[Placement],
    *,
    today: date,
    tz: tzinfo | None,
) -> Placement | None:
    capacity, supply = CapacityLedger(state), SupplyLedger(state)
    for victim in victims:
        capacity.add(victim.bookings, -1)
    express = place(state, capacity, supply, request, today=today, tz=tz)
    if express.ship_date >= normal.ship_date:
        return None
    moved: list[Placement] = []
    # Tightest promise first, so the orders with the least slack get the earliest capacity.
    for victim in sorted(victims, key=lambda p: (state.promises[p.order_id], p.start_day)):
        assert victim.request is not None
        again = place(
            state,
            capacity,
            supply,
            victim.request,
            # A moved order stays not-started: today's shop floor list is already out.
            today=today + timedelta(days=1),
            tz=tz,
            reservations=victim.reservations,
            promise=state.promises[victim.order_id],
        )
        if again.ship_date > state.promises[victim.order_id]:
            return None
        if not same_bookings(again, victim):
            moved.append(again)
    return dataclasses.replace(express, moved=tuple(moved))
