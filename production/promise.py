"""Capable-to-promise: the one answer to "when would this ship if it were ordered now?".

`place` is where an order goes in the build-to-order plan. The scheduler calls it under
the shard lock and promises what it returns; `estimate` (the configure page, the API, the
cart, checkout, and the estimate an order keeps from the moment it was placed) reads the
current plan without locks and calls the same `place` on it, after placing the orders
still waiting in `received` first (the scheduler places those first, in arrival order).
On a quiet system the estimate therefore *is* the promise. Every way the two used to
drift is closed here:

- the plan read: no cached snapshot; each estimate reads the plan's rows as they are now
  (only the rows of the parts and work centres its orders use: exact for those, since
  placing a line reads nothing else);
- the request: both build it with `plan_store.line_request` (quantity times per-unit
  minutes and parts in `plan_store.planned_line`; minutes are whole numbers in the
  catalogue format, so there is nothing to round);
- the day and the time zone: both take the plant's date (`plan_store.plant_today`, in
  settings.TIME_ZONE whatever a request activated) as today and as the day received;
- express orders: both go through `place`, which tries the express displacement;
- orders received but not yet scheduled: the worker places them first (its batch, in
  arrival order), so the estimate places them first too;
- supply batches: both read them through `plan_store.load_plan` (a late batch run's
  output counts as arriving tomorrow at the earliest).

What is left is real change between the estimate and the placement: another order
placed or cancelled, a stock correction, a day passing. An order keeps the estimate it was
placed with (`Order.estimated_ship_date`), so its pages can say so when the promise differs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Min

from configurator import engine
from configurator.models import CatalogueVersion
from configurator.selectors import compiled_product
from orders.models import Order
from production import plan_store, planner
from production.models import PlanEntry

# Express orders consider at most this many not-started orders to push back (the earliest
# ones): enough to free the next days, without reading a whole crowded plan under the lock.
EXPRESS_CANDIDATES = 50
# The estimate places at most this many waiting orders ahead of the one asked about; more
# waiting than this only happens when no worker runs, and then no date is exact anyway.
MAX_WAITING = 200


@dataclass(frozen=True)
class LineToPlan:
    """A line not ordered yet, as planning reads it (`plan_store.PlannableLine`): per unit
    parts and minutes, the route, the quantity, and the standard product it is sold as."""

    bom: Mapping[str, int]
    build_minutes: Mapping[str, int]
    route: Sequence[str] = field(default_factory=tuple)
    quantity: int = 1
    standard_sku: str = ""


def configured_line(
    *,
    compiled: engine.CompiledProduct,
    selections: Mapping[str, Sequence[str]],
    quantity: int = 1,
    standard_sku: str = "",
) -> LineToPlan:
    """The line `quantity` units of this configuration make, as the order stores it (parts
    and minutes per unit from the engine, the product's route). Raises engine.EngineError
    for selections that name unknown codes."""
    return LineToPlan(
        bom=engine.bill_of_materials(compiled, selections),
        build_minutes=engine.build_minutes(compiled, selections),
        route=tuple(step.work_centre for step in compiled.product.route),
        quantity=quantity,
        standard_sku=standard_sku,
    )


def place(
    plan: plan_store.LoadedPlan,
    request: planner.OrderRequest,
    *,
    today: date,
    lock: bool,
) -> tuple[plan_store.LoadedPlan, planner.Placement]:
    """Where `request` goes in `plan` (apply the placement to book it): as early as
    capacity and parts allow, and for an express order earlier still where not-started,
    lower-priority orders can be pushed back within their promises.

    The scheduler passes `lock=True` (it holds the shard lock; the orders it would push
    back are row-locked, SKIP LOCKED); the estimate `lock=False` (plain reads). The plan
    returned also knows the stored placements an express order looked at.
    Raises planner.PlanningError (NoSupply, UnknownWorkCentre, NoCapacity).
    """
    tz = plan_store.plant_timezone()
    placement = planner.insert_order(plan.state, request, today=today, tz=tz)
    if request.priority > 0:
        plan, placement = _express(plan, request, placement, today=today, lock=lock)
    return plan, placement


def _express(
    plan: plan_store.LoadedPlan,
    request: planner.OrderRequest,
    normal: planner.Placement,
    *,
    today: date,
    lock: bool,
) -> tuple[plan_store.LoadedPlan, planner.Placement]:
    """Place an express order again, now knowing the earliest lower-priority, not-started
    orders it could push back (each still ships by its promise, the core guarantees)."""
    centres = {op.work_centre for line in request.lines for op in line.operations}
    # Two plain queries rather than one join: the earliest-starting orders on those work
    # centres, then which of them may move. No join, so no bad plan on stale statistics.
    earliest = list(
        PlanEntry.objects.filter(
            work_centre_id__in=[
                plan.work_centre_ids[c] for c in centres if c in plan.work_centre_ids
            ],
            day__gt=today,
            day__lte=normal.end_day,
        )
        .values("order_id")
        .annotate(first=Min("day"))
        .order_by("first", "order_id")
        .values_list("order_id", flat=True)[: 2 * EXPRESS_CANDIDATES]
    )
    movable = set(
        Order.objects.filter(
            pk__in=earliest, status=Order.Status.SCHEDULED, priority__lt=request.priority
        ).values_list("pk", flat=True)
    )
    orders = Order.objects.filter(
        pk__in=[oid for oid in earliest if oid in movable][:EXPRESS_CANDIDATES]
    ).only(*plan_store.ORDER_FIELDS)
    if lock:
        orders = orders.select_for_update(skip_locked=True, no_key=True)
    candidates = list(orders)
    if not candidates:
        return plan, normal
    placements, promises = plan_store.load_placements(plan, candidates)
    plan = plan_store.with_placements(plan, placements, promises)
    tz = plan_store.plant_timezone()
    return plan, planner.insert_order(plan.state, request, today=today, tz=tz)


def estimate(*, lines: Sequence[plan_store.PlannableLine], priority: int = 0) -> date | None:
    """The ship date an order of `lines` placed now would be promised, or None when it
    cannot be built (no supply, no capacity, an unknown work centre). Reads the current
    plan without locks; reserves nothing."""
    return estimates(orders=[lines], priority=priority)[0]


def estimates(
    *, orders: Sequence[Sequence[plan_store.PlannableLine]], priority: int = 0
) -> list[date | None]:
    """`estimate` of several possible orders on one read of the plan, each as if it alone
    were placed now (the cart asks for each line and for all its lines together)."""
    if not orders:
        return []
    today = plan_store.plant_today()
    ahead = []
    if waiting := plan_store.waiting_orders(limit=MAX_WAITING):
        lines: dict[int, list] = {o.pk: [] for o in waiting}
        for line in plan_store.lines_of(lines):
            lines[line.order_id].append(line)
        ahead = [plan_store.order_request(o, lines[o.pk]) for o in waiting]
    asked = [
        plan_store.line_request(f"estimate-{i}", order, priority=priority, received_on=today)
        for i, order in enumerate(orders)
    ]
    plan = _plan_for([*ahead, *asked], today=today)
    for request in ahead:
        try:
            plan, placement = place(plan, request, today=today, lock=False)
        except planner.PlanningError:
            continue  # the scheduler cancels it: it takes nothing
        plan = dataclasses.replace(plan, state=planner.apply(plan.state, placement))
    found: list[date | None] = []
    for request in asked:
        try:
            found.append(place(plan, request, today=today, lock=False)[1].promised_on)
        except planner.PlanningError:
            found.append(None)
    return found


def _plan_for(requests: list[planner.OrderRequest], *, today: date) -> plan_store.LoadedPlan:
    """The plan's rows these requests can touch: their parts and work centres; the whole
    plan when one is express (pushing orders back moves work on their own centres)."""
    if any(r.priority > 0 for r in requests):
        return plan_store.load_plan(today=today)
    skus = {sku for r in requests for line in r.lines for sku, _ in line.components}
    centres = {op.work_centre for r in requests for line in r.lines for op in line.operations}
    return plan_store.load_plan(today=today, skus=skus, work_centres=centres)


def estimate_configuration(
    *,
    version: CatalogueVersion,
    product_code: str,
    selections: Mapping[str, Sequence[str]],
    quantity: int = 1,
) -> date | None:
    """`estimate` for `quantity` units of one configuration of a product of `version`, or
    None when it cannot be built or names an unknown product or option."""
    compiled = compiled_product(version, product_code)
    if compiled is None:
        return None
    try:
        line = configured_line(compiled=compiled, selections=selections, quantity=quantity)
    except engine.EngineError:
        return None
    return estimate(lines=[line])
