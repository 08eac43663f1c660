"""Placing an order: re-validate and re-price every line, commit the order with its
promised ship date, then ask production to schedule it and announce it.

`commit_order` is the one way an order comes into being; `place_order` feeds it lines
priced now, an accepted quote (orders.services.quotes) the lines it froze when issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db import transaction

from atelier import enqueue, errors
from configurator.models import CatalogueVersion
from configurator.selectors import NoPublishedCatalogue, published_version
from orders.models import LineRecord, Order, OrderEvent, OrderLine
from orders.notifications import notify_status_changes
from orders.pricing import LineRequest, PricedLine, price_line, standard_products
from orders.services.stock import take_standard_stock
from production import promise
from production.selectors import normalise_selections
from production.tasks import schedule_order


@dataclass(frozen=True)
class Customer:
    name: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class FrozenLine:
    """A line as an order stores it: priced on `catalogue_version`, never priced again."""

    catalogue_version: CatalogueVersion
    product_code: str
    product_name: str
    selections: dict[str, list[str]]
    quantity: int
    unit_price: Decimal
    price_lines: list[dict]
    bom: dict[str, int]
    build_minutes: dict[str, int]
    route: list[str]
    standard_sku: str = ""

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @classmethod
    def of_record(cls, record: LineRecord) -> FrozenLine:
        """A line as an order or a quote stored it (their shared fields, LineRecord)."""
        return cls(**{f.name: getattr(record, f.name) for f in fields(cls)})

    def record_fields(self) -> dict[str, Any]:
        """The fields an OrderLine or a QuoteLine stores for this line (LineRecord's)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def to_plan(self) -> promise.LineToPlan:
        return promise.LineToPlan(
            bom=self.bom,
            build_minutes=self.build_minutes,
            route=self.route,
            quantity=self.quantity,
            standard_sku=self.standard_sku,
        )


def frozen(priced: PricedLine, *, version: CatalogueVersion) -> FrozenLine:
    """A line priced now (orders.pricing), frozen as an order or a quote keeps it."""
    return FrozenLine(
        catalogue_version=version,
        product_code=priced.request.product,
        product_name=priced.product_name,
        selections=normalise_selections(priced.request.selections),
        quantity=priced.request.quantity,
        unit_price=priced.unit_price,
        price_lines=priced.price_lines,
        bom=priced.bom,
        build_minutes=priced.minutes,
        route=priced.route,
        standard_sku=priced.request.standard_sku,
    )


def price_now(lines: Sequence[LineRequest]) -> list[FrozenLine]:
    """Every line validated and priced against the published catalogue (the one pricing
    path, orders.pricing.price_line). Raises the ordering DomainErrors."""
    if not lines:
        raise errors.IncompleteConfiguration(
            "An order needs at least one line.", errors={"lines": ["empty"]}
        )
    try:
        version = published_version()
    except NoPublishedCatalogue as exc:
        raise errors.CatalogueUnavailable(str(exc)) from exc
    standards = standard_products(skus=(line.standard_sku for line in lines))
    return [
        frozen(
            price_line(version=version, request=line, index=i, standards=standards),
            version=version,
        )
        for i, line in enumerate(lines)
    ]


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
    """Re-validate and re-price every line, then commit the order atomically, with the
    ship date capable-to-promise gives it now (what the customer was shown); after the
    commit, production is asked to schedule it."""
    return commit_order(
        lines=price_now(lines),
        reference=reference,
        partner=partner,
        user=user,
        customer=customer,
        priority=priority,
        actor=actor,
    )


def commit_order(
    *,
    lines: Sequence[FrozenLine],
    reference: str = "",
    partner=None,
    user=None,
    customer: Customer | None = None,
    priority: int = 0,
    actor: str = "shop",
    note: str = "",
) -> Order:
    """Commit an order of these priced lines (inside the caller's transaction if there is
    one), with the ship date capable-to-promise gives it now; after the commit, production
    is asked to schedule it, and the customer and the partner's webhooks hear of it."""
    if not lines:
        raise errors.IncompleteConfiguration(
            "An order needs at least one line.", errors={"lines": ["empty"]}
        )
    currencies = {line.catalogue_version.currency for line in lines}
    if len(currencies) != 1:
        raise errors.InvalidSelection(
            "The lines of one order must share a currency.", errors={"lines": ["currencies"]}
        )
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    customer = customer or Customer()
    estimated = promise.estimate(lines=[line.to_plan for line in lines], priority=priority)
    with transaction.atomic():
        order = Order.objects.create(
            estimated_ship_date=estimated,
            partner=partner,
            user=user,
            reference=reference,
            priority=priority,
            currency=currencies.pop(),
            total=total,
            customer_name=customer.name,
            customer_email=customer.email,
            shipping_address=customer.address,
        )
        OrderLine.objects.bulk_create(
            OrderLine(order=order, position=i, **line.record_fields())
            for i, line in enumerate(lines)
        )
        take_standard_stock([(line.standard_sku, line.quantity) for line in lines])
        received = OrderEvent.objects.create(
            order=order, status=Order.Status.RECEIVED, actor=actor, note=note
        )
        # Broker down: logged, and the periodic sweep re-sends it (the order is committed).
        enqueue.send_on_commit(schedule_order, order.pk)
        # The confirmation e-mail and webhooks go the same way as every later status.
        transaction.on_commit(lambda: notify_status_changes(event_ids=(received.pk,)), robust=True)
    return order
