"""Standard products sold from stock: taken when an order is placed, returned when it is
cancelled."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from atelier import errors
from orders.models import OrderLine
from production.models import StandardProduct


def take_standard_stock(lines: Iterable[tuple[str, int]]) -> None:
    """Take standard products from stock with conditional updates, in SKU order (so two
    orders never wait on each other's rows); the CheckConstraint stock >= 0 backs it.
    `lines` are (standard SKU or "", quantity) pairs."""
    wanted: dict[str, int] = {}
    for sku, quantity in lines:
        if sku:
            wanted[sku] = wanted.get(sku, 0) + quantity
    for sku in sorted(wanted):
        taken = StandardProduct.objects.filter(sku=sku, stock__gte=wanted[sku]).update(
            stock=F("stock") - wanted[sku]
        )
        if not taken:
            left = StandardProduct.objects.filter(sku=sku).values_list("stock", flat=True).first()
            raise errors.OutOfStock(
                f"Only {left or 0} of {sku} are in stock.",
                errors={"lines": [f"not enough {sku} in stock"]},
            )


def return_standard_stock(order_id: int) -> None:
    lines = OrderLine.objects.filter(order_id=order_id).exclude(standard_sku="")
    for sku, quantity in sorted((line.standard_sku, line.quantity) for line in lines):
        StandardProduct.objects.filter(sku=sku).update(stock=F("stock") + quantity)
