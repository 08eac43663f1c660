"""The plan as an immutable value: what is booked, reserved and promised.

Every change returns a new `PlanState` (copy-on-write of a few dicts), so a placement can
be computed against one state and applied or thrown away without side effects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, TypeVar

from .calendars import DEFAULT_HORIZON_DAYS, Calendar
from .model import (
    STOCK,
    Booking,
    ComponentSupply,
    OrderId,
    OrderRequest,
    Placement,
    Reservation,
    Source,
    WorkCentre,
)

K = TypeVar("K")


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class PlanState:
    """The build-to-order plan of one shard (a plant or a line group).

    - `booked`: minutes booked per (work centre code, day), summed over all bookings.
    - `reserved`: quantity reserved per (sku, source), summed over all reservations.
    - `placements`: each planned order's current bookings and reservations.
    - `promises`: each planned order's promised ship date, which no later change breaks.
    - shipping: an order ships `shipping_days` working days of `shipping_calendar` after
      its last operation's day.
    """

    work_centres: Mapping[str, WorkCentre]
    supplies: Mapping[str, ComponentSupply]
    booked: Mapping[tuple[str, date], int] = field(default_factory=_empty)
    reserved: Mapping[tuple[str, Source], int] = field(default_factory=_empty)
    placements: Mapping[OrderId, Placement] = field(default_factory=_empty)
    promises: Mapping[OrderId, date] = field(default_factory=_empty)
    shipping_calendar: Calendar = field(default_factory=Calendar)
    shipping_days: int = 1
    horizon_days: int = DEFAULT_HORIZON_DAYS
    # Supply batches per sku, merged by arrival day and sorted: derived from `supplies`.
    batches: Mapping[str, tuple[tuple[date, int], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        merged: dict[str, tuple[tuple[date, int], ...]] = {}
        for sku, supply in self.supplies.items():
            per_day: dict[date, int] = {}
            for batch in supply.batches:
                per_day[batch.available_on] = per_day.get(batch.available_on, 0) + batch.quantity
            merged[sku] = tuple(sorted(per_day.items()))
        object.__setattr__(self, "batches", MappingProxyType(merged))

    @classmethod
    def empty(
        cls,
        *,
        work_centres: Iterable[WorkCentre],
        supplies: Iterable[ComponentSupply] = (),
        shipping_calendar: Calendar | None = None,
        shipping_days: int = 1,
        horizon_days: int = DEFAULT_HORIZON_DAYS,
    ) -> PlanState:
        """A plan with nothing booked, reserved or promised."""
        return cls(
            work_centres=MappingProxyType({wc.code: wc for wc in work_centres}),
            supplies=MappingProxyType({s.sku: s for s in supplies}),
            shipping_calendar=shipping_calendar or Calendar(),
            shipping_days=shipping_days,
            horizon_days=horizon_days,
        )

    @classmethod
    def from_placements(
        cls,
        *,
        work_centres: Iterable[WorkCentre],
        supplies: Iterable[ComponentSupply],
        placements: Iterable[Placement],
        promises: Mapping[OrderId, date] | None = None,
        shipping_calendar: Calendar | None = None,
        shipping_days: int = 1,
        horizon_days: int = DEFAULT_HORIZON_DAYS,
    ) -> PlanState:
        """Rebuild a plan from stored placements (e.g. read from the database), with the
        promises given (defaulting to each placement's `promised_on`)."""
        state = cls.empty(
            work_centres=work_centres,
            supplies=supplies,
            shipping_calendar=shipping_calendar,
            shipping_days=shipping_days,
            horizon_days=horizon_days,
        )
        promises = promises or {}
        return apply_all(
            state,
            (
                dataclasses.replace(p, promise=promises.get(p.order_id, p.promised_on))
                for p in placements
            ),
        )

    @property
    def requests(self) -> dict[OrderId, OrderRequest]:
        """The order requests behind the placements that carry one."""
        return {oid: p.request for oid, p in self.placements.items() if p.request is not None}

    def free_minutes(self, work_centre: str, day: date) -> int:
        """Capacity of `work_centre` on `day` not yet booked."""
        wc = self.work_centres[work_centre]
        return wc.capacity_on(day) - self.booked.get((work_centre, day), 0)

    def free_quantity(self, sku: str, source: Source) -> int:
        """Quantity of `sku` not yet reserved from on-hand stock or the batch of that day."""
        supply = self.supplies.get(sku)
        if supply is None:
            return 0
        if source == STOCK:
            total = supply.on_hand
        else:
            total = dict(self.batches[sku]).get(source, 0)  # type: ignore[arg-type]
        return total - self.reserved.get((sku, source), 0)


def apply(state: PlanState, placement: Placement) -> PlanState:
    """The plan with `placement` (and the placements it moved) written in.

    An order already in the plan has its bookings and reservations replaced and keeps its
    promise; a new order is promised the placement's ship date.
    """
    return apply_all(state, (placement,))


def apply_all(state: PlanState, placements: Iterable[Placement]) -> PlanState:
    """`apply` for several placements at once (one copy of the plan instead of many)."""
    booked = dict(state.booked)
    reserved = dict(state.reserved)
    by_order = dict(state.placements)
    promises = dict(state.promises)
    for item in (item for p in placements for item in (p, *p.moved)):
        old = by_order.get(item.order_id)
        if old is not None:
            _add_bookings(booked, old.bookings, -1)
            _add_reservations(reserved, old.reservations, -1)
            if item.request is None:
                item = dataclasses.replace(item, request=old.request)
        _add_bookings(booked, item.bookings, +1)
        _add_reservations(reserved, item.reservations, +1)
        promise = promises.setdefault(item.order_id, item.promised_on)
        if item.promise != promise or item.moved:
            item = dataclasses.replace(item, promise=promise, moved=())
        by_order[item.order_id] = item
    return _with(state, booked, reserved, by_order, promises)


def cancel(state: PlanState, order_id: OrderId) -> PlanState:
    """The plan without `order_id`: its capacity and components are free again.

    Cancelling an order that is not planned returns the plan unchanged, so a retried
    cancellation is harmless.
    """
    old = state.placements.get(order_id)
    if old is None:
        return state
    booked = dict(state.booked)
    reserved = dict(state.reserved)
    placements = dict(state.placements)
    promises = dict(state.promises)
    _add_bookings(booked, old.bookings, -1)
    _add_reservations(reserved, old.reservations, -1)
    del placements[order_id]
    promises.pop(order_id, None)
    return _with(state, booked, reserved, placements, promises)


def _with(
    state: PlanState,
    booked: dict[tuple[str, date], int],
    reserved: dict[tuple[str, Source], int],
    placements: dict[OrderId, Placement],
    promises: dict[OrderId, date],
) -> PlanState:
    return dataclasses.replace(
        state,
        booked=MappingProxyType(booked),
        reserved=MappingProxyType(reserved),
        placements=MappingProxyType(placements),
        promises=MappingProxyType(promises),
    )


def _tally(counts: dict[K, int], key: K, amount: int) -> None:
    """Add `amount` to `counts[key]`; a key that reaches zero is dropped (the totals hold
    only what is booked or reserved)."""
    value = counts.get(key, 0) + amount
    if value:
        counts[key] = value
    else:
        counts.pop(key, None)


def _add_bookings(
    booked: dict[tuple[str, date], int], bookings: Iterable[Booking], sign: int
) -> None:
    for b in bookings:
        _tally(booked, (b.work_centre, b.day), sign * b.minutes)


def _add_reservations(
    reserved: dict[tuple[str, Source], int], reservations: Iterable[Reservation], sign: int
) -> None:
    for r in reservations:
        _tally(reserved, (r.sku, r.source), sign * r.quantity)
