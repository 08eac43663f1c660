"""Writers of the production plans: schedule, release and replan build-to-order orders;
plan and finish batch runs of standard products and components.

Locks, always taken in this order so no two writers can wait on each other in a cycle:
1. the row of the order being changed (`SELECT … FOR UPDATE`), by the caller or here;
2. the plan-shard lock (`lock_shard`), one writer per plan at a time;
3. rows of other orders whose plan entries move (express displacement, replan):
   `FOR NO KEY UPDATE SKIP LOCKED`, so an order that is being cancelled right now (its
   row held by cancel_order, which then waits for the shard lock) is simply left where it
   is instead of deadlocking. SKIP LOCKED only ever chooses which *orders* may move;
   stock and capacity are never read or reserved with it.
The counters are then changed by conditional updates (plan_store), the backstop behind
the shard lock for anything that writes without it.

An order that can never be built (NoSupply: stock plus every known supply batch cannot
cover it; a route naming no build-to-order work centre; no capacity within the horizon)
is cancelled by the planner with the reason as the event's note, so the customer or
partner hears it at once (status webhook) instead of waiting on an order that stays
`received` and is re-swept every half minute. The configurator's estimate shows no
date for such a configuration, so this only happens when supply ran out in between.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from atelier.problems import DomainError
from orders.models import Order, OrderLine
from orders.services import transition
from production import plan_store, planner
from production.models import (
    BatchBooking,
    BatchRun,
    CapacityDay,
    Component,
    PlanEntry,
    ReplanRun,
    StandardProduct,
    WorkCentre,
)
from production.plan_store import CapacityRace, PlanCorrupted, PlanRace, SupplyRace

__all__ = [
    "BatchPlanError",
    "CapacityBelowBooked",
    "CapacityRace",
    "PlanCorrupted",
    "PlanRace",
    "SupplyRace",
    "finish_batch_run",
    "lock_shard",
    "plan_batch_run",
    "release_order",
    "replan",
    "run_replan",
    "schedule_order",
    "set_day_capacity",
    "start_replan",
]

log = logging.getLogger("atelier.production")

BUILD_TO_ORDER_SHARD = "build_to_order"
BATCH_SHARD = "batch"
PLANNER_ACTOR = "planner"
# Longer than any writer holds the shard lock (a replan of thousands of orders takes a
# few seconds); a waiter that gives up raises a retryable OperationalError.
LOCK_TIMEOUT = "30s"


class BatchPlanError(DomainError):
    problem_type = "batch-plan"
    title = "The batch run cannot be planned"


class CapacityBelowBooked(DomainError):
    problem_type = "capacity-below-booked"
    title = "A day's capacity cannot go below what is booked"


def shard_key(shard: str) -> int:
    """A stable 32-bit key for `pg_advisory_xact_lock` (the same in every process)."""
    return zlib.crc32(f"atelier.plan.{shard}".encode())


def lock_shard(shard: str = BUILD_TO_ORDER_SHARD) -> None:
    """Become the one writer of plan `shard` until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock, released by commit or rollback, also
    when the worker process dies. SQLite: nothing to do, because settings open every
    transaction IMMEDIATE, which takes the database's single write lock at BEGIN; every
    writer is therefore already serialised for its whole transaction, this one included.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_shard must run inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [shard_key(shard)])


def _lines_by_order(order_ids) -> dict[int, list[OrderLine]]:
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in plan_store.lines_of(order_ids):
        lines[line.order_id].append(line)
    return lines


def _cannot_build(exc: planner.PlanningError) -> str:
    if isinstance(exc, planner.NoSupply):
        return (
            f"Cannot be built: stock and every known supply batch of {exc.sku} "
            f"are short by {exc.short_by}."
        )
    if isinstance(exc, planner.UnknownWorkCentre):
        return f"Cannot be built: its route names {exc.code!r}, which is no build-to-order work centre."
    if isinstance(exc, planner.NoCapacity):
        return f"Cannot be built: {exc.work_centre} has no free capacity within {exc.horizon_days} days."
    return f"Cannot be built: {exc}"


# --- build to order -----------------------------------------------------------------------


def schedule_order(*, order_id: int, today: date | None = None) -> Order:
    """Place a `received` order into the build-to-order plan and promise its ship date.

    Idempotent: under the order's row lock, anything but `received` returns unchanged, so
    a redelivered or duplicated task changes nothing (nor does one finding the row locked
    by another transaction, which is placing or cancelling it).

    While it holds the shard lock it also places up to `ATELIER_SCHEDULE_BATCH` - 1 other
    orders waiting in `received` (oldest first; rows another worker holds are skipped), all
    in one transaction: one read of the plan, one write of bookings and reservations, each
    order its own `scheduled` event. Their own tasks then find them scheduled and stop at
    the status check. Orders are placed in arrival order.

    Raises `PlanRace` (retryable) when a counter refuses an update, `Order.DoesNotExist`
    for an unknown id. `today` (default: the local date) is the first day work may be booked.
    """
    today = today or timezone.localdate()
    current = Order.objects.only(*ORDER_FIELDS).get(pk=order_id)
    if current.status != Order.Status.RECEIVED:
        return current  # the common case of a task whose order a batch already placed
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(skip_locked=True)
            .only(*ORDER_FIELDS)
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            # Another transaction holds the row: a worker scheduling it in its batch, or a
            # cancellation. It decides; waiting would only idle this worker. Should it roll
            # back, its own retry or the sweep sends the order again.
            return current
        if order.status != Order.Status.RECEIVED:
            return order
        orders = [order, *_waiting_orders(exclude=order.pk, limit=schedule_batch() - 1)]
        orders.sort(key=lambda o: (o.created_at, o.pk))
        lines = _lines_by_order([o.pk for o in orders])
        lock_shard(BUILD_TO_ORDER_SHARD)
        plan = plan_store.load_plan(today=today)
        outcome = _place_orders(plan, orders, lines, today=today)
    return outcome[order_id]


# Only what planning reads; status and created_at for the checks and the arrival order.
ORDER_FIELDS = ("id", "status", "priority", "created_at", "promised_ship_date")
# Express orders consider at most this many not-started orders to push back (the earliest
# ones): enough to free the next days, without reading a whole crowded plan under the lock.
EXPRESS_CANDIDATES = 50


def schedule_batch() -> int:
    return max(1, int(getattr(settings, "ATELIER_SCHEDULE_BATCH", 20)))


def _waiting_orders(*, exclude: int, limit: int) -> list[Order]:
    if limit <= 0:
        return []
    # SKIP LOCKED picks which *orders* this worker takes along: one another worker holds is
    # its business. Stock and capacity are never read or reserved this way.
    return list(
        Order.objects.filter(status=Order.Status.RECEIVED)
        .exclude(pk=exclude)
        .order_by("created_at", "id")
        .only(*ORDER_FIELDS)
        .select_for_update(skip_locked=True)[:limit]
    )


def _place_orders(
    plan: plan_store.LoadedPlan,
    orders: list[Order],
    lines: dict[int, list[OrderLine]],
    *,
    today: date,
) -> dict[int, Order]:
    """Place `orders` one after the other (each sees the ones before), then write them all."""
    tz = timezone.get_current_timezone()
    outcome: dict[int, Order] = {}
    placed: list[int] = []
    moved: set[int] = set()
    booked_before = plan.state.booked
    for order in orders:
        request = plan_store.order_request(order, lines[order.pk])
        try:
            placement = planner.insert_order(plan.state, request, today=today, tz=tz)
            if request.priority > 0:
                plan, placement = _express(plan, request, placement, today=today)
        except (planner.NoSupply, planner.UnknownWorkCentre, planner.NoCapacity) as exc:
            log.info("order %s cannot be built: %s", order.pk, exc)
            outcome[order.pk] = transition(
                order_id=order.pk,
                to=Order.Status.CANCELLED,
                actor=PLANNER_ACTOR,
                note=_cannot_build(exc),
            )
            continue
        plan = dataclasses.replace(plan, state=planner.apply(plan.state, placement))
        placed.append(order.pk)
        moved.update(p.order_id for p in placement.moved)
    moved.difference_update(placed)
    if moved:
        lines.update(_lines_by_order(moved))
        # Displaced orders keep their parts and promises; only their bookings move.
        plan_store.release(moved, reservations=False)
    final = plan.state.placements
    plan_store.write_bookings(
        plan, [final[oid] for oid in [*placed, *sorted(moved)]], lines, booked_before=booked_before
    )
    plan_store.write_reservations(plan, [final[oid] for oid in placed], lines)
    for oid in placed:
        outcome[oid] = transition(
            order_id=oid,
            to=Order.Status.SCHEDULED,
            actor=PLANNER_ACTOR,
            promised_ship_date=plan.state.promises[oid],
        )
    return outcome


def _express(
    plan: plan_store.LoadedPlan,
    request: planner.OrderRequest,
    normal: planner.Placement,
    *,
    today: date,
) -> tuple[plan_store.LoadedPlan, planner.Placement]:
    """Place an express order again, now knowing the earliest lower-priority, not-started
    orders it could push back (each still ships by its promise, the core guarantees)."""
    centres = {op.work_centre for line in request.lines for op in line.operations}
    # Two plain queries rather than one join: the earliest-starting orders on those work
    # centres, then which of them may move. No join, so no bad plan on stale statistics.
    earliest = list(
        PlanEntry.objects.filter(
            work_centre_id__in=[
                plan.work_centre_ids[c] for c in centres if c in plan.work_centre_ids
            ],
            day__gt=today,
            day__lte=normal.end_day,
        )
        .values("order_id")
        .annotate(first=Min("day"))
        .order_by("first", "order_id")
        .values_list("order_id", flat=True)[: 2 * EXPRESS_CANDIDATES]
    )
    movable = set(
        Order.objects.filter(
            pk__in=earliest, status=Order.Status.SCHEDULED, priority__lt=request.priority
        ).values_list("pk", flat=True)
    )
    orders = list(
        Order.objects.filter(
            pk__in=[oid for oid in earliest if oid in movable][:EXPRESS_CANDIDATES]
        )
        .only(*ORDER_FIELDS)
        .select_for_update(skip_locked=True, no_key=True)
    )
    if not orders:
        return plan, normal
    placements, promises = plan_store.load_placements(plan, orders)
    plan = plan_store.with_placements(plan, placements, promises)
    tz = timezone.get_current_timezone()
    return plan, planner.insert_order(plan.state, request, today=today, tz=tz)


def release_order(*, order_id: int) -> None:
    """Free the capacity and components an order holds (nothing if it holds none).

    Called by orders.services.cancel_order inside its transaction, with the order's row
    locked; takes the shard lock itself so it never interleaves with a scheduler.
    """
    with transaction.atomic():
        lock_shard(BUILD_TO_ORDER_SHARD)
        plan_store.release([order_id])


@dataclass(frozen=True)
class ReplanSummary:
    orders: int
    moved: int
    total_tardiness: int
    max_lateness: int
    makespan: int


def replan(
    *, on_progress: Callable[[int, int], None] | None = None, today: date | None = None
) -> ReplanSummary:
    """Re-place the not-started work of the build-to-order plan (the core's replan: every
    promise is a hard constraint and the worst lateness never grows), and write it.

    `on_progress(done, total)` is called as the work advances, the last step being the write.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        lock_shard(BUILD_TO_ORDER_SHARD)
        plan = plan_store.load_plan(today=today)
        orders = list(
            Order.objects.filter(
                status=Order.Status.SCHEDULED,
                pk__in=PlanEntry.objects.filter(day__gte=today).values("order_id"),
            ).select_for_update(skip_locked=True, no_key=True)
        )
        placements, promises = plan_store.load_placements(plan, orders)
        plan = plan_store.with_placements(plan, placements, promises)
        stages = [0]

        def progress(done: int, total: int) -> None:
            stages[0] = total
            if on_progress is not None:
                on_progress(done, total + 1)

        result = planner.replan(plan.state, today=today, on_progress=progress)
        changed = list(result.placements)
        if changed:
            ids = [p.order_id for p in changed]
            booked = dict(plan.state.booked)
            for oid in ids:
                for b in placements[oid].bookings:
                    booked[(b.work_centre, b.day)] = (
                        booked.get((b.work_centre, b.day), 0) - b.minutes
                    )
            plan_store.release(ids)
            plan = plan_store.reload_batches(plan)
            lines = _lines_by_order(ids)
            plan_store.write_bookings(plan, changed, lines, booked_before=booked)
            plan_store.write_reservations(plan, changed, lines)
        if on_progress is not None:
            on_progress(stages[0] + 1, stages[0] + 1)
    return ReplanSummary(
        orders=len(orders),
        moved=result.moved,
        total_tardiness=result.total_tardiness,
        max_lateness=result.max_lateness,
        makespan=result.makespan,
    )


def start_replan(*, requested_by: str = "") -> ReplanRun:
    """Queue a replan for a worker (or return the one already queued or running)."""
    from production.tasks import replan_task

    with transaction.atomic():
        running = ReplanRun.objects.filter(
            status__in=[ReplanRun.Status.QUEUED, ReplanRun.Status.RUNNING]
        ).first()
        if running is not None:
            return running
        run = ReplanRun.objects.create(requested_by=requested_by)
        transaction.on_commit(lambda: replan_task.delay(run.pk))
    return run


def run_replan(*, run_id: int, on_progress: Callable[[int, int], None] | None = None) -> ReplanRun:
    """Carry out a queued ReplanRun, recording progress and the outcome on it.

    A finished run is returned unchanged; a `running` one (its worker died) runs again,
    which is harmless: replanning a plan that was just replanned moves nothing.
    """
    claimed = ReplanRun.objects.filter(
        pk=run_id, status__in=[ReplanRun.Status.QUEUED, ReplanRun.Status.RUNNING]
    ).update(status=ReplanRun.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return ReplanRun.objects.get(pk=run_id)
    record = _progress_recorder(run_id)
    steps = [0]

    def progress(done: int, total: int) -> None:
        steps[0] = total
        record(done, total)
        if on_progress is not None:
            on_progress(done, total)

    try:
        summary = replan(on_progress=progress)
    except planner.PlanningError as exc:
        fail_replan(run_id=run_id, message=str(exc))
        return ReplanRun.objects.get(pk=run_id)
    ReplanRun.objects.filter(pk=run_id).update(
        status=ReplanRun.Status.DONE,
        done=steps[0],
        total=steps[0],
        moved=summary.moved,
        total_tardiness=summary.total_tardiness,
        max_lateness=summary.max_lateness,
        message=f"{summary.moved} of {summary.orders} orders moved; every promise kept.",
        finished_at=timezone.now(),
    )
    return ReplanRun.objects.get(pk=run_id)


def fail_replan(*, run_id: int, message: str) -> None:
    ReplanRun.objects.filter(pk=run_id).exclude(status=ReplanRun.Status.DONE).update(
        status=ReplanRun.Status.FAILED, message=message[:500], finished_at=timezone.now()
    )


def _progress_recorder(run_id: int) -> Callable[[int, int], None]:
    """Write progress where staff can see it while the replan's transaction is still open:
    on PostgreSQL from a short-lived thread (its own connection, autocommit). On SQLite
    that connection would wait for the replan's write lock, so progress shows at the end."""

    def record(done: int, total: int) -> None:
        if connection.vendor != "postgresql":
            return

        def write() -> None:
            try:
                ReplanRun.objects.filter(pk=run_id, status=ReplanRun.Status.RUNNING).update(
                    done=done, total=total
                )
            finally:
                close_old_connections()
                connection.close()

        thread = threading.Thread(target=write, name=f"replan-{run_id}-progress")
        thread.start()
        thread.join(timeout=5)

    return record


def set_day_capacity(*, capacity_day_id: int, minutes: int) -> None:
    """Change one day's capacity (overtime, a breakdown), never below what is booked."""
    changed = CapacityDay.objects.filter(pk=capacity_day_id, booked_minutes__lte=minutes).update(
        capacity_minutes=minutes
    )
    if not changed:
        raise CapacityBelowBooked(f"{minutes} minutes is less than that day already has booked.")


# --- the batch plan of standard products --------------------------------------------------


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
