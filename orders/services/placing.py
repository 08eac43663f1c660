"""Placing an order: re-validate and re-price every line, commit the order with its
promised ship date, then ask production to schedule it and announce it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from atelier import enqueue, errors
from configurator.selectors import NoPublishedCatalogue, published_version
from orders.models import Order, OrderEvent, OrderLine
from orders.notifications import notify_status_changes
from orders.pricing import LineRequest, price_line, standard_products
from orders.services.stock import take_standard_stock
from production import promise
from production.selectors import normalise_selections
from production.tasks import schedule_order


@dataclass(frozen=True)
class Customer:
    name: str = ""
    email: str = ""
    address: str = ""


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
    if not lines:
        raise errors.IncompleteConfiguration(
            "An order needs at least one line.", errors={"lines": ["empty"]}
        )
    try:
        version = published_version()
    except NoPublishedCatalogue as exc:
        raise errors.CatalogueUnavailable(str(exc)) from exc
    standards = standard_products(skus=(line.standard_sku for line in lines))
    priced = [
        price_line(version=version, request=line, index=i, standards=standards)
        for i, line in enumerate(lines)
    ]
    total = sum((p.line_total for p in priced), Decimal("0.00"))
    customer = customer or Customer()
    estimated = promise.estimate(lines=[p.to_plan for p in priced], priority=priority)
    with transaction.atomic():
        order = Order.objects.create(
            estimated_ship_date=estimated,
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
        take_standard_stock(priced)
        received = OrderEvent.objects.create(order=order, status=Order.Status.RECEIVED, actor=actor)
        # Broker down: logged, and the periodic sweep re-sends it (the order is committed).
        enqueue.send_on_commit(schedule_order, order.pk)
        # The confirmation e-mail and webhooks go the same way as every later status.
        transaction.on_commit(lambda: notify_status_changes(event_ids=(received.pk,)), robust=True)
    return order
