"""Each option's details for the configure page's disclosure: the catalogue's
`description` and, where the catalogue has them, its key `specs` (an object of spec name
→ value, e.g. {"Cores": "14", "Boost": "4.9 GHz"}). Read from the product's part of the
catalogue document, defensively: an older document has no `specs`, and a value that is
not text or a number is left out rather than shown as Python's repr. An option's own
stored picture (configurator.shop.pictures.option_pictures) is a detail too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from configurator.shop.presentation import Picture


@dataclass(frozen=True)
class OptionDetails:
    description: str = ""
    specs: tuple[tuple[str, str], ...] = ()
    picture: Picture | None = None


NO_DETAILS = OptionDetails()


def _specs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        return ()
    return tuple(
        (name, str(spec))
        for name, spec in value.items()
        if isinstance(name, str)
        and isinstance(spec, str | int | float)
        and not isinstance(spec, bool)
        and str(spec)
    )


def option_details(
    *, product_doc: dict, pictures: Mapping[tuple[str, str], Picture] | None = None
) -> dict[tuple[str, str], OptionDetails]:
    """(group code, option code) → its details, for every option that has any; `pictures`
    holds the options' own pictures by the same key."""
    pictures = pictures or {}
    out: dict[tuple[str, str], OptionDetails] = {}
    for group in product_doc.get("groups") or ():
        if not isinstance(group, dict):
            continue
        for option in group.get("options") or ():
            if not isinstance(option, dict):
                continue
            key = (str(group.get("code")), str(option.get("code")))
            description = option.get("description")
            details = OptionDetails(
                description=description if isinstance(description, str) else "",
                specs=_specs(option.get("specs")),
                picture=pictures.get(key),
            )
            if details != NO_DETAILS:
                out[key] = details
    return out
