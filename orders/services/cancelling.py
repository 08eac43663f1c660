"""Cancelling an order: its status, what it held in the plan, its standard stock."""

from __future__ import annotations

from django.db import transaction

from orders.models import Order
from orders.services.stock import return_standard_stock
from orders.transitions import transition
from production.services import release_order


def cancel_order(*, order: Order, actor: str) -> Order:
    """Cancel a not-yet-started order and free what it held in the plan."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == Order.Status.CANCELLED:
            return locked
        updated = transition(order_id=locked.pk, to=Order.Status.CANCELLED, actor=actor)
        release_order(order_id=locked.pk)
        return_standard_stock(locked.pk)
    return updated
