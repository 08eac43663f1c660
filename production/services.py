"""Writers of the production plans, one module a concept, gathered here for callers:
- `scheduling`: place build-to-order orders into the plan (promising their ship dates),
  release a cancelled order's capacity and components;
- `replanning`: re-place not-started work (every promise kept), run by a worker for staff;
- `batch_plan`: plan and finish batch runs of standard products and components;
- `shards`: the plan-shard lock every writer takes, and the lock order they all follow;
- here: staff's changes to a day's capacity.
"""

from __future__ import annotations

from django.db import transaction

from atelier import enqueue
from atelier.errors import CapacityBelowBooked
from production.batch_plan import BatchPlanError, finish_batch_run, plan_batch_run
from production.models import CapacityDay, ReplanRun
from production.plan_store import CapacityRace, PlanCorrupted, PlanRace, SupplyRace
from production.replanning import ReplanSummary, fail_replan, replan, run_replan
from production.scheduling import release_order, schedule_order
from production.shards import lock_shard
from production.tasks import replan_task

__all__ = [
    "BatchPlanError",
    "CapacityBelowBooked",
    "CapacityRace",
    "PlanCorrupted",
    "PlanRace",
    "ReplanSummary",
    "SupplyRace",
    "fail_replan",
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


def set_day_capacity(*, capacity_day_id: int, minutes: int) -> None:
    """Change one day's capacity (overtime, a breakdown), never below what is booked."""
    changed = CapacityDay.objects.filter(pk=capacity_day_id, booked_minutes__lte=minutes).update(
        capacity_minutes=minutes
    )
    if not changed:
        raise CapacityBelowBooked(f"{minutes} minutes is less than that day already has booked.")


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
        # idempotent). Broker down: logged, never a 500; the run stays queued and the next
        # replan request re-sends it.
        run = run or ReplanRun.objects.create(requested_by=requested_by)
        enqueue.send_on_commit(replan_task, run.pk)
    return run
