"""The configurator's answer for the partner API: the engine's answer with production's
ship-date estimate for the quantity asked, the same estimate the configure page shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from configurator.selectors import ConfiguredProduct, configure_product
from production import promise


def configured_with_estimate(
    *,
    code: str,
    selections: Mapping[str, Sequence[str]],
    order: Sequence[str] = (),
    quantity: int = 1,
) -> ConfiguredProduct:
    """`configure_product` plus, once the configuration is complete, the ship date an order
    of `quantity` units placed now would be promised (production.promise). Raises what
    configure_product raises."""
    answer = configure_product(code=code, selections=selections, order=order, quantity=quantity)
    if not (answer.configuration.complete and answer.configuration.valid):
        return answer
    ship = promise.estimate_configuration(
        version=answer.version, product_code=code, selections=selections, quantity=quantity
    )
    return replace(answer, estimated_ship_date=ship)
