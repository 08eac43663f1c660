"""The shop's reads and writes around the engine: product cards, the configure page's
state after each click, saved configurations behind share links.

Every price shown here is the engine's (`engine.configure` / `engine.price`): the page,
the cart, the order and the API price a configuration with the same function.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from configurator import engine
from configurator.models import CatalogueVersion, SavedConfiguration
from configurator.selectors import (
    compiled_product,
    product_document,
    published_version,
)
from orders.services import standard_match
from production.selectors import estimate_ship_date

Selections = dict[str, list[str]]
KINDS = ("notebook", "creator", "tower")
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


class ProductNotFound(Exception):
    """No product with that code in the published catalogue (the page answers 404)."""


class SavedNotFound(Exception):
    """No saved configuration behind that token."""


# --- Presentation values --------------------------------------------------------------


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
            parts.append(f"Estimated ship date {self.ship_date:%A, %-d %B %Y}.")
        return " ".join(parts)


# --- Reads ----------------------------------------------------------------------------


def literals(selections: Selections) -> list[str]:
    return [f"{g}.{o}" for g, picks in selections.items() for o in picks]


def product_kind(doc: dict) -> str:
    """Which drawing a product gets: its catalogue `image` if that names one, else a
    guess from its code and name."""
    image = str(doc.get("image") or "").lower()
    if image in KINDS:
        return image
    text = f"{doc.get('code', '')} {doc.get('name', '')}".lower()
    if any(word in text for word in ("creator", "studio", "workstation")):
        return "creator"
    if any(word in text for word in ("tower", "desktop")):
        return "tower"
    return "notebook"


_start_prices: dict[tuple[int, str], Decimal] = {}


def _compiled(version: CatalogueVersion, code: str) -> engine.CompiledProduct:
    compiled = compiled_product(version, code) if isinstance(code, str) else None
    if compiled is None:
        raise ProductNotFound(code)
    return compiled


def default_selections(version: CatalogueVersion, code: str) -> Selections:
    return engine.default_completion(_compiled(version, code)) or {}


def starting_price(version: CatalogueVersion, code: str) -> Decimal:
    """The price of the default completion (published versions never change: cached)."""
    key = (version.pk, code)
    if key not in _start_prices:
        compiled = _compiled(version, code)
        _start_prices[key] = engine.price(compiled, default_selections(version, code)).total
    return _start_prices[key]


def product_cards() -> tuple[CatalogueVersion, list[ProductCard]]:
    """The published catalogue's products for the shop window. Raises NoPublishedCatalogue."""
    version = published_version()
    cards = [
        ProductCard(
            code=doc["code"],
            name=doc["name"],
            description=doc.get("description", ""),
            kind=product_kind(doc),
            starting_price=Money(starting_price(version, doc["code"]), version.currency),
        )
        for doc in (version.document or {}).get("products", [])
    ]
    return version, cards


def current_version() -> CatalogueVersion:
    """The published version for a click. Its `document` (the whole catalogue) is left
    unloaded: a click needs only the compiled product, and parsing every product's JSON
    on every click would grow with the catalogue. Raises ProductNotFound if none."""
    version = (
        CatalogueVersion.objects.filter(status=CatalogueVersion.Status.PUBLISHED)
        .defer("document")
        .order_by("-number")
        .first()
    )
    if version is None:
        raise ProductNotFound("no catalogue")
    return version


_documents: dict[tuple[int, str], dict] = {}


def _product_document(version: CatalogueVersion, code: str) -> dict:
    """Product `code`'s part of the version's document, read once per process."""
    key = (version.pk, code)
    if key not in _documents:
        _documents[key] = product_document(version, code) or {}
    return _documents[key]


def product_for_form(code: str) -> tuple[CatalogueVersion, engine.Product]:
    """The published version and the engine's view of product `code` (to build its form)."""
    version = current_version()
    return version, _compiled(version, code).product


def estimated_ship_date(
    *, version: CatalogueVersion, code: str, selections: Selections
) -> date | None:
    """Production's unlocked ship-date estimate (DESIGN.md, "two promise calls"); the
    order's real promise is made when it is scheduled."""
    return estimate_ship_date(product_code=code, selections=selections, version=version)


def _standard_offer(code: str, selections: Selections, currency: str) -> StandardOffer | None:
    standard = standard_match(code, selections)
    return (
        None if standard is None else StandardOffer(standard.sku, Money(standard.price, currency))
    )


def _feasible(compiled: engine.CompiledProduct, kept: Selections) -> bool:
    return engine.count(compiled, kept) > 0


def _resolution(
    compiled: engine.CompiledProduct,
    result: engine.Configuration,
    recency: list[str],
    newest: list[str],
) -> Selections | None:
    """The change proposed for a conflict. The engine's resolution keeps the most picks;
    the shop must keep what the customer just chose, so when the engine's answer drops
    that, keep picks greedily from the newest instead."""
    proposal = result.resolution
    if proposal is not None and all(lit in literals(proposal) for lit in newest):
        return proposal
    kept: Selections = {}
    for lit in reversed(recency):
        group, _, option = lit.partition(".")
        trial = {**kept, group: [*kept.get(group, []), option]}
        if _feasible(compiled, trial):
            kept = trial
    return engine.cheapest_completion(compiled, kept) or proposal


def _label(names: dict[str, tuple[str, dict[str, str]]], lit: str) -> str:
    group, _, option = lit.partition(".")
    group_name, options = names.get(group, (group, {}))
    return f"{group_name}: {options.get(option, option)}"


def _bill_line(line: engine.PriceLine, names, currency: str) -> BillLine:
    amount = Money(line.amount, currency)
    if line.kind == "option":
        group, _, option = line.code.partition(".")
        group_name, options = names.get(group, (group, {}))
        return BillLine(group_name, options.get(option, option), amount)
    if line.kind == "base":
        return BillLine("Base price", line.label, amount)
    return BillLine("Offer", line.label, amount)


def configure_page(
    *,
    version: CatalogueVersion,
    code: str,
    selections: Selections,
    order: list[str] | tuple[str, ...] = (),
    last_good: Selections | None = None,
    notices: tuple[str, ...] = (),
    keep_newest: bool = True,
) -> ConfigurePage:
    """The configure page's whole state for `selections` (codes already checked by the
    form): option states with reasons, itemized price, conflicts with a proposed change,
    and for a complete configuration the ship-date estimate and any in-stock twin.

    `order` lists the picks oldest first; picks not in it count as the newest (the click
    that produced this request); with `keep_newest`, a proposed change for a conflict
    keeps the newest pick (what the customer just chose)."""
    compiled = _compiled(version, code)
    product = compiled.product
    doc = _product_document(version, code)
    current = literals(selections)
    kept_order = [lit for lit in order if lit in current]
    newest = [lit for lit in current if lit not in kept_order]
    recency = kept_order + newest
    keep = (newest or recency[-1:]) if keep_newest else []
    result = engine.configure(compiled, selections, order=recency)
    currency = result.price.currency
    names = {g.code: (g.name, {o.code: o.name for o in g.options}) for g in product.groups}

    groups = []
    for group in result.groups:
        picked_price = sum((o.price for o in group.options if o.state == "selected"), Decimal(0))
        options = tuple(
            OptionView(
                code=o.code,
                name=o.name,
                state=o.state,
                price=Money(o.price, currency),
                delta=Money(o.price - picked_price if group.max == 1 else o.price, currency),
                why=tuple(
                    Why(r.rule, r.message, tuple(_label(names, s) for s in r.selections))
                    for r in o.reasons
                ),
                input_id=f"opt-{group.code}-{o.code}",
            )
            for o in group.options
        )
        groups.append(
            GroupView(group.code, group.name, group.min, group.max, options, f"g-{group.code}")
        )

    page = dict(
        version=version,
        code=code,
        name=product.name,
        description=doc.get("description", ""),
        kind=product_kind(doc),
        currency=currency,
        selections=selections,
        order=tuple(recency),
        complete=result.complete,
        valid=result.valid,
        groups=tuple(groups),
        bill=tuple(_bill_line(line, names, currency) for line in result.price.lines),
        total=Money(result.price.total, currency),
        chosen=tuple(_label(names, lit) for lit in keep),
        notices=notices,
    )
    if not result.valid:
        resolution = _resolution(compiled, result, recency, keep) or {}
        blamed = keep or [lit for c in result.conflicts for lit in c.selections] or current
        page["conflict_group"] = blamed[-1].partition(".")[0] if blamed else result.groups[0].code
        page["conflicts"] = tuple(
            ConflictView(
                tuple(r.message.rstrip(".") for r in c.rules),
                tuple(_label(names, s) for s in c.selections),
            )
            for c in result.conflicts
        )
        page["changes"] = tuple(
            Change(
                names[g.code][0],
                tuple(names[g.code][1][o] for o in g.selected),
                tuple(names[g.code][1][o] for o in resolution.get(g.code, [])),
            )
            for g in result.groups
            if resolution and sorted(resolution.get(g.code, [])) != sorted(g.selected)
        )
        page["last_good"] = last_good or {}
        page["resolution"] = resolution or None
    else:
        page["last_good"] = selections
        if result.complete:
            page["ship_date"] = estimated_ship_date(
                version=version, code=code, selections=selections
            )
            page["standard"] = _standard_offer(code, selections, currency)
    return ConfigurePage(**page)


def _input_id(lit: str) -> str:
    return "opt-" + lit.replace(".", "-")


def update_page(
    *,
    version: CatalogueVersion,
    code: str,
    selections: Selections,
    order: list[str],
    last_good: Selections,
    action: str = "update",
) -> ConfigurePage:
    """The page after one request: a plain update, applying the change proposed for a
    conflict ("resolve"), or going back to the last valid configuration ("undo")."""
    if action == "undo" and last_good:
        recent = [lit for lit in order if lit in literals(selections)]
        page = configure_page(
            version=version,
            code=code,
            selections=last_good,
            order=[lit for lit in order if lit in literals(last_good)],
        )
        return replace(page, focus=_input_id(recent[-1])) if recent else page
    page = configure_page(
        version=version, code=code, selections=selections, order=order, last_good=last_good
    )
    if action != "resolve" or page.valid or not page.resolution:
        return page
    kept = [lit for lit in page.order if lit in literals(page.resolution)]
    resolved = configure_page(version=version, code=code, selections=page.resolution, order=kept)
    # Focus returns to the option the customer picked (the newest pick the change kept).
    return replace(resolved, focus=_input_id(kept[-1])) if kept else resolved


def start_page(*, code: str, version: CatalogueVersion | None = None) -> ConfigurePage:
    """A fresh configure page: the product's default completion."""
    version = version or current_version()
    selections = default_selections(version, code)
    return configure_page(
        version=version, code=code, selections=selections, order=literals(selections)
    )


# --- Saved configurations -------------------------------------------------------------


def save_configuration(
    *, version: CatalogueVersion, code: str, selections: Selections, title: str = ""
) -> SavedConfiguration:
    """Keep a configuration behind a fresh share token."""
    price = engine.price(_compiled(version, code), selections).total
    return SavedConfiguration.objects.create(
        token=secrets.token_urlsafe(12),
        product_code=code,
        catalogue_version=version,
        selections={g: list(picks) for g, picks in selections.items() if picks},
        title=title,
        total=price,
    )


def saved_configuration(token: str) -> SavedConfiguration:
    saved = (
        SavedConfiguration.objects.select_related("catalogue_version").filter(token=token).first()
        if isinstance(token, str) and len(token) <= 32
        else None
    )
    if saved is None:
        raise SavedNotFound(token)
    return saved


def reopen_saved(*, token: str) -> tuple[SavedConfiguration, ConfigurePage]:
    """A saved configuration against today's catalogue: exactly as saved when the version
    is unchanged; otherwise picks the catalogue no longer offers are dropped and named,
    and any conflict the new rules raise is shown with its proposed change."""
    saved = saved_configuration(token)
    version = current_version()
    compiled = _compiled(version, saved.product_code)
    notices: list[str] = []
    selections: Selections = {}
    if saved.catalogue_version_id != version.pk:
        notices.append(
            f"Saved against catalogue version {saved.catalogue_version.number}; "
            f"prices and rules are now those of version {version.number}."
        )
    groups = {g.code: g for g in compiled.product.groups}
    for group_code, picks in (saved.selections or {}).items():
        group = groups.get(group_code)
        codes = {o.code for o in group.options} if group else set()
        for option in picks:
            if option in codes and len(selections.get(group_code, [])) < group.max:
                selections.setdefault(group_code, []).append(option)
            else:
                notices.append(f"“{group_code}.{option}” is no longer offered and was left out.")
    if saved.total is not None and saved.catalogue_version_id != version.pk:
        now = engine.price(compiled, selections).total
        if now != saved.total:
            was = Money(saved.total, version.currency)
            notices.append(
                f"The price was {was} when saved; it is now {Money(now, version.currency)}."
            )
    page = configure_page(
        version=version,
        code=saved.product_code,
        selections=selections,
        order=literals(selections),
        notices=tuple(notices),
        keep_newest=False,
    )
    return saved, page
