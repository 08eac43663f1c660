"""Atelier's build-to-order planner: a pure-Python core with no Django, clock or settings.

It places orders' operations on day-bucketed, finite-capacity work centre calendars and
their components on stock and supply batches, promises ship dates, and keeps them.
"""

from .calendars import Calendar, add_working_days, is_working_day, next_working_day, shift_start
from .errors import DuplicateOrder, NoCapacity, NoSupply, PlanningError, UnknownWorkCentre
from .insertion import estimate, insert_order
from .invariants import violations
from .model import (
    STOCK,
    Booking,
    ComponentSupply,
    Operation,
    OrderId,
    OrderLine,
    OrderRequest,
    Placement,
    Reservation,
    SupplyBatch,
    WorkCentre,
)
from .replan import ReplanResult, replan
from .state import PlanState, apply, apply_all, cancel

__all__ = [
    "STOCK",
    "Booking",
    "Calendar",
    "ComponentSupply",
    "DuplicateOrder",
    "NoCapacity",
    "NoSupply",
    "Operation",
    "OrderId",
    "OrderLine",
    "OrderRequest",
    "Placement",
    "PlanState",
    "PlanningError",
    "ReplanResult",
    "Reservation",
    "SupplyBatch",
    "UnknownWorkCentre",
    "WorkCentre",
    "add_working_days",
    "apply",
    "apply_all",
    "cancel",
    "estimate",
    "insert_order",
    "is_working_day",
    "next_working_day",
    "replan",
    "shift_start",
    "violations",
]
