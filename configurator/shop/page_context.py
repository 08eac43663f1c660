"""What the configure page's template reads besides the request: the page, its regions
and its starting points. One place, for the shop's views and the account's reopened
configurations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from configurator.shop.pages import page_document
from configurator.shop.presentation import ConfigurePage
from configurator.shop.regions import render_regions
from configurator.shop.starting_points import starting_offers


def configure_context(*, page: ConfigurePage, problems: Sequence[str] = ()) -> dict[str, Any]:
    """The configure page's context for `page`, with `problems` shown above the groups."""
    return {
        "page": page,
        "problems": problems,
        "regions": render_regions(page=page, problems=problems),
        "starting_points": starting_offers(
            version=page.version, product=page_document(page.version, page.code)
        ),
    }
