"""The spec sheet of a configuration: the product's specs merged with its picked options'.

Rows come in the order a reader expects: the picked options' specs group by group (the
processor's before the memory's, as the groups are arranged), then the product's own
specs not already given. An option's value replaces the product's value of the same name
(the product's `"Accessories": "None"` is what shows while no accessory is picked); when
several picked options give one name (two accessories), their values are joined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SpecRow:
    name: str
    value: str


@dataclass(frozen=True)
class SpecSheet:
    rows: tuple[SpecRow, ...]

    def __bool__(self) -> bool:
        return bool(self.rows)

    def as_dict(self) -> dict[str, str]:
        return {row.name: row.value for row in self.rows}


def spec_sheet(*, product: Mapping, selections: Mapping[str, Sequence[str]]) -> SpecSheet:
    """The spec sheet of `selections` of `product` (its `atelier-catalogue/1` document).
    Picks naming no option of the product are ignored (the page reports those itself)."""
    merged: dict[str, list[str]] = {}
    for group in product.get("groups", ()):
        picked = selections.get(group["code"], ())
        for option in group["options"]:
            if option["code"] not in picked:
                continue
            for name, value in (option.get("specs") or {}).items():
                values = merged.setdefault(name, [])
                if value not in values:
                    values.append(value)
    for name, value in (product.get("specs") or {}).items():
        merged.setdefault(name, [value])
    return SpecSheet(tuple(SpecRow(name, ", ".join(values)) for name, values in merged.items()))
