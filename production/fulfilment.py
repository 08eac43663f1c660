"""Moving a scheduled order through the shop floor: in production, built, shipped.

Starting production consumes the components the order holds: a reservation from stock
takes the units out of `stock` and `reserved` together; one from a supply batch needs the
batch to have arrived and takes them out of the batch. Both are conditional updates
backed by the reserved <= stock / reserved <= quantity constraints, under the plan lock
(the same lock order as production.shards describes), so no race can go negative.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.errors import InvalidTransition
from orders.models import Order
from orders.services import transition
from production.models import Component, Reservation, SupplyBatch
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
        reservations = list(
            Reservation.objects.filter(order_id=order_id)
            .select_related("component", "supply_batch")
            .order_by("component__sku", "id")
        )
        today = timezone.localdate()
        waiting = [
            r for r in reservations if r.supply_batch and r.supply_batch.available_on > today
        ]
        if waiting:
            first = min(r.supply_batch.available_on for r in waiting)
            raise InvalidTransition(
                f"Order {order_id} waits for components arriving on {first.isoformat()}."
            )
        for r in reservations:
            if r.supply_batch_id:
                taken = SupplyBatch.objects.filter(
                    pk=r.supply_batch_id, reserved__gte=r.quantity, quantity__gt=r.quantity
                ).update(quantity=F("quantity") - r.quantity, reserved=F("reserved") - r.quantity)
                if not taken:  # the batch's last units: the batch is used up
                    taken = SupplyBatch.objects.filter(
                        pk=r.supply_batch_id, reserved=r.quantity, quantity=r.quantity
                    ).delete()[0]
            else:
                taken = Component.objects.filter(
                    pk=r.component_id, reserved__gte=r.quantity, stock__gte=r.quantity
                ).update(stock=F("stock") - r.quantity, reserved=F("reserved") - r.quantity)
            if not taken:
                raise InvalidTransition(
                    f"The stock of {r.component.sku} no longer covers order {order_id}."
                )
        Reservation.objects.filter(order_id=order_id).delete()
        return transition(order_id=order_id, to=Order.Status.IN_PRODUCTION, actor=actor)


def mark_built(*, order_id: int, actor: str) -> Order:
    with transaction.atomic():
        return transition(order_id=order_id, to=Order.Status.BUILT, actor=actor)


def mark_shipped(*, order_id: int, actor: str) -> Order:
    with transaction.atomic():
        return transition(order_id=order_id, to=Order.Status.SHIPPED, actor=actor)
