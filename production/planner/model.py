"""The planner's data: what goes in (work centres, supply, order requests) and what comes
out (placements of bookings and reservations). All frozen; nothing here knows Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal, TypeAlias

from .calendars import MONDAY_TO_FRIDAY

OrderId: TypeAlias = int | str
STOCK: Literal["stock"] = "stock"
# Where a reservation is taken from: on-hand stock, or the supply batch arriving that day.
Source: TypeAlias = Literal["stock"] | date


@dataclass(frozen=True)
class WorkCentre:
    """A work centre and its calendar: `minutes_per_day` on each workday that is not a
    holiday, nothing otherwise. `shift_start` only serves to display booked minutes as times.
    """

    code: str
    minutes_per_day: int
    workdays: frozenset[int] = MONDAY_TO_FRIDAY
    holidays: frozenset[date] = field(default_factory=frozenset)
    shift_start: time = time(8, 0)

    def __post_init__(self) -> None:
        if self.minutes_per_day < 0:
            raise ValueError("minutes_per_day must not be negative")
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    def capacity_on(self, day: date) -> int:
        """Minutes this work centre can work on `day`."""
        if day.weekday() in self.workdays and day not in self.holidays:
            return self.minutes_per_day
        return 0


@dataclass(frozen=True)
class Operation:
    """One step of a line's route: `minutes` of work (route minutes, plus the options'
    extra minutes, times the quantity) on `work_centre`."""

    work_centre: str
    minutes: int

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError("an operation cannot take negative minutes")


@dataclass(frozen=True)
class OrderLine:
    """A line of an order: its route, done in sequence, and the components it consumes
    (already multiplied by the quantity). `components` accepts a `{sku: qty}` mapping and
    is kept as sorted `(sku, qty)` pairs so the line stays hashable."""

    operations: tuple[Operation, ...]
    components: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "operations", tuple(self.operations))
        raw = self.components
        pairs = raw.items() if isinstance(raw, Mapping) else raw
        merged: dict[str, int] = {}
        for sku, qty in pairs:
            if qty < 0:
                raise ValueError(f"negative quantity of {sku}")
            if qty:
                merged[sku] = merged.get(sku, 0) + qty
        object.__setattr__(self, "components", tuple(sorted(merged.items())))


@dataclass(frozen=True)
class OrderRequest:
    """An order to plan. `priority` 1 is express. `received_on` (if given) is the first
    day work may start; `due_on` is the ship date the customer asked for, the yardstick of
    tardiness (without it, the promise is the yardstick)."""

    order_id: OrderId
    lines: tuple[OrderLine, ...]
    priority: int = 0
    received_on: date | None = None
    due_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))


@dataclass(frozen=True)
class SupplyBatch:
    quantity: int
    available_on: date


@dataclass(frozen=True)
class ComponentSupply:
    """Free on-hand stock of a component and its incoming supply batches. Stock held for
    anything outside the build-to-order plan should already be subtracted from `on_hand`."""

    sku: str
    on_hand: int
    batches: tuple[SupplyBatch, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "batches", tuple(self.batches))


@dataclass(frozen=True)
class Booking:
    """Minutes of one operation booked on one work centre on one day. `start`/`end` are
    for display only (the shift start plus what the day held before), set when the caller
    passes a time zone."""

    line_index: int
    op_index: int
    work_centre: str
    day: date
    minutes: int
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Reservation:
    """`quantity` of `sku` held for a line, from on-hand stock (`source == "stock"`) or
    from the supply batch arriving on the date `source`."""

    sku: str
    quantity: int
    source: Source
    line_index: int = 0

    @property
    def ready_on(self) -> date | None:
        """The day the reserved parts are there; None for stock already on hand."""
        return self.source if isinstance(self.source, date) else None


@dataclass(frozen=True)
class Placement:
    """Where an order went: its bookings, its reservations, and the resulting days.

    `ship_date` is when the plan ships the order; `promise` is the date to promise the
    customer: the requested `due_on` when the plan meets it (so the capacity the order does
    not need before then stays movable for more urgent orders), else `ship_date`. Once
    applied, the plan never lets the order ship after its promise.

    `moved` holds the new placements of other orders an express order displaced (their
    reservations are unchanged, their promises still kept); the DB layer rewrites their
    bookings. `request` is the order it places, kept so the plan can re-place it later.
    """

    order_id: OrderId
    bookings: tuple[Booking, ...]
    reservations: tuple[Reservation, ...]
    start_day: date
    end_day: date
    ship_date: date
    moved: tuple[Placement, ...] = ()
    promise: date | None = None
    request: OrderRequest | None = field(default=None, repr=False, compare=False)

    @property
    def promised_on(self) -> date:
        """`promise`, or `ship_date` for a placement built without one."""
        return self.promise if self.promise is not None else self.ship_date


def demand_by_sku(lines: Iterable[OrderLine]) -> dict[str, int]:
    """Total quantity per sku over `lines`."""
    total: dict[str, int] = {}
    for line in lines:
        for sku, qty in line.components:
            total[sku] = total.get(sku, 0) + qty
    return total
