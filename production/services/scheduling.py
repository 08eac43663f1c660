"""Placing build-to-order orders into the plan and taking them out again.

An order that can never be built (NoSupply: stock plus every known supply batch cannot
cover it; a route naming no build-to-order work centre; no capacity within the horizon)
is cancelled by the planner with the reason as the event's note, so the customer or
partner hears it at once (status webhook) instead of waiting on an order that stays
`received` and is re-swept every half minute. The configurator's estimate shows no
date for such a configuration, so this only happens when supply ran out in between.

Locks are taken in the order `production.shards` describes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db import transaction

from orders.models import Order, OrderLine
from orders.transitions import transition, transition_many
from production import plan_store, planner, promise
from production.shards import BUILD_TO_ORDER_SHARD, lock_shard

log = logging.getLogger("atelier.production")

PLANNER_ACTOR = "planner"


def lines_by_order(order_ids) -> dict[int, list[OrderLine]]:
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in plan_store.lines_of(order_ids):
        lines[line.order_id].append(line)
    return lines


def _cannot_build(exc: planner.PlanningError) -> str:
    if isinstance(exc, planner.NoSupply):
        return (
            f"Cannot be built: stock and every known supply batch of {exc.sku} "
            f"are short by {exc.short_by}."
        )
    if isinstance(exc, planner.UnknownWorkCentre):
        return f"Cannot be built: its route names {exc.code!r}, which is no build-to-order work centre."
    if isinstance(exc, planner.NoCapacity):
        return f"Cannot be built: {exc.work_centre} has no free capacity within {exc.horizon_days} days."
    return f"Cannot be built: {exc}"


def schedule_order(*, order_id: int, today: date | None = None) -> Order:
    """Place a `received` order into the build-to-order plan and promise its ship date.

    Idempotent: under the order's row lock, anything but `received` returns unchanged, so
    a redelivered or duplicated task changes nothing (nor does one finding the row locked
    by another transaction, which is placing or cancelling it).

    While it holds the shard lock it also places up to `ATELIER_SCHEDULE_BATCH` - 1 other
    orders waiting in `received` (oldest first; rows another worker holds are skipped), all
    in one transaction: one read of the plan, one write of bookings and reservations, each
    order its own `scheduled` event. Their own tasks then find them scheduled and stop at
    the status check. Orders are placed in arrival order.

    Raises `PlanRace` (retryable) when a counter refuses an update, `Order.DoesNotExist`
    for an unknown id. `today` (default: the plant's date) is the first day work may be booked.
    """
    today = today or plan_store.plant_today()
    current = Order.objects.only(*ORDER_FIELDS).get(pk=order_id)
    if current.status != Order.Status.RECEIVED:
        return current  # the common case of a task whose order a batch already placed
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(skip_locked=True)
            .only(*ORDER_FIELDS)
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            # Another transaction holds the row: a worker scheduling it in its batch, or a
            # cancellation. It decides; waiting would only idle this worker. Should it roll
            # back, its own retry or the sweep sends the order again.
            return current
        if order.status != Order.Status.RECEIVED:
            return order
        orders = [order, *_waiting_orders(exclude=order.pk, limit=schedule_batch() - 1)]
        orders.sort(key=lambda o: (o.created_at, o.pk))
        lines = lines_by_order([o.pk for o in orders])
        lock_shard(BUILD_TO_ORDER_SHARD)
        plan = plan_store.load_plan(today=today)
        outcome = _place_orders(plan, orders, lines, today=today)
    return outcome[order_id]


ORDER_FIELDS = plan_store.ORDER_FIELDS


def schedule_batch() -> int:
    return max(1, int(getattr(settings, "ATELIER_SCHEDULE_BATCH", 20)))


def _waiting_orders(*, exclude: int, limit: int) -> list[Order]:
    if limit <= 0:
        return []
    # SKIP LOCKED picks which *orders* this worker takes along: one another worker holds is
    # its business. Stock and capacity are never read or reserved this way.
    return list(
        Order.objects.filter(status=Order.Status.RECEIVED)
        .exclude(pk=exclude)
        .order_by("created_at", "id")
        .only(*ORDER_FIELDS)
        .select_for_update(skip_locked=True)[:limit]
    )


def _place_orders(
    plan: plan_store.LoadedPlan,
    orders: list[Order],
    lines: dict[int, list[OrderLine]],
    *,
    today: date,
) -> dict[int, Order]:
    """Place `orders` one after the other (each sees the ones before), then write them all.

    Each goes where `promise.place` says: the function every estimate calls too."""
    outcome: dict[int, Order] = {}
    placed: list[int] = []
    moved: set[int] = set()
    booked_before = plan.state.booked
    for order in orders:
        request = plan_store.order_request(order, lines[order.pk])
        try:
            plan, placement = promise.place(plan, request, today=today, lock=True)
        except (planner.NoSupply, planner.UnknownWorkCentre, planner.NoCapacity) as exc:
            log.info("order %s cannot be built: %s", order.pk, exc)
            outcome[order.pk] = transition(
                order_id=order.pk,
                to=Order.Status.CANCELLED,
                actor=PLANNER_ACTOR,
                note=_cannot_build(exc),
            )
            continue
        plan = dataclasses.replace(plan, state=planner.apply(plan.state, placement))
        placed.append(order.pk)
        moved.update(plan_store.stored_id(p.order_id) for p in placement.moved)
    moved.difference_update(placed)
    if moved:
        lines.update(lines_by_order(moved))
        # Displaced orders keep their parts and promises; only their bookings move.
        plan_store.release(moved, reservations=False)
    final = plan.state.placements
    plan_store.write_bookings(
        plan, [final[oid] for oid in [*placed, *sorted(moved)]], lines, booked_before=booked_before
    )
    plan_store.write_reservations(plan, [final[oid] for oid in placed], lines)
    transition_many(
        promised_ship_dates={oid: plan.state.promises[oid] for oid in placed},
        to=Order.Status.SCHEDULED,
        actor=PLANNER_ACTOR,
    )
    outcome.update(Order.objects.only(*ORDER_FIELDS).in_bulk(placed))
    return outcome


def release_order(*, order_id: int) -> None:
    """Free the capacity and components an order holds (nothing if it holds none).

    Called by orders.services.cancel_order inside its transaction, with the order's row
    locked; takes the shard lock itself so it never interleaves with a scheduler.
    """
    with transaction.atomic():
        lock_shard(BUILD_TO_ORDER_SHARD)
        plan_store.release([order_id])
