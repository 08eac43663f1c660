"""The batch plan of standard products and in-house components: plan a run into free
batch capacity, and finish it (its quantity joins the item's stock).

The two plans meet only at component stock, both ways:
- a planned run of a component is incoming supply of the build-to-order plan (a
  SupplyBatch linked to the run); finishing the run turns that batch into on-hand stock;
- a run of a standard product holds the components its quantity needs (Reservations of the
  run, in the same counters orders use), so the build-to-order plan cannot take them;
  finishing the run consumes them.
Both therefore take the build-to-order shard lock too, after the batch plan's own
(production.shards describes the order).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from atelier.errors import BatchPlanError, DomainError
from configurator.selectors import NoPublishedCatalogue, published_version
from orders.pricing import LineRequest, price_line
from production import consumption, plan_store, planner
from production.models import (
    BatchBooking,
    BatchRun,
    Component,
    StandardProduct,
    SupplyBatch,
    WorkCentre,
)
from production.shards import BATCH_SHARD, BUILD_TO_ORDER_SHARD, lock_shard


def plan_batch_run(
    *, sku: str, work_centre: str, quantity: int, minutes: int, earliest: date | None = None
) -> BatchRun:
    """Plan a batch of `quantity` of a standard product or component `sku` needing
    `minutes` of work on batch work centre `work_centre`, as early as its free capacity
    allows (from `earliest`, default today). Books CapacityDay rows like the build-to-order
    plan, under the batch plan's own shard lock.

    A standard product's run also reserves its bill of materials times `quantity` (from
    stock, else from supply batches, starting no earlier than the last of them arrives);
    when stock and every known batch cannot cover a component, it raises `BatchPlanError`
    and writes nothing. A component's run becomes a supply batch of the build-to-order plan.
    """
    if quantity <= 0 or minutes <= 0:
        raise BatchPlanError("A batch run needs a positive quantity and minutes of work.")
    standard = StandardProduct.objects.filter(sku=sku).first()
    component = None if standard else Component.objects.filter(sku=sku).first()
    if standard is None and component is None:
        raise BatchPlanError(f"There is no standard product or component {sku!r}.")
    centre = WorkCentre.objects.filter(code=work_centre, plan=WorkCentre.Plan.BATCH).first()
    if centre is None:
        raise BatchPlanError(f"{work_centre!r} is not a batch work centre.")
    components = _components_of(standard, quantity) if standard else {}
    today = timezone.localdate()
    request = planner.OrderRequest(
        f"run:{sku}",
        (planner.OrderLine((planner.Operation(centre.code, minutes),), tuple(components.items())),),
        received_on=max(today, earliest or today),
    )
    with transaction.atomic():
        lock_shard(BATCH_SHARD)
        # Component stock and supply are the build-to-order plan's: read and change them as
        # its one writer (always after BATCH_SHARD, see production.shards).
        lock_shard(BUILD_TO_ORDER_SHARD)
        plan = plan_store.load_plan(today=today, plan=WorkCentre.Plan.BATCH)
        try:
            placement = planner.insert_order(plan.state, request, today=today)
        except planner.NoSupply as exc:
            raise BatchPlanError(
                f"{quantity} × {sku} cannot be made: stock and every known supply batch of "
                f"{exc.sku} are short by {exc.short_by}."
            ) from exc
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
        if component is not None:
            # Available the day after the run's last day, not on it: the planner lets work
            # start on the day a batch arrives, and the run may use all of its last day, so
            # an order assembling with these parts on end_day could start before they exist.
            SupplyBatch.objects.create(
                component=component,
                quantity=quantity,
                available_on=placement.end_day + timedelta(days=1),
                batch_run=run,
            )
        else:
            plan_store.write_run_reservations(plan, placement, run_id=run.pk)
    return run


def _components_of(standard: StandardProduct, quantity: int) -> dict[str, int]:
    """The components `quantity` of `standard` consume: its configuration's bill of
    materials in the published catalogue (the one function that prices and plans an order
    line), times `quantity`."""
    request = LineRequest(
        product=standard.product_code, selections=standard.selections, quantity=quantity
    )
    try:
        line = price_line(version=published_version(), request=request)
    except (DomainError, NoPublishedCatalogue) as exc:
        raise BatchPlanError(
            f"{standard.sku} has no bill of materials in the published catalogue: {exc}"
        ) from exc
    return {component: int(q) * quantity for component, q in line.bom.items()}


def finish_batch_run(*, run_id: int) -> BatchRun:
    """Mark a planned run finished, and capacity it had booked after today is freed.
    Finishing twice changes nothing.

    A component run's supply batch becomes on-hand stock (what orders held on it they now
    hold on stock); a run planned before runs had a batch adds its quantity to stock. A
    standard product's run consumes the components it holds and adds its quantity to the
    product's stock; it raises `BatchPlanError` (changing nothing) while some of them have
    not arrived yet."""
    today = timezone.localdate()
    with transaction.atomic():
        # The lock order of production.shards: both plans, then the run's row.
        lock_shard(BATCH_SHARD)
        lock_shard(BUILD_TO_ORDER_SHARD)
        finished = BatchRun.objects.filter(pk=run_id, status=BatchRun.Status.PLANNED).update(
            status=BatchRun.Status.FINISHED, finished_at=timezone.now()
        )
        run = BatchRun.objects.get(pk=run_id)
        if not finished:
            return run
        if run.component_id:
            if consumption.batch_to_stock(run_id=run.pk) is None:
                Component.objects.filter(pk=run.component_id).update(
                    stock=F("stock") + run.quantity
                )
        else:
            consumption.use_up(
                run.reservations.all(), today=today, holder=f"run {run.pk}", error=BatchPlanError
            )
            # A run makes a component or a standard product, never neither (its constraint).
            assert run.standard_product_id is not None
            StandardProduct.objects.filter(pk=run.standard_product_id).update(
                stock=F("stock") + run.quantity
            )
        later = run.bookings.filter(day__gt=today)
        per_day: dict[tuple[int, date], int] = defaultdict(int)
        for wc_id, day, minutes in later.values_list("work_centre_id", "day", "minutes"):
            per_day[(wc_id, day)] += minutes
        if per_day:
            plan_store.release_capacity(per_day)
            later.delete()
    return run
