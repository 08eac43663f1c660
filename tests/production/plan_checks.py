"""Checks of the plan tables that must hold after any sequence of writes; shared by the
service tests and the worker integration test."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Sum

from orders.models import Order, OrderEvent
from production.models import CapacityDay, Component, PlanEntry, Reservation, SupplyBatch


def plan_problems() -> list[str]:
    """Every broken rule of the stored plan, as sentences (empty when sound)."""
    problems = []
    planned = defaultdict(int)
    for wc_id, day, minutes in PlanEntry.objects.values_list("work_centre_id", "day").annotate(
        m=Sum("minutes")
    ):
        planned[(wc_id, day)] = minutes
    for day in CapacityDay.objects.filter(work_centre__plan="build_to_order"):
        if day.booked_minutes > day.capacity_minutes:
            problems.append(f"{day}: over-booked")
        if day.booked_minutes != planned.pop((day.work_centre_id, day.day), 0):
            problems.append(f"{day}: counter differs from its plan entries")
    problems += [f"plan entries on {key} without a capacity day" for key in planned]
    held = defaultdict(int)
    for component_id, batch_id, quantity in Reservation.objects.values_list(
        "component_id", "supply_batch_id", "quantity"
    ):
        held[("batch", batch_id) if batch_id else ("stock", component_id)] += quantity
    for c in Component.objects.all():
        if not 0 <= c.reserved <= c.stock:
            problems.append(f"{c.sku}: reserved {c.reserved} of stock {c.stock}")
        if c.reserved != held[("stock", c.pk)]:
            problems.append(f"{c.sku}: reserved {c.reserved}, reservations {held[('stock', c.pk)]}")
    for b in SupplyBatch.objects.all():
        if not 0 <= b.reserved <= b.quantity:
            problems.append(f"batch {b.pk}: reserved {b.reserved} of {b.quantity}")
        if b.reserved != held[("batch", b.pk)]:
            problems.append(
                f"batch {b.pk}: reserved {b.reserved}, reservations {held[('batch', b.pk)]}"
            )
    for order in Order.objects.filter(status="scheduled"):
        last = (
            PlanEntry.objects.filter(order=order)
            .order_by("-day")
            .values_list("day", flat=True)
            .first()
        )
        if last is not None and last >= order.promised_ship_date:
            problems.append(
                f"order {order.pk}: work ends {last}, promised {order.promised_ship_date}"
            )
    for order_id in (
        OrderEvent.objects.filter(status="scheduled")
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("order_id", flat=True)
    ):
        problems.append(f"order {order_id} scheduled more than once")
    return problems


def snapshot() -> dict:
    """Everything scheduling writes, to compare before and after."""
    return {
        "orders": list(
            Order.objects.order_by("pk").values_list("pk", "status", "promised_ship_date")
        ),
        "events": OrderEvent.objects.count(),
        "entries": list(
            PlanEntry.objects.order_by("pk").values_list(
                "order_id", "work_centre_id", "day", "minutes"
            )
        ),
        "days": list(
            CapacityDay.objects.order_by("pk").values_list(
                "work_centre_id", "day", "booked_minutes"
            )
        ),
        "reservations": list(
            Reservation.objects.order_by("pk").values_list(
                "order_id", "component_id", "supply_batch_id", "quantity"
            )
        ),
        "components": list(
            Component.objects.order_by("pk").values_list("sku", "stock", "reserved")
        ),
        "batches": list(SupplyBatch.objects.order_by("pk").values_list("pk", "reserved")),
    }
