"""The htmx update answers only the regions of the page that changed since what the page
says it shows (configurator/shop/regions.py); without that field, the whole fragment as
before; a garbled field only makes more regions swap."""

from __future__ import annotations

import re

import pytest

from atelier import caching
from configurator.services import import_catalogue
from configurator.shop.details import OptionDetails, option_details
from configurator.shop.regions import parse_shown
from tests.shop.catalogue import catalogue
from tests.shop.conftest import DEFAULTS, form_data

pytestmark = pytest.mark.django_db

NB14 = "/p/nb14/"
UPDATE = "/p/nb14/update/"
SHOWN = re.compile(r'name="shown" value="([^"]*)"')


def shown_of(html: str) -> str:
    return SHOWN.search(html).group(1)


def swapped(html: str) -> list[str]:
    # Regions are morphed into the page; the hidden state is replaced whole.
    return re.findall(r'id="([\w-]+)" [^>]*hx-swap-oob="(?:morph|true)"', html)


def test_a_click_answers_only_the_regions_it_changed(client, published):
    page = client.get(NB14).content.decode()
    shown = shown_of(page)
    assert {"slot-cpu", "slot-memory", "summary-totals", "phone-bar"} <= set(parse_shown(shown))

    # Memory 16 → 32 GB: the memory group's labels and the summary change; the processor
    # group (labels unchanged: no bundle price moves them) does not.
    picks = {**DEFAULTS, "memory": ["32gb"]}
    response = client.post(UPDATE, {**form_data(picks, order=DEFAULTS), "shown": shown})
    html = response.content.decode()
    assert response.status_code == 200
    regions = swapped(html)
    assert "config-state" in regions and "slot-memory" in regions
    assert "summary-totals" in regions and "phone-bar" in regions
    assert "summary-picture" not in regions and "problems" not in regions
    assert len(regions) < 1 + len(parse_shown(shown))
    assert 'id="configurator"' not in html  # not the whole form
    assert '<strong id="total">€769.00</strong>' in html
    assert 'hx-swap-oob="innerHTML">Total €769.00.' in html  # the live region still speaks

    # The same click again from the new state: nothing but the state and the announcement.
    again = client.post(
        UPDATE, {**form_data(picks, order=picks), "shown": shown_of(html)}
    ).content.decode()
    assert swapped(again) == ["config-state"]
    assert "Total €769.00." in again


def test_every_region_sent_matches_a_full_page_render(client, published):
    """What the regions add up to is what a full page shows for the same state."""
    shown = shown_of(client.get(NB14).content.decode())
    picks = {**DEFAULTS, "display": ["oled"]}  # a conflict: every group's labels change
    html = client.post(
        UPDATE, {**form_data(picks, order=DEFAULTS, last_good=DEFAULTS), "shown": shown}
    ).content.decode()
    full = client.post(NB14, form_data(picks, order=DEFAULTS, last_good=DEFAULTS)).content.decode()
    assert shown_of(html) == shown_of(full)
    assert "To choose Display: 2.8K OLED, we’d change:" in html
    assert "slot-display" in swapped(html) or "slot-battery" in swapped(html)


@pytest.mark.parametrize(
    "shown", ["", "garbage", "slot-cpu:zz slot-memory:" + "0" * 16, "<script>alert(1)</script>"]
)
def test_a_garbled_shown_field_swaps_every_region(client, published, shown):
    response = client.post(UPDATE, {**form_data(DEFAULTS), "shown": shown})
    html = response.content.decode()
    assert response.status_code == 200
    regions = swapped(html)
    assert {"problems", "slot-cpu", "slot-memory", "summary-totals"} <= set(regions)
    assert "<script>alert(1)</script>" not in html


def test_without_shown_the_whole_fragment_is_answered(client, published):
    html = client.post(UPDATE, form_data(DEFAULTS)).content.decode()
    assert '<div id="configurator"' in html
    # Outside the configurator only the header's picture and the spec sheet are swapped.
    assert swapped(html) == ["header-picture", "spec-sheet-slot"]


def test_form_errors_are_a_region_too(client, published):
    shown = shown_of(client.get(NB14).content.decode())
    response = client.post(UPDATE, {**form_data(DEFAULTS), "quantity": "500", "shown": shown})
    assert response.status_code == 422
    html = response.content.decode()
    assert "problems" in swapped(html)
    assert "We could not use part of what was sent." in html


def test_option_details_show_description_and_specs(client, published):
    """The catalogue's description on the page; specs (from a catalogue that has them) as
    a definition list. This branch's catalogue format has no `specs` yet, so the page is
    rendered with them set on the option's view."""
    from dataclasses import replace

    from configurator import shop
    from configurator.shop.regions import render_regions

    document = catalogue()
    document["products"][0]["groups"][0]["options"][1]["description"] = "16 cores, 5.1 GHz."
    import_catalogue(document=document, publish=True)
    caching.clear_all()
    html = client.get(NB14).content.decode()
    start = html.index('id="opt-cpu-u7-details"')
    chunk = html[start : start + 700]
    assert '<summary>Details<span class="visually-hidden"> of Core Ultra 7</span>' in chunk
    assert "<p>16 cores, 5.1 GHz.</p>" in chunk
    # An option without description or specs has no empty disclosure.
    assert 'id="opt-cpu-u5-details"' not in html

    page = shop.start_page(code="nb14")
    cpu = page.groups[0]
    u7 = replace(cpu.options[1], specs=(("Cores", "16"), ("Boost", "5.1 GHz")))
    page = replace(page, groups=(replace(cpu, options=(cpu.options[0], u7)), *page.groups[1:]))
    group = render_regions(page=page).groups[0].html()
    assert "<dt>Cores</dt><dd>16</dd>" in group and "<dt>Boost</dt><dd>5.1 GHz</dd>" in group


def test_specs_are_read_defensively():
    doc = {
        "groups": [
            {
                "code": "cpu",
                "options": [
                    {"code": "a", "description": "Fast.", "specs": {"Cores": "14", "GHz": 4.9}},
                    {"code": "b", "specs": {"Bad": {"nested": 1}, "Flag": True, "Empty": ""}},
                    {"code": "c", "specs": ["not", "an", "object"]},
                    {"code": "d"},
                    "not an option",
                ],
            }
        ]
    }
    details = option_details(product_doc=doc)
    assert details == {
        ("cpu", "a"): OptionDetails(description="Fast.", specs=(("Cores", "14"), ("GHz", "4.9")))
    }
    assert option_details(product_doc={}) == {}


def test_group_header_shows_the_current_pick(client, published):
    html = client.get(NB14).content.decode()
    start = html.index('id="grp-memory"')
    assert (
        '<span class="group-pick"><span class="visually-hidden">, chosen: </span>16 GB'
        in (html[start : start + 400])
    )


def test_share_page_offers_copy_and_mail(client, published):
    from urllib.parse import parse_qs, urlsplit

    response = client.post(NB14, form_data(DEFAULTS, action="save", title="Work & travel"))
    html = client.get(response["Location"]).content.decode()
    assert 'data-copy="#share-url"' in html and 'id="share-url" type="text" readonly' in html
    href = re.search(r'id="share-mail" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and "+" not in parts.query
    query = parse_qs(parts.query)
    assert query["subject"] == ["My Notebook 14 configuration: Work & travel"]
    assert query["body"][0].endswith("http://testserver" + response["Location"])
