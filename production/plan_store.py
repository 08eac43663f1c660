"""The build-to-order plan between its tables and the planner core.

`load_plan` reads what the core needs (calendars, per-day capacity and bookings, free
stock and supply batches) into a `planner.PlanState`; `load_placements` adds the stored
placements of given orders; the `write_*` and `release_*` functions turn placements back
into rows (production.consumption takes parts out of the plan again). Reservations belong
to an order line or to a standard product's batch run (the one place the batch plan meets
this one); the core sees runs' reservations only in the counters. Every counter (CapacityDay.booked_minutes,
Component.reserved, SupplyBatch.reserved) changes only by a conditional update that checks
its bound in the same statement, and the number of rows it touched is checked: a shortfall
raises a `PlanRace` and rolls the whole transaction back (the CheckConstraints are the
backstop).

Callers hold the plan-shard lock (shards.lock_shard) around load-then-write.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from atelier import sql as quoted
from orders.models import Order, OrderLine
from production import planner
from production.models import (
    CapacityDay,
    Component,
    Holiday,
    PlanEntry,
    Reservation,
    SupplyBatch,
    WorkCentre,
)


class PlanRace(Exception):
    """A guarded counter refused an update the plan said would fit: someone wrote to the
    plan tables without the shard lock (an admin edit, a stock correction). Retryable:
    the next attempt reads the new numbers."""


class CapacityRace(PlanRace):
    pass


class SupplyRace(PlanRace):
    pass


class PlanCorrupted(Exception):
    """Releasing found fewer booked minutes or reserved parts than the rows say it holds.
    Not retryable: a bug, or a hand edit of the counters."""


@dataclass(frozen=True)
class DayCapacity(planner.WorkCentre):
    """A core work centre whose capacity on some days comes from CapacityDay rows (staff
    may set overtime or a breakdown there) instead of the calendar."""

    days: Mapping[date, int] = field(default_factory=dict, hash=False, compare=False)

    def capacity_on(self, day: date) -> int:
        minutes = self.days.get(day)
        return super().capacity_on(day) if minutes is None else minutes


@dataclass(frozen=True)
class BatchRow:
    id: int
    available_on: date
    quantity: int
    reserved: int


@dataclass(frozen=True)
class LoadedPlan:
    """The core's state plus the row ids needed to write placements back."""

    state: planner.PlanState
    work_centre_ids: Mapping[str, int]
    component_ids: Mapping[str, int]
    batches: Mapping[tuple[str, date], tuple[BatchRow, ...]]
    today: date


def shipping_days() -> int:
    return settings.ATELIER_SHIPPING_DAYS


def plant_timezone() -> tzinfo:
    """The plant's time zone (settings.TIME_ZONE), whatever zone a request activated: the
    day an order is received and the first day work may be booked are the plant's days,
    for the estimate and the promise alike."""
    return ZoneInfo(settings.TIME_ZONE)


def plant_today(now: datetime | None = None) -> date:
    """The plant's date now (or at `now`)."""
    return timezone.localdate(now, timezone=plant_timezone())


# Only what planning reads of an order; status and created_at for the checks and the
# arrival order.
ORDER_FIELDS = ("id", "status", "priority", "created_at", "promised_ship_date")


def load_plan(
    *,
    today: date,
    plan: str = WorkCentre.Plan.BUILD_TO_ORDER,
    skus: Collection[str] | None = None,
    work_centres: Collection[str] | None = None,
) -> LoadedPlan:
    """The plan's capacity and supply as the core sees it, from `today` on (4 queries).

    With `skus` and `work_centres`, only those components and work centres: enough to
    place orders that use nothing else (an estimate), and exact for them, since placing
    a line reads only its own parts' and work centres' rows. Plain SQL: the estimate runs
    on every click, and building these queries with the ORM cost more than running them."""
    sql = f"SELECT id, code, minutes_per_day, workdays FROM {WorkCentre._meta.db_table} WHERE plan = %s"
    params: list = [plan]
    if work_centres is not None:
        sql, params = _where_in(sql, params, "code", work_centres)
    centres = _fetch(sql + " ORDER BY id", params)
    codes = {pk: code for pk, code, _, _ in centres}
    holidays: dict[int, set[date]] = defaultdict(set)
    days: dict[int, dict[date, int]] = defaultdict(dict)
    booked: dict[tuple[str, date], int] = {}
    if codes:
        ids = ", ".join(["%s"] * len(codes))
        for wc_id, day in _fetch(
            f"SELECT work_centre_id, date FROM {Holiday._meta.db_table} "
            f"WHERE work_centre_id IN ({ids}) AND date >= %s",
            [*codes, today],
        ):
            holidays[wc_id].add(day)
        for wc_id, day, capacity, minutes in _fetch(
            f"SELECT work_centre_id, day, capacity_minutes, booked_minutes "
            f"FROM {CapacityDay._meta.db_table} WHERE work_centre_id IN ({ids}) AND day >= %s",
            [*codes, today],
        ):
            days[wc_id][day] = capacity
            if minutes:
                booked[(codes[wc_id], day)] = minutes
    capacities = [
        DayCapacity(
            code=code,
            minutes_per_day=minutes_per_day,
            workdays=frozenset(json.loads(workdays) if isinstance(workdays, str) else workdays),
            holidays=frozenset(holidays[pk]),
            days=MappingProxyType(days[pk]),
        )
        for pk, code, minutes_per_day, workdays in centres
    ]
    supplies, reserved, component_ids, batches = _supply(today, skus)
    state = planner.PlanState.empty(
        work_centres=capacities, supplies=supplies, shipping_days=shipping_days()
    )
    state = dataclasses.replace(
        state, booked=MappingProxyType(booked), reserved=MappingProxyType(reserved)
    )
    return LoadedPlan(
        state=state,
        work_centre_ids={code: pk for pk, code in codes.items()},
        component_ids=component_ids,
        batches=batches,
        today=today,
    )


def _fetch(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _where_in(sql: str, params: list, column: str, values: Collection[str]) -> tuple[str, list]:
    values = sorted(values)
    if not values:
        return sql + " AND 1 = 0", params
    return sql + f" AND {column} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def reload_batches(plan: LoadedPlan) -> LoadedPlan:
    """`plan` with its supply batches' reserved quantities read again (after a release)."""
    return dataclasses.replace(plan, batches=_supply(plan.today)[3])


def _supply(today: date, skus: Collection[str] | None = None):
    """Free stock and supply batches of the components (all, or `skus`), in one query."""
    supplies: list[planner.ComponentSupply] = []
    reserved: dict[tuple[str, object], int] = {}
    batches: dict[tuple[str, date], list[BatchRow]] = defaultdict(list)
    by_component: dict[int, list[BatchRow]] = defaultdict(list)
    # A batch run's output exists only once the run is finished (finishing turns its batch
    # into stock), so the batch of a run that is late counts as arriving tomorrow at the
    # earliest: no promise may rest on parts that are not made yet.
    not_before = today + timedelta(days=1)
    sql = (
        f"SELECT c.id, c.sku, c.stock, c.reserved, b.id, b.available_on, b.quantity, "
        f"b.reserved, b.batch_run_id FROM {Component._meta.db_table} c "
        f"LEFT JOIN {SupplyBatch._meta.db_table} b ON b.component_id = c.id WHERE 1 = 1"
    )
    params: list = []
    if skus is not None:
        sql, params = _where_in(sql, params, "c.sku", skus)
    components: dict[int, tuple[str, int, int]] = {}
    for pk, sku, stock, held, batch_id, available_on, quantity, taken, run_id in _fetch(
        sql + " ORDER BY c.id", params
    ):
        components[pk] = (sku, stock, held)
        if batch_id is None:
            continue
        if run_id is not None and available_on < not_before:
            available_on = not_before
        by_component[pk].append(BatchRow(batch_id, available_on, quantity, taken))
    component_ids = {}
    for pk, (sku, stock, held) in components.items():
        component_ids[sku] = pk
        rows = sorted(by_component.get(pk, []), key=lambda b: (b.available_on, b.id))
        supplies.append(
            planner.ComponentSupply(
                sku, stock, tuple(planner.SupplyBatch(b.quantity, b.available_on) for b in rows)
            )
        )
        if held:
            reserved[(sku, planner.STOCK)] = held
        for b in rows:
            batches[(sku, b.available_on)].append(b)
            if b.reserved:
                key = (sku, b.available_on)
                reserved[key] = reserved.get(key, 0) + b.reserved
    return supplies, reserved, component_ids, {k: tuple(v) for k, v in batches.items()}


def waiting_orders(*, limit: int) -> list[Order]:
    """Orders still `received` (not planned yet), oldest first: the scheduler places them
    before any order placed now. The common answer is none, found by one plain query."""
    ids = [
        pk
        for (pk,) in _fetch(
            f"SELECT id FROM {Order._meta.db_table} WHERE status = %s "
            "ORDER BY created_at, id LIMIT %s",
            [Order.Status.RECEIVED, limit],
        )
    ]
    if not ids:
        return []
    return list(Order.objects.filter(pk__in=ids).order_by("created_at", "id").only(*ORDER_FIELDS))


def lines_of(order_ids: Iterable[int]):
    """The order lines of `order_ids` in order, with the fields planning reads."""
    return (
        OrderLine.objects.filter(order_id__in=list(order_ids))
        .only("id", "order_id", "quantity", "bom", "build_minutes", "route", "standard_sku")
        .order_by("order_id", "position", "id")
    )


class PlannableLine(Protocol):
    """What planning reads of a line: an OrderLine row, or a line not ordered yet (a
    frozen dataclass, hence read-only members)."""

    @property
    def bom(self) -> Mapping[str, int]: ...
    @property
    def build_minutes(self) -> Mapping[str, int]: ...
    @property
    def route(self) -> Sequence[str]: ...
    @property
    def quantity(self) -> int: ...
    @property
    def standard_sku(self) -> str: ...


def order_request(order: Order, lines: Iterable[PlannableLine]) -> planner.OrderRequest:
    """The core's request for a placed order: received on the plant's date of its creation."""
    return line_request(
        order.pk, lines, priority=order.priority, received_on=plant_today(order.created_at)
    )


def line_request(
    order_id: planner.OrderId,
    lines: Iterable[PlannableLine],
    *,
    priority: int,
    received_on: date,
) -> planner.OrderRequest:
    """The core's request for lines, as the scheduler and the estimate both build it. Lines
    shipped from standard stock get no work (they keep their index, so bookings map back
    to lines by position)."""
    return planner.OrderRequest(
        order_id,
        tuple(
            planner.OrderLine(())
            if line.standard_sku
            else planned_line(
                bom=line.bom, minutes=line.build_minutes, route=line.route, quantity=line.quantity
            )
            for line in lines
        ),
        priority=priority,
        received_on=received_on,
    )


def planned_line(
    *, bom: Mapping[str, int], minutes: Mapping[str, int], route: Iterable[str], quantity: int
) -> planner.OrderLine:
    """One line for the core: the route's work centres in order, each with its minutes per
    unit times `quantity` (work centres with minutes but not on the route go last), and the
    bill of materials times `quantity`."""
    minutes = {wc: int(m) for wc, m in (minutes or {}).items()}
    steps = list(dict.fromkeys(route or sorted(minutes)))
    steps += sorted(wc for wc in minutes if wc not in steps)
    return planner.OrderLine(
        tuple(planner.Operation(wc, minutes[wc] * quantity) for wc in steps if minutes.get(wc)),
        tuple((sku, int(q) * quantity) for sku, q in (bom or {}).items()),
    )


def load_placements(
    plan: LoadedPlan, orders: Iterable[Order]
) -> tuple[dict[int, planner.Placement], dict[int, date]]:
    """The stored placements (with their requests) and promises of `orders` (3 queries)."""
    by_id = {o.pk: o for o in orders}
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines_of(by_id):
        lines[line.order_id].append(line)
    index = {line.pk: i for ls in lines.values() for i, line in enumerate(ls)}
    bookings: dict[int, list[planner.Booking]] = defaultdict(list)
    for oid, line_id, op, code, day, minutes, start, end in (
        PlanEntry.objects.filter(order_id__in=by_id)
        .order_by("order_id", "day", "start", "id")
        .values_list(
            "order_id",
            "order_line_id",
            "op_index",
            "work_centre__code",
            "day",
            "minutes",
            "start",
            "end",
        )
    ):
        bookings[oid].append(planner.Booking(index[line_id], op, code, day, minutes, start, end))
    held: dict[int, list[planner.Reservation]] = defaultdict(list)
    for oid, line_id, sku, arrives, quantity in Reservation.objects.filter(
        order_id__in=by_id
    ).values_list(
        "order_id", "order_line_id", "component__sku", "supply_batch__available_on", "quantity"
    ):
        source = planner.STOCK if arrives is None else arrives
        held[oid].append(planner.Reservation(sku, quantity, source, index[line_id]))
    state = plan.state
    placements: dict[int, planner.Placement] = {}
    promises: dict[int, date] = {}
    for oid, order in by_id.items():
        days = [b.day for b in bookings[oid]]
        last_day = max(days, default=plan.today)
        placements[oid] = planner.Placement(
            order_id=oid,
            bookings=tuple(bookings[oid]),
            reservations=tuple(held[oid]),
            start_day=min(days, default=last_day),
            end_day=last_day,
            ship_date=planner.add_working_days(
                state.shipping_calendar,
                last_day,
                state.shipping_days,
                horizon_days=state.horizon_days,
            ),
            request=order_request(order, lines[oid]),
        )
        promises[oid] = order.promised_ship_date or placements[oid].ship_date
    return placements, promises


def with_placements(
    plan: LoadedPlan, placements: Mapping[int, planner.Placement], promises: Mapping[int, date]
) -> LoadedPlan:
    """`plan` also knowing these stored placements. The booked and reserved totals already
    count them (they come from the counters), so only the per-order view is added; an order
    the plan knows already keeps the (possibly newer) placement it has."""
    merged: dict[planner.OrderId, planner.Placement] = {k: v for k, v in placements.items()}
    merged.update(plan.state.placements)
    promised: dict[planner.OrderId, date] = {k: v for k, v in promises.items()}
    promised.update(plan.state.promises)
    state = dataclasses.replace(
        plan.state, placements=MappingProxyType(merged), promises=MappingProxyType(promised)
    )
    return dataclasses.replace(plan, state=state)


# --- writing ------------------------------------------------------------------------------


def stored_id(order_id: planner.OrderId) -> int:
    """The database id behind a placement's order id. Only placed orders are written; an
    estimate's placement (a string id) reaching a writer is a programming error."""
    if not isinstance(order_id, int):
        raise TypeError(f"placement of {order_id!r} is not a placed order's")
    return order_id


def write_bookings(
    plan: LoadedPlan,
    placements: Iterable[planner.Placement],
    lines: Mapping[int, list[OrderLine]],
    *,
    booked_before: Mapping[tuple[str, date], int] | None = None,
) -> None:
    """Insert the plan entries of `placements` and add their minutes to the day counters.

    Bookings the core placed without display times (a replan) are shown after what the day
    already holds (`booked_before`, by default the loaded plan's)."""
    entries: list[PlanEntry] = []
    minutes: dict[tuple[int, date], int] = defaultdict(int)
    used = dict(plan.state.booked if booked_before is None else booked_before)
    tz = plant_timezone()
    for p in placements:
        for b in p.bookings:
            wc_id = plan.work_centre_ids[b.work_centre]
            start, end = b.start, b.end
            if start is None or end is None:
                key = (b.work_centre, b.day)
                wc = plan.state.work_centres[b.work_centre]
                start = planner.shift_start(b.day, wc.shift_start, tz) + timedelta(
                    minutes=used.get(key, 0)
                )
                end = start + timedelta(minutes=b.minutes)
                used[key] = used.get(key, 0) + b.minutes
            entries.append(
                PlanEntry(
                    order_id=p.order_id,
                    order_line=lines[stored_id(p.order_id)][b.line_index],
                    op_index=b.op_index,
                    work_centre_id=wc_id,
                    day=b.day,
                    minutes=b.minutes,
                    start=start,
                    end=end,
                )
            )
            minutes[(wc_id, b.day)] += b.minutes
    PlanEntry.objects.bulk_create(entries)
    book_capacity(plan, minutes)


def book_capacity(plan: LoadedPlan, minutes: Mapping[tuple[int, date], int]) -> None:
    """One upsert for all days: a missing day row is created with the day's capacity; an
    existing one gains the minutes only WHERE booked + minutes <= capacity."""
    if not minutes:
        return
    centres = {plan.work_centre_ids[code]: wc for code, wc in plan.state.work_centres.items()}
    keys = sorted(minutes)  # a fixed order, like every other writer's
    table = CapacityDay._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s)"] * len(keys))
    params: list = []
    for wc_id, day in keys:
        params += [wc_id, day, centres[wc_id].capacity_on(day), minutes[(wc_id, day)]]
    sql = (
        f"INSERT INTO {table} (work_centre_id, day, capacity_minutes, booked_minutes) "
        f"VALUES {values} ON CONFLICT (work_centre_id, day) DO UPDATE "
        f"SET booked_minutes = {table}.booked_minutes + excluded.booked_minutes "
        f"WHERE {table}.booked_minutes + excluded.booked_minutes <= {table}.capacity_minutes "
        "RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = len(cursor.fetchall())
    if written != len(keys):
        raise CapacityRace(f"{len(keys) - written} of {len(keys)} work centre days were full")


def write_reservations(
    plan: LoadedPlan, placements: Iterable[planner.Placement], lines: Mapping[int, list[OrderLine]]
) -> None:
    """Hold the components of `placements`: on-hand stock via Component.reserved, incoming
    batches via SupplyBatch.reserved (a day's quantity spread over that day's batches)."""
    _hold(
        plan,
        (
            (r, {"order_id": p.order_id, "order_line": lines[stored_id(p.order_id)][r.line_index]})
            for p in placements
            for r in p.reservations
        ),
    )


def write_run_reservations(plan: LoadedPlan, placement: planner.Placement, *, run_id: int) -> None:
    """Hold the components of a standard product's batch run (`placement` is the core's
    answer for it). They count in the same counters as orders' reservations, so the
    build-to-order plan cannot take them; no order's placement ever includes them."""
    _hold(plan, ((r, {"batch_run_id": run_id}) for r in placement.reservations))


def _hold(plan: LoadedPlan, held: Iterable[tuple[planner.Reservation, dict]]) -> None:
    """Insert a Reservation row for each (core reservation, holder fields) and raise the
    counters, conditionally (a shortfall is a `SupplyRace`)."""
    rows: list[Reservation] = []
    stock: dict[int, int] = defaultdict(int)
    batch: dict[int, int] = defaultdict(int)
    for r, holder in held:
        component_id = plan.component_ids[r.sku]
        arrives = r.ready_on
        if arrives is None:
            stock[component_id] += r.quantity
            rows.append(Reservation(component_id=component_id, quantity=r.quantity, **holder))
            continue
        remaining = r.quantity
        for b in plan.batches.get((r.sku, arrives), ()):
            take = min(remaining, b.quantity - b.reserved - batch[b.id])
            if take <= 0:
                continue
            batch[b.id] += take
            remaining -= take
            rows.append(
                Reservation(
                    component_id=component_id, supply_batch_id=b.id, quantity=take, **holder
                )
            )
            if not remaining:
                break
        if remaining:
            raise SupplyRace(f"the batches of {r.sku} due {r.source} are short by {remaining}")
    bump(model=Component, field="reserved", amounts=stock, sign=+1, limit="stock", race=SupplyRace)
    bump(
        model=SupplyBatch,
        field="reserved",
        amounts=batch,
        sign=+1,
        limit="quantity",
        race=SupplyRace,
    )
    Reservation.objects.bulk_create(rows)


def release(order_ids: Iterable[int], *, bookings: bool = True, reservations: bool = True) -> None:
    """Delete the plan entries and/or reservations of `order_ids` and give their minutes
    and parts back to the counters (conditional decrements). Batch runs' reservations
    belong to no order and are never touched here."""
    order_ids = list(order_ids)
    if bookings:
        minutes: dict[tuple[int, date], int] = defaultdict(int)
        for wc_id, day, m in PlanEntry.objects.filter(order_id__in=order_ids).values_list(
            "work_centre_id", "day", "minutes"
        ):
            minutes[(wc_id, day)] += m
        release_capacity(minutes)
        PlanEntry.objects.filter(order_id__in=order_ids).delete()
    if reservations:
        stock: dict[int, int] = defaultdict(int)
        batch: dict[int, int] = defaultdict(int)
        for component_id, batch_id, q in Reservation.objects.filter(
            order_id__in=order_ids
        ).values_list("component_id", "supply_batch_id", "quantity"):
            if batch_id is None:
                stock[component_id] += q
            else:
                batch[batch_id] += q
        bump(model=Component, field="reserved", amounts=stock, sign=-1, race=PlanCorrupted)
        bump(model=SupplyBatch, field="reserved", amounts=batch, sign=-1, race=PlanCorrupted)
        Reservation.objects.filter(order_id__in=order_ids).delete()


# --- counters -----------------------------------------------------------------------------


def release_capacity(minutes: Mapping[tuple[int, date], int]) -> None:
    if not minutes:
        return
    table = CapacityDay._meta.db_table
    keys = sorted(minutes)
    values = ", ".join(["(%s, %s, %s)"] * len(keys))
    params = [x for key in keys for x in (*key, minutes[key])]
    # VALUES names its columns column1, column2, … on PostgreSQL and SQLite alike. (No CTE:
    # Python's sqlite3 reports no rowcount for a statement that starts with WITH.)
    sql = (
        f"UPDATE {table} SET booked_minutes = {table}.booked_minutes - v.column3 "
        f"FROM (VALUES {values}) AS v "
        f"WHERE {table}.work_centre_id = v.column1 AND {table}.day = v.column2 "
        f"AND {table}.booked_minutes >= v.column3"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != len(keys):
            raise PlanCorrupted(
                f"{len(keys) - cursor.rowcount} work centre days booked less than released"
            )


def bump(
    *,
    model: type[Model],
    field: str,
    amounts: Mapping[int, int],
    sign: int,
    limit: str | None = None,
    race: type[Exception],
) -> None:
    """`field += sign * amount` for each row id of `model` in one statement, only where the
    result stays within 0 … the `limit` field; raises `race` when any row refused.

    Raw SQL because one statement for all rows is what keeps the scheduler's batch under the
    plan lock short (benchmarks/README.md, planner); the names in it come from the model's
    `_meta` (an unknown field raises FieldDoesNotExist) and are quoted by the connection.
    """
    keys = sorted(k for k, q in amounts.items() if q)
    if not keys:
        return
    table = quoted.table(model)
    pk = f"{table}.{quoted.column(model, 'pk')}"
    column = quoted.column(model, field)
    values = ", ".join(["(%s, %s)"] * len(keys))
    params = [x for key in keys for x in (key, amounts[key])]
    if sign > 0:
        if limit is None:
            raise ValueError("an increment needs the field that bounds it (limit)")
        bound = quoted.column(model, limit)
        op, guard = "+", f"{table}.{column} + v.column2 <= {table}.{bound}"
    else:
        op, guard = "-", f"{table}.{column} >= v.column2"
    sql = (
        f"UPDATE {table} SET {column} = {table}.{column} {op} v.column2 "
        f"FROM (VALUES {values}) AS v WHERE {pk} = v.column1 AND {guard}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != len(keys):
            raise race(
                f"{len(keys) - cursor.rowcount} of {len(keys)} rows of "
                f"{model._meta.db_table} refused"
            )
