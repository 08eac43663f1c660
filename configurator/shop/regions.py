"""The configure page cut into regions that an update can swap one by one.

A click used to answer the whole form (every group, every option, the summary) and the
browser re-parsed, swapped and laid out all of it: ~50 of the ~63 ms from click to
updated page went there, not to the server. Now each region (a group with the conflict
panel that may follow it, the problems, the phone's sticky bar, the summary's picture
and its totals) is rendered once and fingerprinted; the page keeps the fingerprints of
what it shows in a hidden field (`shown`), posted with every update, and the update
answers only the regions whose fingerprint differs, as htmx out-of-band swaps. Usually
that is the summary and the two or three groups whose labels the click moved. Each
region is morphed into the page (idiomorph's htmx extension, an npm package: package.json)
rather than replaced: of a region's hundreds of nodes only those that differ change.

The fingerprints are a digest of the region's HTML, so whatever changes what a region
shows (a label, a state, a reason, the focus after a resolution) changes its digest;
nothing has to list what a region depends on. A `shown` field that is missing (a page
from before regions) answers the whole configurator, and one that is garbled or stale
only makes more regions swap: never wrong, at worst slower.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from atelier.caching import BoundedCache
from configurator.shop.presentation import ConfigurePage, GroupView

MAX_SHOWN_CHARS = 8000  # ~20 regions of ~40 characters each, with room to spare
_TOKEN = re.compile(r"^([\w.-]{1,120}):([0-9a-f]{16})$")


@dataclass(frozen=True)
class Region:
    """One swappable part of the configure page: its root element's tag, id and other
    attributes, and its inner HTML."""

    id: str
    tag: str
    attrs: str
    inner: str

    @cached_property
    def digest(self) -> str:
        text = f"{self.tag} {self.attrs}\n{self.inner}"
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def html(self, *, oob: bool = False) -> SafeString:
        # Morphed, not replaced (idiomorph's htmx extension, declared on the region itself:
        # on an ancestor it would also claim the announcement's innerHTML swap, which the
        # extension takes for its own): only the nodes that differ change, so the browser
        # restyles and lays out those alone, the control in use stays the same node and
        # keeps its focus (no forced layout to restore it), and htmx fires no clean-up
        # events for a region's hundreds of old nodes. Without the extension loaded htmx
        # swaps the region's content instead.
        swap = ' hx-swap-oob="morph"' if oob else ""
        return mark_safe(  # noqa: S308 -- the template's output, already escaped
            f'<{self.tag} id="{self.id}" {self.attrs} hx-ext="morph"{swap}>{self.inner}</{self.tag}>'
        )

    @property
    def oob_html(self) -> SafeString:
        return self.html(oob=True)

    def __str__(self) -> str:
        return self.html()

    def __html__(self) -> str:
        return self.html()


@dataclass(frozen=True)
class Regions:
    problems: Region
    groups: tuple[Region, ...]
    phone_bar: Region
    picture: Region
    totals: Region
    header_picture: Region  # outside the form: under the product's name
    spec_sheet: Region  # outside the form: below it

    @property
    def all(self) -> tuple[Region, ...]:
        return (
            self.problems,
            *self.groups,
            self.phone_bar,
            self.picture,
            self.totals,
            self.header_picture,
            self.spec_sheet,
        )

    @property
    def shown(self) -> str:
        """The hidden field's value: every region's id and digest."""
        return " ".join(f"{r.id}:{r.digest}" for r in self.all)

    def changed(self, *, shown: Mapping[str, str]) -> tuple[Region, ...]:
        """The regions whose digest differs from what the page says it shows."""
        return tuple(r for r in self.all if shown.get(r.id) != r.digest)


def parse_shown(text: str) -> dict[str, str]:
    """The page's `shown` field as region id → digest. The field round-trips through the
    browser: anything that is not an id and a digest is dropped (its region is sent)."""
    out: dict[str, str] = {}
    for token in (text or "")[:MAX_SHOWN_CHARS].split():
        match = _TOKEN.match(token)
        if match:
            out[match.group(1)] = match.group(2)
    return out


def _render(name: str, context: dict[str, Any]) -> str:
    # No request: none of the regions needs a context processor (the CSRF token lives in
    # the page's form and in base.html's hx-headers), and skipping them keeps a click cheap.
    return get_template(name).render(context)


# Owner: _group_region. Key: (version pk, product code, the group's view, whether the page
# is valid, the input to focus if it is in this group): everything shop/_group.html reads
# for a group without the conflict panel (that one is rendered each time). Rendering the
# template is half a click's server time and most clicks leave most groups as they were.
# Bound 2048 regions (a few kB each).
_group_regions = BoundedCache[tuple, Region](name="shop.group_regions", maxsize=2048)


def _group_region(page: ConfigurePage, group: GroupView, context: dict[str, Any]) -> Region:
    def render() -> Region:
        inner = _render("shop/_group.html", {**context, "group": group})
        return Region(f"slot-{group.code}", "div", 'class="group-slot"', inner)

    if page.conflicts and group.code == page.conflict_group:
        return render()
    focus = page.focus if any(o.input_id == page.focus for o in group.options) else ""
    key = (page.version.pk, page.code, group, page.valid, focus)
    return _group_regions.get_or_set(key, render)


def render_regions(
    *, page: ConfigurePage, problems: Iterable[str] = (), form_data: Mapping | None = None
) -> Regions:
    """Every region of `page`, rendered."""
    context: dict[str, Any] = {
        "page": page,
        "problems": list(problems),
        "form_data": form_data or {},
    }

    def slot(region_id: str, css_class: str, template: str) -> Region:
        return Region(region_id, "div", f'class="{css_class}"', _render(template, context))

    return Regions(
        problems=slot("problems", "problems-slot", "shop/_problems.html"),
        groups=tuple(_group_region(page, group, context) for group in page.groups),
        phone_bar=slot("phone-bar", "phone-bar", "shop/_phone_bar.html"),
        picture=slot("summary-picture", "summary-picture", "shop/_summary_picture.html"),
        totals=slot("summary-totals", "summary-totals", "shop/_totals.html"),
        header_picture=slot("header-picture", "product-art", "shop/_header_picture.html"),
        spec_sheet=slot("spec-sheet-slot", "spec-sheet-slot", "shop/_spec_sheet.html"),
    )
