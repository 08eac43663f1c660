"""Writers of orders: place, change status, cancel. The shop's checkout and the partner
API both call `place_order`; production's worker calls `transition`.

Status changes are conditional updates (`UPDATE … WHERE status IN predecessors`), so
two processes racing on one order cannot both move it; the unique (order, status)
event is the second guard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from atelier import enqueue
from configurator import engine
from configurator.selectors import NoPublishedCatalogue, compiled_product, published_version
from orders import errors
from orders.models import ApiToken, Order, OrderEvent, OrderLine, Partner, hash_token
from production.models import StandardProduct


@dataclass(frozen=True)
class LineRequest:
    product: str
    selections: dict[str, list[str]]
    quantity: int = 1
    # Set when the customer takes the in-stock standard product equal to this
    # configuration: sold from its stock at its price, never built to order.
    standard_sku: str = ""


@dataclass(frozen=True)
class Customer:
    name: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class PricedLine:
    request: LineRequest
    product_name: str
    configuration: engine.Configuration
    bom: dict[str, int]
    minutes: dict[str, int]
    route: list[str] = field(default_factory=list)
    standard_price: Decimal | None = None

    @property
    def unit_price(self) -> Decimal:
        if self.standard_price is not None:
            return self.standard_price
        return self.configuration.price.total

    @property
    def price_lines(self) -> list[dict]:
        if self.standard_price is not None:
            return [
                {
                    "kind": "standard",
                    "code": self.request.standard_sku,
                    "label": f"{self.product_name} {self.request.standard_sku} (from stock)",
                    "amount": str(self.standard_price),
                }
            ]
        return [
            {"kind": pl.kind, "code": pl.code, "label": pl.label, "amount": str(pl.amount)}
            for pl in self.configuration.price.lines
        ]


def normalise_selections(selections: dict[str, list[str]]) -> dict[str, list[str]]:
    """One spelling of a configuration: groups sorted, picks sorted, empty groups dropped."""
    return {g: sorted(set(picks)) for g, picks in sorted(selections.items()) if picks}


def price_line(*, version, request: LineRequest, index: int = 0) -> PricedLine:
    """Validate and price one line against `version` with the engine (never a client's price)."""
    compiled = compiled_product(version, request.product)
    if compiled is None:
        raise errors.UnknownProduct(
            f"There is no product '{request.product}' in catalogue version {version.number}.",
            errors={f"lines[{index}].product": [f"unknown product '{request.product}'"]},
        )
    try:
        result = engine.configure(compiled, request.selections)
    except engine.EngineError as exc:
        raise errors.InvalidSelection(
            str(exc), errors={f"lines[{index}].{exc.field}": [exc.message]}
        ) from exc
    if not result.valid:
        raise errors.ConfigurationConflict(
            "; ".join(r.message for c in result.conflicts for r in c.rules)
            or "The selections cannot be completed.",
            extra={
                "line": index,
                "conflicts": [conflict_json(c) for c in result.conflicts],
                "resolution": result.resolution,
            },
        )
    if not result.complete:
        missing = [
            f"choose {g.min}–{g.max} in {g.name}"
            if g.min != g.max
            else f"choose {g.min} in {g.name}"
            for g in result.groups
            if not (g.min <= len(g.selected) <= g.max)
        ]
        raise errors.IncompleteConfiguration(
            "The configuration is not complete: " + "; ".join(missing) + ".",
            errors={f"lines[{index}].selections": missing},
        )
    product = compiled.product
    standard = None
    if request.standard_sku:
        standard = StandardProduct.objects.filter(sku=request.standard_sku).first()
        if (
            standard is None
            or standard.product_code != request.product
            or normalise_selections(standard.selections) != normalise_selections(request.selections)
        ):
            raise errors.InvalidSelection(
                f"'{request.standard_sku}' is not a standard product of this configuration.",
                errors={f"lines[{index}].standard_sku": ["no such standard product"]},
            )
    return PricedLine(
        request=request,
        product_name=product.name,
        configuration=result,
        bom=engine.bill_of_materials(compiled, request.selections),
        minutes=engine.build_minutes(compiled, request.selections),
        route=[step.work_centre for step in product.route],
        standard_price=standard.price if standard else None,
    )


def conflict_json(conflict) -> dict:
    return {
        "rules": [
            {"rule": r.rule, "message": r.message, "selections": list(r.selections)}
            for r in conflict.rules
        ],
        "selections": list(conflict.selections),
    }


def standard_match(product_code: str, selections: dict[str, list[str]]) -> StandardProduct | None:
    """The standard product (mass-produced, in stock) equal to this configuration, if any."""
    wanted = normalise_selections(selections)
    for standard in StandardProduct.objects.filter(product_code=product_code, stock__gt=0):
        if normalise_selections(standard.selections) == wanted:
            return standard
    return None


def place_order(
    *,
    lines: list[LineRequest],
    reference: str = "",
    partner=None,
    user=None,
    customer: Customer | None = None,
    priority: int = 0,
    actor: str = "shop",
) -> Order:
    """Re-validate and re-price every line, then commit the order atomically; after the
    commit, production is asked to schedule it."""
    if not lines:
        raise errors.IncompleteConfiguration(
            "An order needs at least one line.", errors={"lines": ["empty"]}
        )
    try:
        version = published_version()
    except NoPublishedCatalogue as exc:
        raise errors.CatalogueUnavailable(str(exc)) from exc
    priced = [price_line(version=version, request=line, index=i) for i, line in enumerate(lines)]
    total = sum((p.unit_price * p.request.quantity for p in priced), Decimal("0.00"))
    customer = customer or Customer()
    with transaction.atomic():
        order = Order.objects.create(
            partner=partner,
            user=user,
            reference=reference,
            priority=priority,
            currency=version.currency,
            total=total,
            customer_name=customer.name,
            customer_email=customer.email,
            shipping_address=customer.address,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=i,
                catalogue_version=version,
                product_code=p.request.product,
                product_name=p.product_name,
                selections=normalise_selections(p.request.selections),
                quantity=p.request.quantity,
                unit_price=p.unit_price,
                price_lines=p.price_lines,
                standard_sku=p.request.standard_sku,
                bom=p.bom,
                build_minutes=p.minutes,
                route=p.route,
            )
            for i, p in enumerate(priced)
        )
        _take_standard_stock(priced)
        received = OrderEvent.objects.create(order=order, status=Order.Status.RECEIVED, actor=actor)
        transaction.on_commit(lambda: _request_scheduling(order.pk), robust=True)
        # The confirmation e-mail and webhooks go the same way as every later status.
        transaction.on_commit(lambda: _notify(received.pk), robust=True)
    return order


def _take_standard_stock(priced: list[PricedLine]) -> None:
    """Take standard products from stock with conditional updates, in SKU order (so two
    orders never wait on each other's rows); the CheckConstraint stock >= 0 backs it."""
    wanted: dict[str, int] = {}
    for p in priced:
        if p.request.standard_sku:
            wanted[p.request.standard_sku] = (
                wanted.get(p.request.standard_sku, 0) + p.request.quantity
            )
    for sku in sorted(wanted):
        taken = StandardProduct.objects.filter(sku=sku, stock__gte=wanted[sku]).update(
            stock=F("stock") - wanted[sku]
        )
        if not taken:
            left = StandardProduct.objects.filter(sku=sku).values_list("stock", flat=True).first()
            raise errors.OutOfStock(
                f"Only {left or 0} of {sku} are in stock.",
                errors={"lines": [f"not enough {sku} in stock"]},
            )


def _return_standard_stock(order_id: int) -> None:
    lines = OrderLine.objects.filter(order_id=order_id).exclude(standard_sku="")
    for sku, quantity in sorted((line.standard_sku, line.quantity) for line in lines):
        StandardProduct.objects.filter(sku=sku).update(stock=F("stock") + quantity)


def _request_scheduling(order_id: int) -> None:
    from production.tasks import schedule_order

    # Broker down: logged, and the periodic sweep re-sends it (the order is committed).
    enqueue.send(schedule_order, order_id)


def _predecessors(to: str) -> list[str]:
    """The statuses an order may move to `to` from."""
    return [s for s, nexts in Order.TRANSITIONS.items() if to in nexts]


def transition(
    *, order_id: int, to: str, actor: str, note: str = "", promised_ship_date: date | None = None
) -> Order:
    """Move an order to `to` if its current status allows it; record the event.

    Must run inside a transaction (the caller's); raises InvalidTransition otherwise.
    """
    allowed_from = _predecessors(to)
    changes = {"status": to, "updated_at": timezone.now()}  # update() skips auto_now
    if promised_ship_date is not None:
        changes["promised_ship_date"] = promised_ship_date
    updated = Order.objects.filter(pk=order_id, status__in=allowed_from).update(**changes)
    order = Order.objects.get(pk=order_id)
    if not updated:
        raise errors.InvalidTransition(
            f"Order {order_id} is {order.status}; it cannot become {to}."
        )
    event = OrderEvent.objects.create(order=order, status=to, actor=actor, note=note)
    # robust: the change is committed; a failing e-mail must not turn it into an error.
    transaction.on_commit(lambda: _notify(event.pk), robust=True)
    return order


def transition_many(*, promised_ship_dates: Mapping[int, date], to: str, actor: str) -> None:
    """`transition` of many orders at once, each to `to` with its promised ship date: one
    UPDATE and one INSERT of events, one notification job after commit (the scheduler's
    batch, under the plan lock, where every round trip counts).

    All or nothing: an order that may not move raises InvalidTransition, and the caller's
    transaction (which must hold the orders' row locks) rolls back.
    """
    ids = sorted(promised_ship_dates)
    if not ids:
        return
    allowed_from = _predecessors(to)
    table = Order._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(ids))
    sql = (
        f"UPDATE {table} SET status = %s, updated_at = %s, promised_ship_date = v.column2 "
        f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1 "
        f"AND {table}.status IN ({', '.join(['%s'] * len(allowed_from))})"
    )
    # Adapted as the ORM would (SQLite stores naive UTC text; a raw aware value would not be).
    params = [to, connection.ops.adapt_datetimefield_value(timezone.now())]
    params += [x for oid in ids for x in (oid, promised_ship_dates[oid])]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *allowed_from])
        moved = cursor.rowcount
    if moved != len(ids):
        raise errors.InvalidTransition(
            f"{len(ids) - moved} of {len(ids)} orders cannot become {to}."
        )
    events = OrderEvent.objects.bulk_create(
        OrderEvent(order_id=oid, status=to, actor=actor) for oid in ids
    )
    event_ids = [e.pk for e in events]
    transaction.on_commit(lambda: _notify(*event_ids), robust=True)


def _notify(*event_ids: int) -> None:
    from orders.notifications import notify_status_changes

    notify_status_changes(event_ids=event_ids)


def cancel_order(*, order: Order, actor: str) -> Order:
    """Cancel a not-yet-started order and free what it held in the plan."""
    from production.services import release_order

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == Order.Status.CANCELLED:
            return locked
        updated = transition(order_id=locked.pk, to=Order.Status.CANCELLED, actor=actor)
        release_order(order_id=locked.pk)
        _return_standard_stock(locked.pk)
    return updated


def issue_token(
    *, partner: Partner, name: str = "default", expires_at=None, token: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """A new API token for `partner`: (the stored token, the raw token to show once).

    Only the SHA-256 of the raw token is stored. `token` may be an unsaved instance to
    fill (the admin's add form); otherwise one is created.
    """
    raw = ApiToken.new_raw_token()
    token = token or ApiToken()
    token.partner, token.name, token.expires_at = partner, name, expires_at
    token.prefix, token.key_hash = raw[:8], hash_token(raw)
    token.save(force_insert=True)
    return token, raw


def revoke_tokens(*, token_ids: list[int]) -> int:
    """Revoke tokens (idempotent: already revoked ones keep their first revocation time)."""
    return ApiToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
