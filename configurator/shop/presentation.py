"""What the shop's pages show: money, product cards, and the configure page's state
after a click (groups, options with their states and reasons, the itemized bill, a
conflict with its proposed change). Plain frozen values; `pages` builds them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from configurator.models import CatalogueVersion

Selections = dict[str, list[str]]
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def literals(selections: Selections) -> list[str]:
    return [f"{g}.{o}" for g, picks in selections.items() for o in picks]


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        sign = "−" if self.amount < 0 else ""
        symbol = SYMBOLS.get(self.currency)
        number = f"{abs(self.amount):,.2f}"
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {self.currency}"

    @property
    def signed(self) -> str:
        return f"+{self}" if self.amount >= 0 else str(self)


@dataclass(frozen=True)
class ProductCard:
    code: str
    name: str
    description: str
    kind: str
    starting_price: Money


@dataclass(frozen=True)
class Why:
    """One reason an option is excluded: the rule's message and the picks behind it."""

    rule: str
    message: str
    because: tuple[str, ...]


@dataclass(frozen=True)
class OptionView:
    code: str
    name: str
    state: str
    price: Money
    delta: Money
    why: tuple[Why, ...]
    input_id: str

    @property
    def selected(self) -> bool:
        return self.state == "selected"

    @property
    def excluded(self) -> bool:
        return self.state == "excluded"

    @property
    def price_note(self) -> str:
        """What choosing it does to the price: a picked option shows its own price."""
        if self.selected:
            return str(self.price) if self.price.amount else "Included"
        return self.delta.signed


@dataclass(frozen=True)
class GroupView:
    code: str
    name: str
    min: int
    max: int
    options: tuple[OptionView, ...]
    field_name: str

    @property
    def multiple(self) -> bool:
        return self.max > 1

    @property
    def optional_single(self) -> bool:
        return self.max == 1 and self.min == 0

    @property
    def hint(self) -> str:
        if self.max == 1:
            return "Choose one" if self.min else "Optional"
        if self.min == 0:
            return f"Choose up to {self.max}"
        return f"Choose {self.min}–{self.max}" if self.min != self.max else f"Choose {self.min}"

    @property
    def picks(self) -> int:
        return sum(o.selected for o in self.options)

    @property
    def unmet(self) -> str:
        """What the customer still has to do in this group, or ''."""
        if self.picks < self.min:
            return f"Choose at least {self.min} in {self.name}."
        return ""


@dataclass(frozen=True)
class Change:
    group: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    def __str__(self) -> str:
        if not self.after:
            return f"remove {self.group}: {', '.join(self.before)}"
        if not self.before:
            return f"add {self.group}: {', '.join(self.after)}"
        return f"{self.group}: {', '.join(self.before)} → {', '.join(self.after)}"


@dataclass(frozen=True)
class ConflictView:
    messages: tuple[str, ...]
    picks: tuple[str, ...]


@dataclass(frozen=True)
class BillLine:
    """One line of the itemized price: what it is for (a group, the base price, an offer),
    what was chosen, and its amount."""

    heading: str
    label: str
    amount: Money

    @property
    def amount_note(self) -> str:
        return str(self.amount) if self.amount.amount else "Included"


@dataclass(frozen=True)
class StandardOffer:
    sku: str
    price: Money


@dataclass(frozen=True)
class ConfigurePage:
    version: CatalogueVersion
    code: str
    name: str
    description: str
    kind: str
    currency: str
    selections: Selections
    order: tuple[str, ...]
    last_good: Selections
    complete: bool
    valid: bool
    groups: tuple[GroupView, ...]
    bill: tuple[BillLine, ...]
    total: Money
    chosen: tuple[str, ...] = ()  # the picks of the last click, as "Group: Option"
    focus: str = ""  # input id to focus after an applied resolution or undo
    conflicts: tuple[ConflictView, ...] = ()
    conflict_group: str = ""  # the group after which the conflict panel is shown
    changes: tuple[Change, ...] = ()
    ship_date: date | None = None
    standard: StandardOffer | None = None
    resolution: Selections | None = None
    notices: tuple[str, ...] = ()
    quantity: int = 1  # units the ship date and the line total are for

    @property
    def line_total(self) -> Money:
        """The unit total times the quantity."""
        return Money(self.total.amount * self.quantity, self.total.currency)

    @property
    def order_text(self) -> str:
        return " ".join(self.order)

    @property
    def last_good_text(self) -> str:
        return " ".join(literals(self.last_good))

    @property
    def unmet(self) -> tuple[str, ...]:
        return tuple(g.unmet for g in self.groups if g.unmet)

    @property
    def can_order(self) -> bool:
        return self.valid and self.complete

    @property
    def announcement(self) -> str:
        """One sentence for the page's aria-live region after each update."""
        if not self.valid:
            changes = "; ".join(str(c) for c in self.changes)
            head = f"{', '.join(self.chosen) or 'That choice'} conflicts with your other choices."
            return f"{head} To choose it we would change: {changes}." if changes else head
        parts = [f"Total {self.total}."]
        if self.unmet:
            parts.append(" ".join(self.unmet))
        elif self.standard:
            parts.append(f"In stock as {self.standard.sku}: ships today for {self.standard.price}.")
        elif self.ship_date:
            units = f" for {self.quantity}" if self.quantity > 1 else ""
            parts.append(f"Estimated ship date{units} {self.ship_date:%A, %-d %B %Y}.")
        if self.quantity > 1:
            parts.insert(1, f"{self.quantity} for {self.line_total}.")
        return " ".join(parts)
