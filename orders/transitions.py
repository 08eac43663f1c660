"""Order state: status changes, each recorded as an event and announced (e-mail,
webhooks) after commit. Production's workers and the order workflows both move orders here.

Status changes are conditional updates (`UPDATE … WHERE status IN predecessors`), so
two processes racing on one order cannot both move it; the unique (order, status)
event is the second guard.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from atelier import errors
from atelier import sql as quoted
from orders.models import Order, OrderEvent
from orders.notifications import notify_status_changes


def predecessors(to: str) -> list[str]:
    """The statuses an order may move to `to` from."""
    return [s for s, nexts in Order.TRANSITIONS.items() if to in nexts]


def transition(
    *, order_id: int, to: str, actor: str, note: str = "", promised_ship_date: date | None = None
) -> Order:
    """Move an order to `to` if its current status allows it; record the event.

    Must run inside a transaction (the caller's); raises InvalidTransition otherwise.
    """
    allowed_from = predecessors(to)
    changes = {"status": to, "updated_at": timezone.now()}  # update() skips auto_now
    if promised_ship_date is not None:
        changes["promised_ship_date"] = promised_ship_date
    updated = Order.objects.filter(pk=order_id, status__in=allowed_from).update(**changes)
    order = Order.objects.get(pk=order_id)
    if not updated:
        raise errors.InvalidTransition(
            f"Order {order_id} is {order.status}; it cannot become {to}."
        )
    event = OrderEvent.objects.create(order=order, status=to, actor=actor, note=note)
    # robust: the change is committed; a failing e-mail must not turn it into an error.
    transaction.on_commit(lambda: _notify(event.pk), robust=True)
    return order


def transition_many(*, promised_ship_dates: Mapping[int, date], to: str, actor: str) -> None:
    """`transition` of many orders at once, each to `to` with its promised ship date: one
    UPDATE and one INSERT of events, one notification job after commit (the scheduler's
    batch, under the plan lock, where every round trip counts).

    All or nothing: an order that may not move raises InvalidTransition, and the caller's
    transaction (which must hold the orders' row locks) rolls back.
    """
    ids = sorted(promised_ship_dates)
    if not ids:
        return
    allowed_from = predecessors(to)
    # Raw SQL: one UPDATE for the whole batch, under the plan lock (benchmarks/README.md,
    # planner). Names come from Order's _meta (FieldDoesNotExist if one goes) and are
    # quoted by the connection.
    table = quoted.table(Order)
    status, updated_at, promised, pk = (
        quoted.column(Order, name) for name in ("status", "updated_at", "promised_ship_date", "pk")
    )
    values = ", ".join(["(%s, %s)"] * len(ids))
    statement = (
        f"UPDATE {table} SET {status} = %s, {updated_at} = %s, {promised} = v.column2 "
        f"FROM (VALUES {values}) AS v WHERE {table}.{pk} = v.column1 "
        f"AND {table}.{status} IN ({', '.join(['%s'] * len(allowed_from))})"
    )
    # Adapted as the ORM would (SQLite stores naive UTC text; a raw aware value would not be).
    params: list[Any] = [to, connection.ops.adapt_datetimefield_value(timezone.now())]
    params += [x for oid in ids for x in (oid, promised_ship_dates[oid])]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *allowed_from])
        moved = cursor.rowcount
    if moved != len(ids):
        raise errors.InvalidTransition(
            f"{len(ids) - moved} of {len(ids)} orders cannot become {to}."
        )
    events = OrderEvent.objects.bulk_create(
        OrderEvent(order_id=oid, status=to, actor=actor) for oid in ids
    )
    event_ids = [e.pk for e in events]
    transaction.on_commit(lambda: _notify(*event_ids), robust=True)


def _notify(*event_ids: int) -> None:
    notify_status_changes(event_ids=event_ids)
