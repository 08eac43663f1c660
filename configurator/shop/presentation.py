"""What the shop's pages show: money, product cards, and the configure page's state
after a click (groups, options with their states and reasons, the itemized bill, a
conflict with its proposed change). Plain frozen values; `pages` builds them (Money is atelier.money's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from atelier.money import Money
from configurator.models import CatalogueVersion
from configurator.shop.specs import SpecSheet

Selections = dict[str, list[str]]


def literals(selections: Selections) -> list[str]:
    return [f"{g}.{o}" for g, picks in selections.items() for o in picks]


@dataclass(frozen=True)
class Picture:
    """A stored picture as an <img>: `srcset` lists the widths a raster was stored at
    (empty for an SVG, which scales itself; `width`/`height` then come from its viewBox)."""

    src: str
    alt: str
    width: int | None = None
    height: int | None = None
    srcset: str = ""
    sizes: str = "(min-width: 48rem) 28rem, 100vw"


@dataclass(frozen=True)
class ProductCard:
    code: str
    name: str
    description: str
    kind: str
    starting_price: Money
    picture: Picture | None = None  # None: the built-in drawing of `kind`


@dataclass(frozen=True)
class OptionView:
    """One option: its state, its own price, `delta` (how the total changes if it is picked
    now; for an excluded option, the change of the resolution proposed for it), `why` (for
    an excluded option: one sentence per rule, naming every pick involved) and `changes`
    (the picks its resolution changes)."""

    code: str
    name: str
    state: str
    price: Money
    delta: Money
    why: tuple[str, ...]
    input_id: str
    changes: tuple[str, ...] = ()
    possible: bool = True  # False: no configuration at all contains it
    # Shown on demand (a disclosure): the catalogue's description and key specs.
    description: str = ""
    specs: tuple[tuple[str, str], ...] = ()
    # The option's own picture: the page fetches it only when its details open.
    picture: Picture | None = None

    @property
    def has_details(self) -> bool:
        return bool(self.description or self.specs or self.picture)

    @property
    def selected(self) -> bool:
        return self.state == "selected"

    @property
    def excluded(self) -> bool:
        return self.state == "excluded"

    @property
    def price_note(self) -> str:
        """How the total changes if it is picked now; every zero change reads the same."""
        if not self.possible:
            return ""
        if self.selected or not self.delta.amount:
            return "Included"
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
    def pick_text(self) -> str:
        """The current pick(s), for the group's header (shown also while it is collapsed)."""
        names = [o.name for o in self.options if o.selected]
        if names:
            return ", ".join(names)
        return "None" if self.min == 0 else "Not chosen yet"

    @property
    def unmet(self) -> str:
        """What the customer still has to do in this group, or ''."""
        if self.picks < self.min:
            return f"Choose at least {self.min} in {self.name}."
        return ""


@dataclass(frozen=True)
class Change:
    """One group a proposed resolution changes: names before and after, and the words
    (`configurator.rule_text.Words.change`)."""

    group: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ConflictView:
    """A conflict between picks: one sentence per rule (naming the picks it meets)."""

    sentences: tuple[str, ...]
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
    # What applying the proposed resolution gives, shown before it is applied: `total`
    # and `bill` are then the resolution's; `change` is its total minus the last valid one.
    pending: bool = False
    change: Money | None = None
    notices: tuple[str, ...] = ()
    quantity: int = 1  # units the ship date and the line total are for
    picture: Picture | None = None  # None: the built-in drawing of `kind`
    spec_sheet: SpecSheet = SpecSheet(())  # the product's specs merged with the picks'

    @property
    def line_total(self) -> Money:
        """The unit total times the quantity."""
        return Money(self.total.amount * self.quantity, self.total.currency)

    @property
    def change_note(self) -> str:
        """How the proposed change moves the total from the last valid configuration's."""
        if self.change is None:
            return ""
        return self.change.signed if self.change.amount else "same price"

    @property
    def form_fields(self) -> tuple[tuple[str, str], ...]:
        """The configure form's fields for this configuration (to reopen or print it)."""
        picks = tuple((f"g-{g}", o) for g, options in self.selections.items() for o in options)
        return (*picks, ("order", self.order_text), ("quantity", str(self.quantity)))

    @property
    def form_query(self) -> str:
        return urlencode(self.form_fields)

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
            if not changes:
                return head
            parts = [f"{head} To choose it we would change: {changes}."]
            parts.append(f"The total would be {self.total}.")
            if self.ship_date:
                parts.append(f"Estimated ship date {self.ship_date:%A, %-d %B %Y}.")
            return " ".join(parts)
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
