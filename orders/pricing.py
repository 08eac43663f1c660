"""One pricing path for a line: the cart, the order and the batch plan all price a line
here, against the published catalogue with the engine (never a client's price), and read
from it what production will plan (parts, minutes, route)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from atelier import errors
from configurator import engine
from configurator.selectors import compiled_product
from production import promise
from production.models import StandardProduct
from production.selectors import normalise_selections


@dataclass(frozen=True)
class LineRequest:
    product: str
    selections: dict[str, list[str]]
    quantity: int = 1
    # Set when the customer takes the in-stock standard product equal to this
    # configuration: sold from its stock at its price, never built to order.
    standard_sku: str = ""


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
    def to_plan(self) -> promise.LineToPlan:
        """The line as planning reads it (what the OrderLine row will hold)."""
        return promise.LineToPlan(
            bom=self.bom,
            build_minutes=self.minutes,
            route=self.route,
            quantity=self.request.quantity,
            standard_sku=self.request.standard_sku,
        )

    @property
    def unit_price(self) -> Decimal:
        if self.standard_price is not None:
            return self.standard_price
        return self.configuration.price.total

    @property
    def line_total(self) -> Decimal:
        """The unit price times the quantity: what the cart shows and the order charges."""
        return self.unit_price * self.request.quantity

    @property
    def currency(self) -> str:
        return self.configuration.price.currency

    @property
    def choices(self) -> tuple[str, ...]:
        """The picks as a customer reads them, one "Group: Option, Option" per group."""
        return tuple(
            f"{group.name}: {', '.join(o.name for o in group.options if o.code in picks)}"
            for group in self.configuration.groups
            if (picks := self.request.selections.get(group.code))
        )

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


def standard_products(*, skus: Iterable[str]) -> dict[str, StandardProduct]:
    """The standard products named by `skus`, read in one query, for `price_line`'s
    `standards` when several lines are priced together (a cart, an order)."""
    wanted = {sku for sku in skus if sku}
    if not wanted:
        return {}
    return {s.sku: s for s in StandardProduct.objects.filter(sku__in=wanted)}


def price_line(
    *,
    version,
    request: LineRequest,
    index: int = 0,
    standards: Mapping[str, StandardProduct] | None = None,
) -> PricedLine:
    """Validate and price one line against `version` with the engine (never a client's price).

    `standards` holds the standard products already read (`standard_products`); without
    it the line's own is read here. Raises the DomainErrors of an unknown product, a bad,
    conflicting or incomplete configuration, or a standard SKU that is not its twin."""
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
        standard = (
            standards.get(request.standard_sku)
            if standards is not None
            else StandardProduct.objects.filter(sku=request.standard_sku).first()
        )
        if (
            standard is None
            or standard.product_code != request.product
            or normalise_selections(standard.selections) != normalise_selections(request.selections)
        ):
            raise errors.InvalidSelection(
                f"'{request.standard_sku}' is not a standard product of this configuration.",
                errors={f"lines[{index}].standard_sku": ["no such standard product"]},
            )
    planned = promise.configured_line(compiled=compiled, selections=request.selections)
    return PricedLine(
        request=request,
        product_name=product.name,
        configuration=result,
        bom=dict(planned.bom),
        minutes=dict(planned.build_minutes),
        route=list(planned.route),
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
