"""Moving a scheduled order through the shop floor: in production, built, shipped.

Starting production consumes the components the order holds (consumption.use_up, shared
with finishing a standard product's batch run): a reservation from stock takes the units
out of `stock` and `reserved` together; one from a supply batch needs the batch to have
arrived (for a batch run's output: the run to be finished) and takes them out of the
batch. Both are conditional updates backed by the reserved <= stock / reserved <= quantity
constraints, under the plan lock (the same lock order as production.shards describes), so
no race can go negative.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from atelier.errors import InvalidTransition
from orders.models import Order
from orders.transitions import transition
from production import consumption
from production.models import Reservation
from production.shards import BUILD_TO_ORDER_SHARD, lock_shard


def start_production(*, order_id: int, actor: str) -> Order:
    """`scheduled` → `in_production`, consuming the order's reserved components."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != Order.Status.SCHEDULED:
            raise InvalidTransition(
                f"Order {order_id} is {order.status}; it cannot start production."
            )
        lock_shard(BUILD_TO_ORDER_SHARD)
        consumption.use_up(
            Reservation.objects.filter(order_id=order_id),
            today=timezone.localdate(),
            holder=f"order {order_id}",
            error=InvalidTransition,
        )
        return transition(order_id=order_id, to=Order.Status.IN_PRODUCTION, actor=actor)


def mark_built(*, order_id: int, actor: str) -> Order:
    with transaction.atomic():
        return transition(order_id=order_id, to=Order.Status.BUILT, actor=actor)


def mark_shipped(*, order_id: int, actor: str) -> Order:
    with transaction.atomic():
        return transition(order_id=order_id, to=Order.Status.SHIPPED, actor=actor)
