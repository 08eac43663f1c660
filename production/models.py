"""Production master data and plans.

Components carry live stock; `reserved` counts what build-to-order lines hold, guarded by
a CheckConstraint so no race can drive free stock below zero. Work centres carry the
calendars the planner books against. Standard products are the mass-produced catalogue:
fixed configurations sold from their own stock, never part of the build-to-order plan.
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
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="supply")
    quantity = models.PositiveIntegerField()
    available_on = models.DateField()
    reserved = models.IntegerField(default=0, editable=False)

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
