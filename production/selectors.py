"""Readers of the production plans: what the staff plan pages show, and the orders the
sweep re-sends. No locks, no writes. (The ship-date estimate is production.promise.)"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, F, Max, Min, Prefetch
from django.utils import timezone

from orders.models import Order
from production import plan_store, planner
from production.models import (
    BatchBooking,
    BatchRun,
    CapacityDay,
    Component,
    Holiday,
    PlanEntry,
    ReplanRun,
    Reservation,
    StandardProduct,
    SupplyBatch,
    WorkCentre,
)

SHORTAGE_FREE_STOCK = 10


def received_orders_waiting(*, older_than: timedelta, limit: int) -> list[int]:
    """Ids of orders still `received` though placed more than `older_than` ago."""
    cutoff = timezone.now() - older_than
    return list(
        Order.objects.filter(status=Order.Status.RECEIVED, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- the staff plan pages -----------------------------------------------------------------


@dataclass
class Segment:
    label: str
    order_id: int | None
    minutes: int
    width: float  # percent of the day's capacity
    hue: int
    title: str


@dataclass
class Cell:
    day: date
    capacity: int
    booked: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def utilisation(self) -> int:
        return round(100 * self.booked / self.capacity) if self.capacity else 0

    @property
    def closed(self) -> bool:
        return self.capacity == 0


@dataclass
class Row:
    code: str
    name: str
    cells: list[Cell]

    @property
    def utilisation(self) -> int:
        capacity = sum(c.capacity for c in self.cells)
        return round(100 * sum(c.booked for c in self.cells) / capacity) if capacity else 0


@dataclass(frozen=True)
class Shortage:
    sku: str
    name: str
    stock: int
    reserved: int
    waiting_on_batches: int
    next_free: date | None
    next_free_quantity: int

    @property
    def free(self) -> int:
        return self.stock - self.reserved


@dataclass(frozen=True)
class AtRisk:
    order_id: int
    promised: date
    planned_ship: date
    reason: str


@dataclass
class PlanOverview:
    days: list[date]
    rows: list[Row]
    shortages: list[Shortage]
    at_risk: list[AtRisk]
    scheduled: int
    received: int


def _grid(plan: str, days: list[date]) -> tuple[list[Row], dict[tuple[int, date], Cell]]:
    first, last = days[0], days[-1]
    centres = list(WorkCentre.objects.filter(plan=plan))
    holidays = set(
        Holiday.objects.filter(work_centre__plan=plan, date__range=(first, last)).values_list(
            "work_centre_id", "date"
        )
    )
    stored = {
        (wc_id, day): (capacity, booked)
        for wc_id, day, capacity, booked in CapacityDay.objects.filter(
            work_centre__plan=plan, day__range=(first, last)
        ).values_list("work_centre_id", "day", "capacity_minutes", "booked_minutes")
    }
    rows, cells = [], {}
    for wc in centres:
        row = Row(wc.code, wc.name, [])
        for day in days:
            if (wc.pk, day) in stored:
                capacity, booked = stored[(wc.pk, day)]
            else:
                open_ = day.weekday() in wc.workdays and (wc.pk, day) not in holidays
                capacity, booked = (wc.minutes_per_day if open_ else 0), 0
            cell = Cell(day, capacity, booked)
            row.cells.append(cell)
            cells[(wc.pk, day)] = cell
        rows.append(row)
    return rows, cells


def _segment(
    cell: Cell, label: str, order_id: int | None, minutes: int, title: str, key: int
) -> Segment:
    width = 100 * minutes / cell.capacity if cell.capacity else 0
    return Segment(label, order_id, minutes, round(width, 2), (key * 47) % 360, title)


def plan_overview(*, start: date, days: int = 21) -> PlanOverview:
    """The build-to-order plan from `start` for `days` days: the Gantt grid (work centre ×
    day, each order's minutes as a segment), utilisation, component shortages ahead, and
    scheduled orders at risk of their promise. A fixed number of queries."""
    span = [start + timedelta(days=i) for i in range(days)]
    rows, cells = _grid(WorkCentre.Plan.BUILD_TO_ORDER, span)
    for e in PlanEntry.objects.filter(
        day__range=(span[0], span[-1]), work_centre__plan=WorkCentre.Plan.BUILD_TO_ORDER
    ).order_by("day", "start", "id"):
        cell = cells.get((e.work_centre_id, e.day))
        if cell is not None:
            title = (
                f"Order {e.order_id}, op {e.op_index + 1}: {e.minutes} min, "
                f"{timezone.localtime(e.start):%H:%M}–{timezone.localtime(e.end):%H:%M}"
            )
            cell.segments.append(
                _segment(cell, f"#{e.order_id}", e.order_id, e.minutes, title, e.order_id)
            )
    counts = dict(
        Order.objects.filter(status__in=[Order.Status.RECEIVED, Order.Status.SCHEDULED])
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return PlanOverview(
        days=span,
        rows=rows,
        shortages=shortages(today=start),
        at_risk=orders_at_risk(today=start),
        scheduled=counts.get(Order.Status.SCHEDULED, 0),
        received=counts.get(Order.Status.RECEIVED, 0),
    )


def shortages(*, today: date) -> list[Shortage]:
    """Components with little free stock left (at most SHORTAGE_FREE_STOCK), or with orders
    waiting on supply batches still to come, and when free supply next arrives."""
    waiting: dict[int, int] = defaultdict(int)
    for component_id, quantity in Reservation.objects.filter(
        supply_batch__available_on__gt=today
    ).values_list("component_id", "quantity"):
        waiting[component_id] += quantity
    next_free: dict[int, tuple[date | None, int]] = {}
    for component_id, day, quantity, reserved in (
        SupplyBatch.objects.filter(available_on__gt=today)
        .order_by("available_on", "id")
        .values_list("component_id", "available_on", "quantity", "reserved")
    ):
        if quantity > reserved and component_id not in next_free:
            next_free[component_id] = (day, quantity - reserved)
    found = []
    for c in Component.objects.all():
        if c.free > SHORTAGE_FREE_STOCK and not waiting.get(c.pk):
            continue
        free_on, free_quantity = next_free.get(c.pk, (None, 0))
        found.append(
            Shortage(
                c.sku, c.name, c.stock, c.reserved, waiting.get(c.pk, 0), free_on, free_quantity
            )
        )
    return sorted(found, key=lambda s: (s.stock - s.reserved, s.sku))


def orders_at_risk(*, today: date, limit: int = 50) -> list[AtRisk]:
    """Scheduled orders whose promise is in danger: work planned before today that has not
    started, work on a day that has since become a holiday, or no slack left while waiting
    on a supply batch (a late delivery would break the promise)."""
    shipping = planner.Calendar()
    days = plan_store.shipping_days()
    spans = {
        row["order_id"]: row
        for row in PlanEntry.objects.filter(order__status=Order.Status.SCHEDULED)
        .values("order_id", "order__promised_ship_date")
        .annotate(first=Min("day"), last=Max("day"))
    }
    on_holiday = set(
        PlanEntry.objects.filter(
            order__status=Order.Status.SCHEDULED,
            day__gte=today,
            work_centre__holidays__date=F("day"),
        ).values_list("order_id", flat=True)
    )
    waiting = set(
        Reservation.objects.filter(
            order__status=Order.Status.SCHEDULED, supply_batch__available_on__gt=today
        ).values_list("order_id", flat=True)
    )
    risky = []
    for order_id, row in spans.items():
        promised = row["order__promised_ship_date"]
        planned = planner.add_working_days(shipping, row["last"], days)
        reason = ""
        if row["first"] < today:
            reason = f"work planned from {row['first']} has not started"
        elif order_id in on_holiday:
            reason = "work falls on a day that is now a holiday"
        elif order_id in waiting and planned >= promised:
            reason = "no slack, and parts still to arrive"
        if reason:
            risky.append(AtRisk(order_id, promised, planned, reason))
    risky.sort(key=lambda r: (r.promised, r.order_id))
    return risky[:limit]


def latest_replan() -> ReplanRun | None:
    return ReplanRun.objects.first()


@dataclass
class BatchPlanOverview:
    days: list[date]
    rows: list[Row]
    runs: list[BatchRun]
    standard_products: list[StandardProduct]


def batch_plan_overview(*, start: date, days: int = 21) -> BatchPlanOverview:
    """The batch plan of standard products and in-house components: batch work centres ×
    days with each run's minutes, the planned runs (with the components a standard
    product's run holds, or when a component run's output is due), and standard products'
    stock."""
    span = [start + timedelta(days=i) for i in range(days)]
    rows, cells = _grid(WorkCentre.Plan.BATCH, span)
    for b in BatchBooking.objects.filter(day__range=(span[0], span[-1])).select_related(
        "run__standard_product", "run__component"
    ):
        cell = cells.get((b.work_centre_id, b.day))
        if cell is not None:
            run = b.run
            title = f"Run {run.pk}: {run.quantity} × {run.item_sku}, {b.minutes} min"
            cell.segments.append(_segment(cell, run.item_sku, None, b.minutes, title, run.pk))
    runs = list(
        BatchRun.objects.filter(status=BatchRun.Status.PLANNED)
        .select_related("standard_product", "component", "work_centre", "supply_batch")
        .prefetch_related(
            Prefetch(
                "reservations",
                queryset=Reservation.objects.select_related("component", "supply_batch").order_by(
                    "component__sku", F("supply_batch__available_on").asc(nulls_first=True), "id"
                ),
            )
        )
        .order_by("start_day", "id")
    )
    return BatchPlanOverview(span, rows, runs, list(StandardProduct.objects.order_by("sku")))


# --- Standard products: the in-stock equal of a configuration -----------------------------


def normalise_selections(selections: dict[str, list[str]]) -> dict[str, list[str]]:
    """One spelling of a configuration: groups sorted, picks sorted, empty groups dropped."""
    return {g: sorted(set(picks)) for g, picks in sorted(selections.items()) if picks}


def standard_match(
    product_code: str, selections: dict[str, list[str]], *, quantity: int = 1
) -> StandardProduct | None:
    """The standard product (mass-produced) equal to this configuration with at least
    `quantity` in stock, if any."""
    wanted = normalise_selections(selections)
    # The candidates by plain SQL, as plan_store reads the plan: this runs on every click
    # of the configure page, and building the ORM query and its models cost ~0.7 ms of
    # CPU against ~0.04 ms for running it (issue 15, benchmarks/README.md "stop 13"). The
    # match, when there is one, is read again as a model with the same condition (its
    # stock may have been taken in between).
    least = max(1, quantity)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, selections FROM {StandardProduct._meta.db_table} "
            "WHERE product_code = %s AND stock >= %s ORDER BY sku, id",
            [product_code, least],
        )
        candidates = cursor.fetchall()
    for pk, stored in candidates:
        # JSON as text on SQLite and from Django's PostgreSQL connection alike.
        picks = json.loads(stored) if isinstance(stored, str | bytes) else stored
        if normalise_selections(picks) == wanted:
            standard = StandardProduct.objects.filter(pk=pk, stock__gte=least).first()
            if standard is not None:
                return standard
    return None
