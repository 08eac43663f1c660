"""Production master data and plans.

Components carry live stock; `reserved` counts what build-to-order lines and standard
products' batch runs hold, guarded by a CheckConstraint so no race can drive free stock
below zero. Work centres carry the calendars the planner books against. Standard products
are the mass-produced catalogue: fixed configurations sold from their own stock, never
part of the build-to-order plan (their batch runs meet it only at component stock).
"""

from django.db import models
from django.db.models import F, Q


class Component(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    stock = models.IntegerField(default=0, help_text="On hand")
    reserved = models.IntegerField(default=0, editable=False, help_text="Held by orders")

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="component_stock_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("stock")),
                name="component_reserved_within_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def free(self) -> int:
        return self.stock - self.reserved


class SupplyBatch(models.Model):
    """Components arriving on a day: from a supplier, or the output of a planned batch run
    of the component (`batch_run`), which turns into on-hand stock when the run finishes."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="supply")
    quantity = models.PositiveIntegerField()
    available_on = models.DateField()
    reserved = models.IntegerField(default=0, editable=False)
    batch_run = models.OneToOneField(
        "BatchRun",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="supply_batch",
    )

    class Meta:
        ordering = ["component", "available_on", "id"]
        verbose_name_plural = "supply batches"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("quantity")),
                name="supply_reserved_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.component.sku} on {self.available_on}"


class WorkCentre(models.Model):
    class Plan(models.TextChoices):
        BUILD_TO_ORDER = "build_to_order", "Build to order"
        BATCH = "batch", "Batch (standard products)"

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    minutes_per_day = models.PositiveIntegerField()
    workdays = models.JSONField(default=list, help_text="0 = Monday … 6 = Sunday")
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.BUILD_TO_ORDER)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_per_day__gte=1) & Q(minutes_per_day__lte=1440),
                name="work_centre_minutes_in_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Holiday(models.Model):
    work_centre = models.ForeignKey(WorkCentre, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()

    class Meta:
        ordering = ["work_centre", "date"]
        constraints = [
            models.UniqueConstraint(fields=["work_centre", "date"], name="holiday_unique"),
        ]

    def __str__(self) -> str:
        return str(self.date)


class StandardProduct(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    product_code = models.CharField(max_length=40)
    selections = models.JSONField(default=dict)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    stock = models.IntegerField(default=0)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="standard_price_gte_0"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="standard_stock_gte_0"),
        ]

    def __str__(self) -> str:
        return self.sku


# --- The build-to-order plan --------------------------------------------------------------
# Written only by production.services, under one plan-shard lock per writer; the conditional
# updates there and the constraints here are the last line against over-booking.


class CapacityDay(models.Model):
    """Minutes a work centre can work on one day and how many are booked.

    A row is created (from the calendar) the first time a day is booked; from then on it is
    the day's authority: staff may raise or lower `capacity_minutes` here (overtime, a
    breakdown) and the planner honours it. A changed calendar applies to untouched days.
    """

    work_centre = models.ForeignKey(WorkCentre, on_delete=models.PROTECT, related_name="days")
    day = models.DateField()
    capacity_minutes = models.PositiveIntegerField()
    booked_minutes = models.IntegerField(default=0)

    class Meta:
        ordering = ["work_centre", "day"]
        constraints = [
            models.UniqueConstraint(fields=["work_centre", "day"], name="capacity_day_unique"),
            models.CheckConstraint(
                condition=Q(booked_minutes__gte=0) & Q(booked_minutes__lte=F("capacity_minutes")),
                name="capacity_day_booked_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_centre.code} {self.day}: {self.booked_minutes}/{self.capacity_minutes}"

    @property
    def free_minutes(self) -> int:
        return self.capacity_minutes - self.booked_minutes


class PlanEntry(models.Model):
    """Minutes of one operation of one order line booked on a work centre on one day.
    `start`/`end` are for display (the Gantt chart); `day` and `minutes` are what count."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="plan_entries")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="plan_entries"
    )
    op_index = models.PositiveSmallIntegerField()
    work_centre = models.ForeignKey(WorkCentre, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    minutes = models.PositiveIntegerField()
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["day", "work_centre", "start", "id"]
        verbose_name_plural = "plan entries"
        indexes = [models.Index(fields=["work_centre", "day"])]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="plan_entry_minutes_gt_0"),
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="plan_entry_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.order_id} · {self.work_centre_id} {self.day} {self.minutes} min"


class Reservation(models.Model):
    """Components held for an order line of the build-to-order plan, or for a batch run of
    a standard product (the one place the two plans meet): from on-hand stock
    (`supply_batch` empty) or from an incoming supply batch. Mirrored by
    Component.reserved / SupplyBatch.reserved."""

    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    batch_run = models.ForeignKey(
        "BatchRun", null=True, blank=True, on_delete=models.PROTECT, related_name="reservations"
    )
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="reservations")
    supply_batch = models.ForeignKey(
        SupplyBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["order", "order_line", "component", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0"),
            models.CheckConstraint(
                condition=(
                    Q(order__isnull=False) & Q(order_line__isnull=False) & Q(batch_run__isnull=True)
                )
                | (Q(order__isnull=True) & Q(order_line__isnull=True) & Q(batch_run__isnull=False)),
                name="reservation_held_for_one",
            ),
        ]

    def __str__(self) -> str:
        batch = self.supply_batch  # None without a query when there is no batch id
        source = f"batch of {batch.available_on}" if batch is not None else "stock"
        holder = f"run {self.batch_run_id}" if self.batch_run_id else f"order {self.order_id}"
        return f"{self.quantity} × {self.component.sku} from {source} for {holder}"


class ReplanRun(models.Model):
    """One re-optimisation of the build-to-order plan, started by staff; its progress is
    written as it goes so the admin can watch it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    moved = models.PositiveIntegerField(default=0)
    total_tardiness = models.PositiveIntegerField(null=True, blank=True, help_text="days")
    max_lateness = models.IntegerField(null=True, blank=True, help_text="days")
    message = models.CharField(max_length=500, blank=True)
    requested_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Replan {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return (
            100
            if self.status == self.Status.DONE
            else (100 * self.done // self.total if self.total else 0)
        )


# --- The batch plan of standard products (and components made in house) -----------------


class BatchRun(models.Model):
    """A batch of one standard product or one component on a batch work centre. Finishing
    it adds its quantity to that item's stock (standard products feed the shop, components
    the build-to-order plan). While planned, a component's run is a SupplyBatch of the
    build-to-order plan, and a standard product's run holds its components (Reservations)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        FINISHED = "finished", "Finished"

    standard_product = models.ForeignKey(
        StandardProduct, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    work_centre = models.ForeignKey(WorkCentre, on_delete=models.PROTECT, related_name="runs")
    quantity = models.PositiveIntegerField()
    minutes = models.PositiveIntegerField(help_text="Work for the whole run")
    start_day = models.DateField()
    end_day = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start_day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(standard_product__isnull=False) & Q(component__isnull=True))
                | (Q(standard_product__isnull=True) & Q(component__isnull=False)),
                name="batch_run_makes_one_item",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_run_quantity_gt_0"),
            models.CheckConstraint(condition=Q(end_day__gte=F("start_day")), name="batch_run_days"),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk}: {self.quantity} × {self.item_sku} on {self.work_centre_id}"

    @property
    def item_sku(self) -> str:
        item = self.standard_product or self.component
        return item.sku if item else "?"


class BatchBooking(models.Model):
    """Minutes of a batch run on its work centre on one day (mirrored by CapacityDay)."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="bookings")
    work_centre = models.ForeignKey(WorkCentre, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="batch_booking_minutes_gt_0"),
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id} · {self.day} {self.minutes} min"
