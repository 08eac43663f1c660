"""The one price function (page, API, order, invoice), the one bill of materials and the
build minutes. Money is Decimal throughout; nothing here ever sees a float."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Index, index_product
from configurator.engine.model import Group, Option, Product
from configurator.engine.results import Price, PriceLine
from configurator.engine.selections import Selections, parse_selections


def resolve(product: Product | CompiledProduct) -> tuple[Product, Index]:
    if isinstance(product, CompiledProduct):
        return product.product, product.index
    return product, index_product(product)


def _picked_options(product: Product, picked: Mapping[int, int]) -> Iterator[tuple[Group, Option]]:
    """The picked options in product order (only the picks are read: a click prices a
    few picks of a product of a thousand options)."""
    for g in sorted(picked):
        group, mask = product.groups[g], picked[g]
        while mask:
            low = mask & -mask
            yield group, group.options[low.bit_length() - 1]
            mask ^= low


def price_of(product: Product, picked: Mapping[int, int]) -> Price:
    """Itemised price of parsed picks: base, each picked option, each price rule that holds."""
    lines = [PriceLine("base", product.code, product.name, product.base_price)]
    held = set()
    for group, option in _picked_options(product, picked):
        held.add(f"{group.code}.{option.code}")
        lines.append(
            PriceLine(
                "option",
                f"{group.code}.{option.code}",
                f"{group.name}: {option.name}",
                option.price,
            )
        )
    for rule in product.price_rules:
        if all(lit in held for lit in rule.when):
            lines.append(PriceLine("price_rule", rule.id, rule.label, rule.amount))
    total = sum((line.amount for line in lines), start=Decimal(0))
    return Price(currency=product.currency, total=total, lines=tuple(lines))


def price(product: Product | CompiledProduct, selections: Selections) -> Price:
    """The price of `selections` (complete or not): base price + picked options' prices +
    the amount of every price rule whose literals all hold, itemised.

    Raises `UnknownCode` / `InvalidSelection` for bad selections.
    """
    product_, index = resolve(product)
    return price_of(product_, parse_selections(index, product_, selections))


def bill_of_materials(product: Product | CompiledProduct, selections: Selections) -> dict[str, int]:
    """Component SKU -> quantity summed over the picked options' BOMs."""
    product_, index = resolve(product)
    bom: dict[str, int] = {}
    for _, option in _picked_options(product_, parse_selections(index, product_, selections)):
        for sku, qty in option.bom.items():
            bom[sku] = bom.get(sku, 0) + qty
    return bom


def build_minutes(product: Product | CompiledProduct, selections: Selections) -> dict[str, int]:
    """Work centre code -> minutes: the route's minutes plus picked options' extra minutes."""
    product_, index = resolve(product)
    minutes: dict[str, int] = {}
    for step in product_.route:
        minutes[step.work_centre] = minutes.get(step.work_centre, 0) + step.minutes
    for _, option in _picked_options(product_, parse_selections(index, product_, selections)):
        for centre, extra in option.extra_minutes.items():
            minutes[centre] = minutes.get(centre, 0) + extra
    return minutes
