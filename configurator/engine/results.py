"""What the engine answers: frozen dataclasses, free of numpy, safe to serialise."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NoReturn

OptionStatus = Literal["selected", "available", "excluded"]
LineKind = Literal["base", "option", "price_rule"]


@dataclass(frozen=True)
class PriceLine:
    kind: LineKind
    code: str  # product code, "group.option" or price rule id
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Price:
    currency: str
    total: Decimal
    lines: tuple[PriceLine, ...]


@dataclass(frozen=True)
class Reason:
    """A rule (or a group's cardinality, id ``min:group`` / ``max:group``) that, together
    with the current picks in `selections` ("group.option" literals), rules something out."""

    rule: str
    message: str
    selections: tuple[str, ...]


@dataclass(frozen=True)
class OptionState:
    """One option after a click. `price` is its own list price; `delta` is how the total
    changes if it is picked now (price rules included; 0 for a selected option; for an
    excluded option, the change of its whole `resolution`). `reasons`: the fewest picks
    (and the rules) that exclude it. For an excluded option, `resolution` is the complete
    configuration proposed when it is clicked (keeps it, changes the fewest other picks,
    cheapest among those; None if nothing contains it) and `resolution_reasons` name, for
    each pick that resolution changes, the rules (and any kept picks) that make it give way.
    """

    code: str
    name: str
    state: OptionStatus
    price: Decimal
    reasons: tuple[Reason, ...] = ()
    delta: Decimal = Decimal(0)
    resolution: dict[str, list[str]] | None = None
    resolution_reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class GroupState:
    code: str
    name: str
    min: int
    max: int
    selected: tuple[str, ...]
    options: tuple[OptionState, ...]


@dataclass(frozen=True)
class Conflict:
    """Selections that cannot all hold together, and the rules that forbid it."""

    rules: tuple[Reason, ...]
    selections: tuple[str, ...]


@dataclass(frozen=True)
class Configuration:
    complete: bool
    valid: bool
    price: Price
    groups: tuple[GroupState, ...]
    conflicts: tuple[Conflict, ...]
    resolution: dict[str, list[str]] | None


@dataclass(frozen=True)
class LintReport:
    dead_options: tuple[str, ...]
    forced_groups: tuple[str, ...]
    empty: bool
    messages: tuple[str, ...]


class Picks(list[str]):
    """The option codes of one group in a resolution: a list (equal to a list, serialised
    as one) that refuses every change, so one can be shared by every resolution holding
    that pick. Copy it (`list(picks)`) to edit."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a resolution's picks are shared and cannot be changed; copy them")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __reduce__(self) -> tuple[type[Picks], tuple[tuple[str, ...]]]:
        return Picks, (tuple(self),)
