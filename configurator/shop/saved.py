"""Saved configurations behind share links: keep one, and reopen it against today's
catalogue."""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlencode

from configurator import engine
from configurator.models import CatalogueVersion, SavedConfiguration
from configurator.shop.pages import configure_page, current_version, page_compiled
from configurator.shop.presentation import ConfigurePage, Money, Selections, literals


class SavedNotFound(Exception):
    """No saved configuration behind that token."""


def save_configuration(
    *, version: CatalogueVersion, code: str, selections: Selections, title: str = ""
) -> SavedConfiguration:
    """Keep a configuration behind a fresh share token."""
    price = engine.price(page_compiled(version, code), selections).total
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
    compiled = page_compiled(version, saved.product_code)
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
            if (
                group is not None
                and option in codes
                and len(selections.get(group_code, [])) < group.max
            ):
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


def share_mail_link(*, name: str, title: str, url: str) -> str:
    """A mailto: link with a subject naming the configuration and the share link in the
    body (RFC 6068: percent-encoded, spaces as %20, no recipient so the customer picks)."""
    subject = f"My {name} configuration" + (f": {title}" if title else "")
    body = f"Here is the {name} I configured on Atelier:\n{url}"
    return "mailto:?" + urlencode({"subject": subject, "body": body}, quote_via=quote)
