"""Domain exceptions of the planner core.

Each one is something a user or the catalogue can cause (an order nobody can supply, a
route naming a work centre that does not exist), so services map them to problem details
and form errors instead of letting them surface as a 500.
"""

from __future__ import annotations


class PlanningError(Exception):
    """Base class of every error the planner raises on purpose."""


class NoSupply(PlanningError):
    """On-hand stock plus every known supply batch cannot cover a line's components."""

    def __init__(self, sku: str, short_by: int) -> None:
        self.sku = sku
        self.short_by = short_by
        super().__init__(f"No supply for {sku}: short by {short_by}")


class UnknownWorkCentre(PlanningError):
    """A route names a work centre the plan does not know."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"Unknown work centre {code!r}")


class NoCapacity(PlanningError):
    """A calendar has no (free) working day within the planning horizon."""

    def __init__(self, work_centre: str, horizon_days: int) -> None:
        self.work_centre = work_centre
        self.horizon_days = horizon_days
        super().__init__(f"No capacity on {work_centre!r} within {horizon_days} days")


class DuplicateOrder(PlanningError):
    """The order is already in the plan; insert it once, or cancel it first."""

    def __init__(self, order_id: object) -> None:
        self.order_id = order_id
        super().__init__(f"Order {order_id!r} is already planned")
