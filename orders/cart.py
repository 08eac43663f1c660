"""The shop's cart, kept in the session, and checkout.

A cart line holds only what the customer chose (product, selections, quantity, and the
standard product's SKU when they took the in-stock twin). Prices are never stored: each
view prices the lines again with the engine against the published catalogue, and
`place_order` prices them once more when the order is placed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from atelier.money import Money
from configurator import engine
from configurator.selectors import NoPublishedCatalogue, compiled_product, published_version
from orders.models import Order
from orders.services import Customer, LineRequest, normalise_selections, place_order
from orders.ship_dates import promise_note
from production import promise
from production.models import StandardProduct

SESSION_KEY = "cart"
MAX_LINES = 20
MAX_QUANTITY = 99


class CartError(Exception):
    """Something the customer asked of the cart that it cannot do (shown as a message)."""


@dataclass(frozen=True)
class CartLine:
    id: str
    product: str
    selections: dict[str, list[str]]
    quantity: int
    standard_sku: str = ""
    title: str = ""


class Cart:
    """The session's cart. Every change marks the session modified so it is saved."""

    def __init__(self, session) -> None:
        self.session = session

    @property
    def lines(self) -> list[CartLine]:
        stored = self.session.get(SESSION_KEY, {}).get("lines", [])
        return [CartLine(**line) for line in stored]

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    def _store(self, lines: list[CartLine]) -> None:
        self.session[SESSION_KEY] = {"lines": [line.__dict__ for line in lines]}
        self.session.modified = True

    def add(
        self,
        *,
        product: str,
        selections: dict[str, list[str]],
        quantity: int = 1,
        standard_sku: str = "",
        title: str = "",
    ) -> CartLine:
        """Add a line; the same configuration again raises the existing line's quantity."""
        selections = normalise_selections(selections)
        lines = self.lines
        for i, line in enumerate(lines):
            if (line.product, line.selections, line.standard_sku) == (
                product,
                selections,
                standard_sku,
            ):
                merged = CartLine(
                    **{**line.__dict__, "quantity": min(MAX_QUANTITY, line.quantity + quantity)}
                )
                lines[i] = merged
                self._store(lines)
                return merged
        if len(lines) >= MAX_LINES:
            raise CartError(f"A cart holds at most {MAX_LINES} configurations.")
        line = CartLine(
            id=secrets.token_hex(6),
            product=product,
            selections=selections,
            quantity=max(1, min(MAX_QUANTITY, quantity)),
            standard_sku=standard_sku,
            title=title,
        )
        self._store([*lines, line])
        return line

    def set_quantity(self, line_id: str, quantity: int) -> None:
        if not 1 <= quantity <= MAX_QUANTITY:
            raise CartError(f"Quantities run from 1 to {MAX_QUANTITY}.")
        lines = self.lines
        if all(line.id != line_id for line in lines):
            raise CartError("That line is no longer in your cart.")
        self._store(
            [
                CartLine(**{**line.__dict__, "quantity": quantity}) if line.id == line_id else line
                for line in lines
            ]
        )

    def remove(self, line_id: str) -> None:
        self._store([line for line in self.lines if line.id != line_id])

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)
        self.session.modified = True


@dataclass(frozen=True)
class PricedCartLine:
    line: CartLine
    name: str
    summary: tuple[str, ...]
    unit: Money | None
    total: Money | None
    problem: str = ""
    # The line as planning reads it, and when it would ship if ordered alone now.
    to_plan: promise.LineToPlan | None = None
    ship_date: date | None = None


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedCartLine, ...]
    total: Money | None
    currency: str
    # When the order of all the lines placed together now would ship (its promise).
    ship_date: date | None = None

    @property
    def can_checkout(self) -> bool:
        return bool(self.lines) and all(not line.problem for line in self.lines)


def _price_line(version, line: CartLine, standard_prices: dict[str, Decimal]) -> PricedCartLine:
    compiled = compiled_product(version, line.product)
    if compiled is None:
        return PricedCartLine(line, line.product, (), None, None, "This product is no longer sold.")
    try:
        result = engine.configure(compiled, line.selections)
    except engine.EngineError:
        result = None
    if result is None or not (result.valid and result.complete):
        return PricedCartLine(
            line,
            compiled.product.name,
            (),
            None,
            None,
            "The catalogue changed and this configuration no longer fits it.",
        )
    summary = tuple(
        f"{group.name}: {', '.join(o.name for o in group.options if o.code in picks)}"
        for group in compiled.product.groups
        if (picks := line.selections.get(group.code))
    )
    unit = result.price.total
    if line.standard_sku and line.standard_sku in standard_prices:
        unit = standard_prices[line.standard_sku]
    currency = result.price.currency
    return PricedCartLine(
        line,
        compiled.product.name,
        summary,
        Money(unit, currency),
        Money(unit * line.quantity, currency),
        to_plan=promise.configured_line(
            compiled=compiled,
            selections=line.selections,
            quantity=line.quantity,
            standard_sku=line.standard_sku,
        ),
    )


def priced_cart(cart: Cart) -> PricedCart:
    """The cart's lines priced now, each flagged if the catalogue no longer allows it."""
    lines = cart.lines
    try:
        version = published_version()
    except NoPublishedCatalogue:
        return PricedCart(
            tuple(
                PricedCartLine(line, line.product, (), None, None, "The shop is closed.")
                for line in lines
            ),
            None,
            "EUR",
        )
    skus = [line.standard_sku for line in lines if line.standard_sku]
    standard_prices = (
        dict(StandardProduct.objects.filter(sku__in=skus).values_list("sku", "price"))
        if skus
        else {}
    )
    priced = tuple(_price_line(version, line, standard_prices) for line in lines)
    total = sum((p.total.amount for p in priced if p.total), Decimal("0.00"))
    priced, ship_date = _with_ship_dates(priced)
    return PricedCart(priced, Money(total, version.currency), version.currency, ship_date)


def _with_ship_dates(
    priced: tuple[PricedCartLine, ...],
) -> tuple[tuple[PricedCartLine, ...], date | None]:
    """Each built-to-order line's ship date if ordered alone now, and the order's: all
    lines placed together, as checkout would place them (one read of the plan)."""
    planned = [p.to_plan for p in priced if p.to_plan is not None]
    if not planned:
        return priced, None
    built = [(p, p.to_plan) for p in priced if p.to_plan is not None and not p.line.standard_sku]
    whole = len(planned) == len(priced)  # a line with a problem blocks checkout anyway
    found = promise.estimates(
        orders=[*([line] for _, line in built), *([planned] if whole else [])]
    )
    dates = {id(p): d for (p, _), d in zip(built, found, strict=False)}
    lines = tuple(replace(p, ship_date=dates.get(id(p))) for p in priced)
    return lines, found[-1] if whole else None


def checkout(*, cart: Cart, customer: Customer, user=None) -> Order:
    """Place the cart as one order (re-validated and re-priced by `place_order`), then
    empty the cart. Raises the orders' DomainErrors; the cart is kept when it fails.
    `user`: the logged-in account the order belongs to (None: a guest order)."""
    requests = []
    for line in cart.lines:
        requests.append(
            LineRequest(
                product=line.product,
                selections=line.selections,
                quantity=line.quantity,
                standard_sku=line.standard_sku,
            )
        )
    order = place_order(lines=requests, customer=customer, user=user, actor="shop")
    cart.clear()
    return order


@dataclass(frozen=True)
class PlacedLine:
    quantity: int
    name: str
    standard_sku: str
    choices: tuple[str, ...]
    total: Money


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    lines: tuple[PlacedLine, ...]
    total: Money

    @property
    def promise_note(self) -> str:
        """Why the promise differs from the estimate shown when ordering ('' if it does not)."""
        return promise_note(
            estimated=self.order.estimated_ship_date, promised=self.order.promised_ship_date
        )


def placed_order(public_id) -> PlacedOrder | None:
    """An order as its customer sees it (confirmation and status pages), by public id."""
    order = Order.objects.prefetch_related("lines", "events").filter(public_id=public_id).first()
    if order is None:
        return None
    lines = tuple(
        PlacedLine(
            quantity=line.quantity,
            name=line.product_name,
            standard_sku=line.standard_sku,
            choices=tuple(p["label"] for p in line.price_lines if p.get("kind") == "option"),
            total=Money(line.line_total, order.currency),
        )
        for line in order.lines.all()
    )
    return PlacedOrder(order, lines, Money(order.total, order.currency))
