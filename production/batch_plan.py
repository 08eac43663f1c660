"""The batch plan of standard products and in-house components: plan a run into free
batch capacity, and finish it (its quantity joins the item's stock)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from atelier.problems import DomainError
from production import plan_store, planner
from production.models import BatchBooking, BatchRun, Component, StandardProduct, WorkCentre
from production.shards import BATCH_SHARD, lock_shard


class BatchPlanError(DomainError):
    problem_type = "batch-plan"
    title = "The batch run cannot be planned"


def plan_batch_run(
    *, sku: str, work_centre: str, quantity: int, minutes: int, earliest: date | None = None
) -> BatchRun:
    """Plan a batch of `quantity` of a standard product or component `sku` needing
    `minutes` of work on batch work centre `work_centre`, as early as its free capacity
    allows (from `earliest`, default today). Books CapacityDay rows like the build-to-order
    plan, under the batch plan's own shard lock."""
    if quantity <= 0 or minutes <= 0:
        raise BatchPlanError("A batch run needs a positive quantity and minutes of work.")
    standard = StandardProduct.objects.filter(sku=sku).first()
    component = None if standard else Component.objects.filter(sku=sku).first()
    if standard is None and component is None:
        raise BatchPlanError(f"There is no standard product or component {sku!r}.")
    centre = WorkCentre.objects.filter(code=work_centre, plan=WorkCentre.Plan.BATCH).first()
    if centre is None:
        raise BatchPlanError(f"{work_centre!r} is not a batch work centre.")
    today = timezone.localdate()
    request = planner.OrderRequest(
        f"run:{sku}",
        (planner.OrderLine((planner.Operation(centre.code, minutes),)),),
        received_on=max(today, earliest or today),
    )
    with transaction.atomic():
        lock_shard(BATCH_SHARD)
        plan = plan_store.load_plan(today=today, plan=WorkCentre.Plan.BATCH)
        try:
            placement = planner.insert_order(plan.state, request, today=today)
        except planner.NoCapacity as exc:
            raise BatchPlanError(str(exc)) from exc
        run = BatchRun.objects.create(
            standard_product=standard,
            component=component,
            work_centre=centre,
            quantity=quantity,
            minutes=minutes,
            start_day=placement.start_day,
            end_day=placement.end_day,
        )
        BatchBooking.objects.bulk_create(
            BatchBooking(run=run, work_centre=centre, day=b.day, minutes=b.minutes)
            for b in placement.bookings
        )
        per_day: dict[tuple[int, date], int] = defaultdict(int)
        for b in placement.bookings:
            per_day[(centre.pk, b.day)] += b.minutes
        plan_store.book_capacity(plan, per_day)
    return run


def finish_batch_run(*, run_id: int) -> BatchRun:
    """Mark a planned run finished: its quantity joins the item's stock (an F() update),
    and capacity it had booked after today is freed. Finishing twice changes nothing."""
    today = timezone.localdate()
    with transaction.atomic():
        finished = BatchRun.objects.filter(pk=run_id, status=BatchRun.Status.PLANNED).update(
            status=BatchRun.Status.FINISHED, finished_at=timezone.now()
        )
        run = BatchRun.objects.get(pk=run_id)
        if not finished:
            return run
        item = StandardProduct if run.standard_product_id else Component
        item.objects.filter(pk=run.standard_product_id or run.component_id).update(
            stock=F("stock") + run.quantity
        )
        later = run.bookings.filter(day__gt=today)
        per_day: dict[tuple[int, date], int] = defaultdict(int)
        for wc_id, day, minutes in later.values_list("work_centre_id", "day", "minutes"):
            per_day[(wc_id, day)] += minutes
        if per_day:
            lock_shard(BATCH_SHARD)
            plan_store.release_capacity(per_day)
            later.delete()
    return run
