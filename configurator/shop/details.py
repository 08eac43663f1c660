"""Each option's details for the configure page's disclosure: the catalogue's
`description` and, where the catalogue has them, its key `specs` (an object of spec name
→ value, e.g. {"Cores": "14", "Boost": "4.9 GHz"}). Read from the product's part of the
catalogue document, defensively: an older document has no `specs`, and a value that is
not text or a number is left out rather than shown as Python's repr."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OptionDetails:
    description: str = ""
    specs: tuple[tuple[str, str], ...] = ()


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


def option_details(*, product_doc: dict) -> dict[tuple[str, str], OptionDetails]:
    """(group code, option code) → its details, for every option that has any."""
    out: dict[tuple[str, str], OptionDetails] = {}
    for group in product_doc.get("groups") or ():
        if not isinstance(group, dict):
            continue
        for option in group.get("options") or ():
            if not isinstance(option, dict):
                continue
            description = option.get("description")
            details = OptionDetails(
                description=description if isinstance(description, str) else "",
                specs=_specs(option.get("specs")),
            )
            if details != NO_DETAILS:
                out[(str(group.get("code")), str(option.get("code")))] = details
    return out
