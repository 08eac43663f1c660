"""Writers of the production plans, one module a concept, gathered here for callers:
- `scheduling`: place build-to-order orders into the plan (promising their ship dates),
  release a cancelled order's capacity and components;
- `replanning`: re-place not-started work (every promise kept), run by a worker for staff;
- `batch_plan`: plan and finish batch runs of standard products and components;
- `fulfilment`: start and ship orders, consuming their reserved components;
- `capacity`: staff's changes to a day's capacity;
- `shards` (production.shards): the plan-shard lock every writer takes, in one order.
"""

from __future__ import annotations

from atelier.errors import CapacityBelowBooked
from production.plan_store import CapacityRace, PlanCorrupted, PlanRace, SupplyRace
from production.services.batch_plan import BatchPlanError, finish_batch_run, plan_batch_run
from production.services.capacity import set_day_capacity
from production.services.replanning import (
    ReplanSummary,
    fail_replan,
    replan,
    run_replan,
    start_replan,
)
from production.services.scheduling import release_order, schedule_order
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
