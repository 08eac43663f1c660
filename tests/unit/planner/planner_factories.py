"""Small builders for planner tests: hand-made calendars, routes and supplies."""

from __future__ import annotations

from datetime import date, timedelta

from production.planner import (
    ComponentSupply,
    Operation,
    OrderLine,
    OrderRequest,
    PlanState,
    SupplyBatch,
    WorkCentre,
)

# 2026-11-30 is a Monday.
MONDAY = date(2026, 11, 30)


def day(offset: int) -> date:
    """The day `offset` calendar days after MONDAY."""
    return MONDAY + timedelta(days=offset)


def line(*ops: tuple[str, int], components: dict[str, int] | None = None) -> OrderLine:
    return OrderLine(tuple(Operation(wc, m) for wc, m in ops), components or {})


def order(
    order_id: int | str,
    *lines: OrderLine,
    priority: int = 0,
    received_on: date | None = None,
    due_on: date | None = None,
) -> OrderRequest:
    return OrderRequest(order_id, lines, priority, received_on, due_on)


def supply(sku: str, on_hand: int, *batches: tuple[int, date]) -> ComponentSupply:
    return ComponentSupply(sku, on_hand, tuple(SupplyBatch(q, d) for q, d in batches))


def plan(*work_centres: WorkCentre, supplies: tuple[ComponentSupply, ...] = ()) -> PlanState:
    return PlanState.empty(work_centres=work_centres, supplies=supplies)
