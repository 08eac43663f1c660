"""Saved configurations: behind share links, and named in a customer's account. Reopening
one (or an ordered line, for a reorder) shows it against today's catalogue with every
change explained before anything reaches the cart."""

from __future__ import annotations

import secrets
from decimal import Decimal
from urllib.parse import quote, urlencode

from configurator import engine
from configurator.models import CatalogueVersion, SavedConfiguration
from configurator.shop.pages import configure_page, current_version, page_compiled
from configurator.shop.presentation import ConfigurePage, Money, Selections, literals


class SavedNotFound(Exception):
    """No saved configuration behind that token (or not one of this account's)."""


def save_configuration(
    *,
    version: CatalogueVersion,
    code: str,
    selections: Selections,
    title: str = "",
    owner=None,
) -> SavedConfiguration:
    """Keep a configuration behind a fresh share token; with an `owner`, also listed in
    that account under its name (the product's name and the date when none is given)."""
    compiled = page_compiled(version, code)
    price = engine.price(compiled, selections).total
    saved = SavedConfiguration(
        token=secrets.token_urlsafe(12),
        product_code=code,
        catalogue_version=version,
        selections={g: list(picks) for g, picks in selections.items() if picks},
        title=title,
        total=price,
        owner=owner,
    )
    if owner is not None and not title:
        saved.title = compiled.product.name
    saved.save()
    return saved


def saved_configuration(token: str) -> SavedConfiguration:
    saved = (
        SavedConfiguration.objects.select_related("catalogue_version").filter(token=token).first()
        if isinstance(token, str) and len(token) <= 32
        else None
    )
    if saved is None:
        raise SavedNotFound(token)
    return saved


def saved_exists(token: str) -> bool:
    try:
        saved_configuration(token)
    except SavedNotFound:
        return False
    return True


def reopen_saved(*, token: str) -> tuple[SavedConfiguration, ConfigurePage]:
    """The configuration behind a share link against today's catalogue (`reopen`)."""
    saved = saved_configuration(token)
    return saved, reopen_configuration(saved=saved)


def reopen_configuration(*, saved: SavedConfiguration) -> ConfigurePage:
    return reopen(
        product_code=saved.product_code,
        selections=saved.selections or {},
        made_against=saved.catalogue_version,
        was_total=saved.total,
        made="Saved",
    )


def reopen(
    *,
    product_code: str,
    selections: Selections,
    made_against: CatalogueVersion,
    was_total: Decimal | None,
    made: str,
    quantity: int = 1,
) -> ConfigurePage:
    """A configuration made (`made`: "Saved", "Ordered") against `made_against`, on
    today's catalogue: exactly as it was when the version is unchanged; otherwise picks
    the catalogue no longer offers are dropped and named, a changed price is named with
    both amounts, and any conflict the new rules raise is shown with its proposed change.
    Raises ProductNotFound when the product is no longer sold."""
    version = current_version()
    compiled = page_compiled(version, product_code)
    notices: list[str] = []
    kept: Selections = {}
    if made_against.pk != version.pk:
        notices.append(
            f"{made} against catalogue version {made_against.number}; "
            f"prices and rules are now those of version {version.number}."
        )
    groups = {g.code: g for g in compiled.product.groups}
    for group_code, picks in selections.items():
        group = groups.get(group_code)
        codes = {o.code for o in group.options} if group else set()
        for option in picks:
            if group is not None and option in codes and len(kept.get(group_code, [])) < group.max:
                kept.setdefault(group_code, []).append(option)
            else:
                notices.append(f"“{group_code}.{option}” is no longer offered and was left out.")
    if was_total is not None and made_against.pk != version.pk:
        now = engine.price(compiled, kept).total
        if now != was_total:
            was = Money(was_total, version.currency)
            notices.append(
                f"The price was {was} when {made.lower()}; it is now {Money(now, version.currency)}."
            )
    return configure_page(
        version=version,
        code=product_code,
        selections=kept,
        order=literals(kept),
        notices=tuple(notices),
        keep_newest=False,
        quantity=quantity,
    )


def share_mail_link(*, name: str, title: str, url: str) -> str:
    """A mailto: link with a subject naming the configuration and the share link in the
    body (RFC 6068: percent-encoded, spaces as %20, no recipient so the customer picks)."""
    subject = f"My {name} configuration" + (f": {title}" if title else "")
    body = f"Here is the {name} I configured on Atelier:\n{url}"
    return "mailto:?" + urlencode({"subject": subject, "body": body}, quote_via=quote)
