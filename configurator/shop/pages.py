"""The configure page's reads around the engine: product cards, the page's state after
each click (an update, an applied resolution, an undo), and a fresh page.

Every price shown here is the engine's (`engine.configure` / `engine.price`): the page,
the cart, the order and the API price a configuration with the same function.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from atelier.caching import BoundedCache
from atelier.errors import ProductNotFound
from configurator import engine
from configurator.models import CatalogueVersion
from configurator.rule_text import Words
from configurator.selectors import (
    NoPublishedCatalogue,
    catalogue_max_age,
    compiled_product,
    published_version,
    shown_product_document,
    version_by_number,
)
from configurator.shop.changes import (
    bill_line,
    changes_to,
    option_view,
    preview,
    proposed_change,
    selections_of,
)
from configurator.shop.details import NO_DETAILS, OptionDetails, option_details
from configurator.shop.pictures import option_pictures, picture_for
from configurator.shop.presentation import (
    ConfigurePage,
    ConflictView,
    GroupView,
    Money,
    Picture,
    ProductCard,
    Selections,
    StandardOffer,
    literals,
)
from configurator.shop.specs import spec_sheet
from production import promise
from production.selectors import standard_match

KINDS = ("notebook", "creator", "tower")


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


# Owner: starting_price. Key (version pk, product code); bound 256 (as the compiled
# products': one price per product of the few versions a process meets).
_start_prices = BoundedCache[tuple[int, str], Decimal](name="shop.starting_prices", maxsize=256)


def page_compiled(version: CatalogueVersion, code: str) -> engine.CompiledProduct:
    compiled = compiled_product(version, code) if isinstance(code, str) else None
    if compiled is None:
        raise ProductNotFound(code)
    return compiled


def default_selections(version: CatalogueVersion, code: str) -> Selections:
    return engine.default_completion(page_compiled(version, code)) or {}


def starting_price(version: CatalogueVersion, code: str) -> Decimal:
    """The "From" price: the price of the cheapest complete configuration, price rules
    included (the engine's cheapest completion; published versions never change: cached)."""

    def cheapest_price() -> Decimal:
        compiled = page_compiled(version, code)
        cheapest = engine.cheapest_completion(compiled) or {}
        return engine.price(compiled, cheapest).total

    return _start_prices.get_or_set((version.pk, code), cheapest_price)


def product_cards() -> tuple[CatalogueVersion, list[ProductCard]]:
    """The published catalogue's products for the shop window. Raises NoPublishedCatalogue."""
    version = published_version(max_age=catalogue_max_age())
    cards = [
        ProductCard(
            code=doc["code"],
            name=doc["name"],
            description=doc.get("description", ""),
            kind=product_kind(doc),
            starting_price=Money(starting_price(version, doc["code"]), version.currency),
            picture=picture_for(
                version=version, doc=doc, selections=default_selections(version, doc["code"])
            ),
        )
        for doc in (version.document or {}).get("products", [])
    ]
    return version, cards


def current_version() -> CatalogueVersion:
    """The published version for a click. Its `document` (the whole catalogue) is left
    unloaded: a click needs only the compiled product, and parsing every product's JSON
    on every click would grow with the catalogue. Raises ProductNotFound if none."""
    try:
        return published_version(with_document=False, max_age=catalogue_max_age())
    except NoPublishedCatalogue as exc:
        raise ProductNotFound("no catalogue") from exc


# Owner: _product_document. Key (version pk, product code); bound 256 product documents
# (tens of kB each), as the compiled products'.
_documents = BoundedCache[tuple[int, str], dict](name="shop.product_documents", maxsize=256)


def _product_document(version: CatalogueVersion, code: str) -> dict:
    """Product `code`'s part of the version's document, read once per process."""
    return _documents.get_or_set(
        (version.pk, code), lambda: shown_product_document(version, code) or {}
    )


def page_document(version: CatalogueVersion, code: str) -> dict:
    """Product `code`'s document in `version` (specs, starting points), read once per process."""
    return _product_document(version, code)


# Owner: _details. Key (version pk, product code); bound 256, as the product documents'.
_option_details = BoundedCache[tuple[int, str], dict[tuple[str, str], OptionDetails]](
    name="shop.option_details", maxsize=256
)


def _details(version: CatalogueVersion, code: str) -> dict[tuple[str, str], OptionDetails]:
    """Every option's description, specs and picture of product `code`, read once per process."""
    return _option_details.get_or_set(
        (version.pk, code), lambda: _details_of(version, _product_document(version, code))
    )


def _details_of(version: CatalogueVersion, doc: dict) -> dict[tuple[str, str], OptionDetails]:
    return option_details(product_doc=doc, pictures=option_pictures(version=version, doc=doc))


def product_for_form(code: str) -> tuple[CatalogueVersion, engine.Product]:
    """The published version and the engine's view of product `code` (to build its form)."""
    version = current_version()
    return version, page_compiled(version, code).product


def _standard_offer(
    code: str, selections: Selections, currency: str, quantity: int
) -> StandardOffer | None:
    standard = standard_match(code, selections, quantity=quantity)
    return (
        None if standard is None else StandardOffer(standard.sku, Money(standard.price, currency))
    )


def configure_page(
    *,
    version: CatalogueVersion,
    code: str,
    selections: Selections,
    order: list[str] | tuple[str, ...] = (),
    last_good: Selections | None = None,
    notices: tuple[str, ...] = (),
    keep_newest: bool = True,
    quantity: int = 1,
) -> ConfigurePage:
    """The configure page's whole state for `selections` (codes already checked by the
    form): option states with reasons, itemized price, conflicts with a proposed change,
    and for a complete configuration the ship-date estimate for `quantity` units and any
    in-stock twin with that many in stock.

    `order` lists the picks oldest first; picks not in it count as the newest (the click
    that produced this request); with `keep_newest`, a proposed change for a conflict
    keeps the newest pick (what the customer just chose)."""
    compiled = page_compiled(version, code)
    product = compiled.product
    doc = _product_document(version, code)
    current = literals(selections)
    kept_order = [lit for lit in order if lit in current]
    newest = [lit for lit in current if lit not in kept_order]
    recency = kept_order + newest
    keep = (newest or recency[-1:]) if keep_newest else []
    if any(len(selections.get(g.code, ())) > g.max for g in product.groups):
        return _overfull_page(
            version=version,
            code=code,
            selections=selections,
            recency=recency,
            keep=keep,
            last_good=last_good,
            notices=notices,
            quantity=quantity,
        )
    result = engine.configure(compiled, selections, order=recency, explain_resolutions=True)
    currency = result.price.currency
    words = Words(result.groups)
    details = _details(version, code)

    groups = tuple(
        GroupView(
            group.code,
            group.name,
            group.min,
            group.max,
            tuple(
                option_view(
                    o,
                    group,
                    result.groups,
                    words,
                    currency,
                    details.get((group.code, o.code), NO_DETAILS),
                )
                for o in group.options
            ),
            f"g-{group.code}",
        )
        for group in result.groups
    )
    page = dict(
        version=version,
        code=code,
        name=product.name,
        description=doc.get("description", ""),
        kind=product_kind(doc),
        picture=picture_for(version=version, doc=doc, selections=selections),
        currency=currency,
        selections=selections,
        order=tuple(recency),
        complete=result.complete,
        valid=result.valid,
        groups=groups,
        bill=tuple(bill_line(line, words, currency) for line in result.price.lines),
        total=Money(result.price.total, currency),
        chosen=tuple(words.pick(lit) for lit in keep),
        notices=notices,
        quantity=quantity,
        spec_sheet=spec_sheet(product=doc, selections=selections),
    )
    if not result.valid:
        resolution = proposed_change(compiled, result, recency, keep) or {}
        blamed = keep or [lit for c in result.conflicts for lit in c.selections] or current
        page["conflict_group"] = blamed[-1].partition(".")[0] if blamed else result.groups[0].code
        page["conflicts"] = tuple(
            ConflictView(words.reasons(c.rules), tuple(words.pick(s) for s in c.selections))
            for c in result.conflicts
        )
        page["changes"] = changes_to(words, result.groups, resolution) if resolution else ()
        page["last_good"] = last_good or {}
        page["resolution"] = resolution or None
        if resolution:
            page.update(
                preview(version, code, compiled, resolution, last_good, words, quantity=quantity)
            )
    else:
        page["last_good"] = selections
        if result.complete:
            # Production's unlocked estimate (DESIGN.md, "two promise calls"): the promise
            # an order of `quantity` placed now would get, by the scheduler's own function.
            page["ship_date"] = promise.estimate_configuration(
                version=version, product_code=code, selections=selections, quantity=quantity
            )
            page["standard"] = _standard_offer(code, selections, currency, quantity)
    return ConfigurePage(**page)


def _overfull_page(
    *,
    version: CatalogueVersion,
    code: str,
    selections: Selections,
    recency: list[str],
    keep: list[str],
    last_good: Selections | None,
    notices: tuple[str, ...],
    quantity: int,
) -> ConfigurePage:
    """A click past a multi-choice group's maximum (its option was labelled with the change
    that makes room): a conflict like any other, with the same proposed resolution (keep the
    click, change the fewest other picks, cheapest), its total and ship date. The engine
    answers only selections within each group's maximum, so the page is built from the
    picks before the click and shows the click as chosen."""
    compiled = page_compiled(version, code)
    product = compiled.product
    words = Words(product.groups)
    maxs = {g.code: g.max for g in product.groups}
    within: Selections = {}
    for lit in recency:  # oldest first: what was there before the click
        group, _, option = lit.partition(".")
        if len(within.get(group, [])) < maxs[group]:
            within.setdefault(group, []).append(option)
    base = configure_page(
        version=version,
        code=code,
        selections=within,
        order=[lit for lit in recency if lit in literals(within)],
        notices=notices,
        keep_newest=False,
        quantity=quantity,
    )
    try:
        resolution = engine.proposed_resolution(
            compiled,
            keep=selections_of(keep),
            wanted=selections_of([lit for lit in recency if lit not in keep]),
        )
    except engine.EngineError:  # the new picks alone are too many for their group
        resolution = None
    full = [g for g in product.groups if len(selections.get(g.code, ())) > g.max]
    chosen = set(literals(selections))
    groups = tuple(
        replace(
            view,
            options=tuple(
                replace(o, state="selected") if f"{view.code}.{o.code}" in chosen else o
                for o in view.options
            ),
        )
        for view in base.groups
    )
    page = replace(
        base,
        selections=selections,
        order=tuple(recency),
        valid=False,
        groups=groups,
        chosen=tuple(words.pick(lit) for lit in keep),
        conflict_group=full[0].code,
        conflicts=tuple(
            ConflictView(
                (words.reason(f"max:{g.code}", "", [f"{g.code}.{o}" for o in selections[g.code]]),),
                tuple(words.pick(f"{g.code}.{o}") for o in selections[g.code]),
            )
            for g in full
        ),
        changes=(),
        resolution=None,
        last_good=last_good or within,
        ship_date=None,
        standard=None,
    )
    if not resolution:
        return page
    before = engine.configure(compiled, within).groups
    return replace(
        page,
        changes=changes_to(words, before, resolution),
        resolution=resolution,
        **preview(
            version, code, compiled, resolution, last_good or within, words, quantity=quantity
        ),
    )


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
    quantity: int = 1,
) -> ConfigurePage:
    """The page after one request: a plain update, applying the change proposed for a
    conflict ("resolve"), or going back to the last valid configuration ("undo"); the
    ship date and line total for `quantity` units."""
    if action == "undo" and last_good:
        recent = [lit for lit in order if lit in literals(selections)]
        page = configure_page(
            version=version,
            code=code,
            selections=last_good,
            order=[lit for lit in order if lit in literals(last_good)],
            quantity=quantity,
        )
        return replace(page, focus=_input_id(recent[-1])) if recent else page
    page = configure_page(
        version=version,
        code=code,
        selections=selections,
        order=order,
        last_good=last_good,
        quantity=quantity,
    )
    if action != "resolve" or page.valid or not page.resolution:
        return page
    kept = [lit for lit in page.order if lit in literals(page.resolution)]
    resolved = configure_page(
        version=version, code=code, selections=page.resolution, order=kept, quantity=quantity
    )
    # Focus returns to the option the customer picked (the newest pick the change kept).
    return replace(resolved, focus=_input_id(kept[-1])) if kept else resolved


def start_page(*, code: str, version: CatalogueVersion | None = None) -> ConfigurePage:
    """A fresh configure page: the product's default completion."""
    version = version or current_version()
    selections = default_selections(version, code)
    return configure_page(
        version=version, code=code, selections=selections, order=literals(selections)
    )


def option_picture(*, code: str, group: str, option: str, version: int | None) -> Picture:
    """Option `group.option`'s own picture in catalogue version number `version` (the
    page's, so an older page still finds its options; the published one if None).
    ProductNotFound when there is no such version, product, option or picture."""
    published = current_version()
    shown = (
        published if version is None or version == published.number else version_by_number(version)
    )
    if shown is None:
        raise ProductNotFound(f"no published catalogue version {version}")
    picture = _details(shown, code).get((group, option), NO_DETAILS).picture
    if picture is None:
        raise ProductNotFound(f"no picture of {group}.{option} in {code}")
    return picture
