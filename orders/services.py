"""Order workflows, the one door for writers of orders: place, cancel, API tokens. The
shop's checkout and the partner API both call `place_order`; production's worker moves
orders through `orders.transitions` (re-exported here for callers).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from atelier import enqueue, errors
from configurator.selectors import NoPublishedCatalogue, published_version
from orders.models import ApiToken, Order, OrderEvent, OrderLine, Partner, hash_token
from orders.notifications import notify_status_changes
from orders.pricing import LineRequest, PricedLine, conflict_json, price_line
from orders.transitions import transition, transition_many
from production import promise
from production.models import StandardProduct
from production.selectors import normalise_selections, standard_match
from production.services import release_order
from production.tasks import schedule_order

__all__ = [
    "Customer",
    "LineRequest",
    "PricedLine",
    "cancel_order",
    "conflict_json",
    "issue_token",
    "normalise_selections",
    "place_order",
    "price_line",
    "revoke_tokens",
    "standard_match",
    "transition",
    "transition_many",
]


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
    priced = [price_line(version=version, request=line, index=i) for i, line in enumerate(lines)]
    total = sum((p.unit_price * p.request.quantity for p in priced), Decimal("0.00"))
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
        _take_standard_stock(priced)
        received = OrderEvent.objects.create(order=order, status=Order.Status.RECEIVED, actor=actor)
        # Broker down: logged, and the periodic sweep re-sends it (the order is committed).
        enqueue.send_on_commit(schedule_order, order.pk)
        # The confirmation e-mail and webhooks go the same way as every later status.
        transaction.on_commit(lambda: notify_status_changes(event_ids=(received.pk,)), robust=True)
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


def cancel_order(*, order: Order, actor: str) -> Order:
    """Cancel a not-yet-started order and free what it held in the plan."""
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
