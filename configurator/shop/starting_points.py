"""A product's starting points as the configure page offers them: each a complete
configuration with its price and ship date, one click from setting every group.

The price is the one pricing path's (`orders.pricing.price_line`, the engine against the
published version) and the ship date the one capable-to-promise's (`production.promise`),
all starting points estimated on one read of the plan. Publishing checked every starting
point with the engine, so each prices; one that does not (a catalogue edited by hand in
the database) is left out rather than shown wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from atelier import errors
from atelier.money import Money
from configurator.models import CatalogueVersion
from configurator.shop.presentation import Selections, literals
from orders.pricing import LineRequest, PricedLine, price_line
from production import promise
from production.selectors import standard_match


@dataclass(frozen=True)
class StartingOffer:
    code: str
    name: str
    description: str
    selections: Selections
    price: Money
    ship_date: date | None
    in_stock_sku: str = ""  # the standard product equal to it, when one is in stock
    in_stock_price: Money | None = None

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        """The configure form's fields that set every group to this starting point."""
        picks = tuple((f"g-{g}", o) for g, options in self.selections.items() for o in options)
        return (*picks, ("order", " ".join(literals(self.selections))))

    def matches(self, selections: Selections) -> bool:
        return sorted(literals(self.selections)) == sorted(literals(selections))


def starting_offers(*, version: CatalogueVersion, product: dict) -> tuple[StartingOffer, ...]:
    """The starting points of `product` (its document in `version`), priced and dated."""
    priced: list[tuple[dict, PricedLine]] = []
    for start in product.get("starting_points", ()):
        request = LineRequest(product=product["code"], selections=start["selections"])
        try:
            priced.append((start, price_line(version=version, request=request)))
        except errors.DomainError:
            continue
    dates = promise.estimates(orders=[[line.to_plan] for _, line in priced])
    offers = []
    for (start, line), ship_date in zip(priced, dates, strict=True):
        standard = standard_match(product["code"], start["selections"])
        offers.append(
            StartingOffer(
                code=start["code"],
                name=start["name"],
                description=start.get("description", ""),
                selections={g: list(p) for g, p in start["selections"].items()},
                price=Money(line.unit_price, version.currency),
                ship_date=ship_date,
                in_stock_sku=standard.sku if standard else "",
                in_stock_price=Money(standard.price, version.currency) if standard else None,
            )
        )
    return tuple(offers)
