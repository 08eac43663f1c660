"""Writers of the production plans, one module a concept, gathered here for callers:
- `scheduling`: place build-to-order orders into the plan (promising their ship dates),
  release a cancelled order's capacity and components;
- `replanning`: re-place not-started work (every promise kept), run by a worker for staff;
- `batch_plan`: plan and finish batch runs of standard products and components;
- `shards`: the plan-shard lock every writer takes, and the lock order they all follow;
- here: staff's changes to a day's capacity.
"""

from __future__ import annotations

from atelier.problems import DomainError
from production.batch_plan import BatchPlanError, finish_batch_run, plan_batch_run
from production.models import CapacityDay
from production.plan_store import CapacityRace, PlanCorrupted, PlanRace, SupplyRace
from production.replanning import (
    ReplanSummary,
    fail_replan,
    replan,
    run_replan,
    start_replan,
)
from production.scheduling import release_order, schedule_order
from production.shards import lock_shard

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


class CapacityBelowBooked(DomainError):
    problem_type = "capacity-below-booked"
    title = "A day's capacity cannot go below what is booked"


def set_day_capacity(*, capacity_day_id: int, minutes: int) -> None:
    """Change one day's capacity (overtime, a breakdown), never below what is booked."""
    changed = CapacityDay.objects.filter(pk=capacity_day_id, booked_minutes__lte=minutes).update(
        capacity_minutes=minutes
    )
    if not changed:
        raise CapacityBelowBooked(f"{minutes} minutes is less than that day already has booked.")
