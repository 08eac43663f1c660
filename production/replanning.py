"""Re-optimising the build-to-order plan: the replan itself, and the ReplanRun that lets
staff start one from the plan page and watch a worker carry it out."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from atelier import enqueue
from orders.models import Order
from production import plan_store, planner
from production.models import PlanEntry, ReplanRun
from production.scheduling import _lines_by_order
from production.shards import BUILD_TO_ORDER_SHARD, lock_shard


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


# Staff asking for a replan at the same moment queue one run, not two: the look for an
# active run and the insert happen under a lock of their own (not the plan's, which a
# running replan holds for seconds).
REPLAN_REQUESTS = "replan_requests"


def start_replan(*, requested_by: str = "") -> ReplanRun:
    """Queue a replan for a worker (or return the one already queued or running)."""
    with transaction.atomic():
        lock_shard(REPLAN_REQUESTS)
        run = ReplanRun.objects.filter(
            status__in=[ReplanRun.Status.QUEUED, ReplanRun.Status.RUNNING]
        ).first()
        if run is not None and run.status == ReplanRun.Status.RUNNING:
            return run
        # A run still queued may have lost its message (broker down, a crash between commit
        # and send) and would block every later replan: send it again (run_replan is
        # idempotent). robust: the run is committed; a broker error must not be a 500.
        run = run or ReplanRun.objects.create(requested_by=requested_by)
        transaction.on_commit(lambda: _send_replan(run.pk), robust=True)
    return run


def _send_replan(run_id: int) -> None:
    from production.tasks import replan_task

    # Broker down: logged; the run stays queued and the next replan request re-sends it.
    enqueue.send(replan_task, run_id)


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
