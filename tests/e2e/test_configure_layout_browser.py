"""The configure page's layout in a real browser, on the demo catalogue (a page of twelve
groups, long enough to scroll): option details on demand, the summary that stays in view
on a desktop, the phone's sticky bar, collapsible groups that show their pick, the busy
state while an update is in flight, and sharing a saved configuration by copy or e-mail.
Also the README's screenshot (written where ATELIER_SCREENSHOT says)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

NB14 = "/p/nb14/"


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        selector,
    )


def test_option_details_open_in_place_and_stay_open_across_updates(page: Page, demo_shop):
    page.goto(demo_shop + NB14)
    page.evaluate("window.__sameDocument = true")
    description = page.locator("#opt-cpu-u7-details .option-details-body")
    expect(description).to_be_hidden()

    # Keyboard: the disclosure is a native control, Enter opens it.
    page.locator("#opt-cpu-u7-details summary").focus()
    page.keyboard.press("Enter")
    expect(description).to_be_visible()
    expect(description).to_contain_text("16 cores, up to 5.1 GHz.")
    expect(page.locator("#opt-cpu-u7-details summary")).to_have_accessible_name(
        "Details of Intel Core Ultra 7 255H"
    )
    # Opening it picked nothing and loaded nothing.
    expect(page.locator("#opt-cpu-u5")).to_be_checked()
    assert page.evaluate("window.__sameDocument") is True

    # Picking the option swaps its group; the details the customer opened stay open.
    page.locator("#opt-cpu-u7").check()
    expect(page.locator("#total")).to_have_text(re.compile(r"€"))
    expect(page.locator("#grp-cpu .group-pick")).to_contain_text("Intel Core Ultra 7 255H")
    expect(description).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True


def test_an_update_morphs_the_page_keeping_the_control_in_use(page: Page, demo_shop):
    """The regions an update answers are morphed into the page (idiomorph): the nodes stay,
    only what differs changes, so the radio the keyboard just moved to keeps its focus
    without htmx having to find and refocus a new one."""
    page.goto(demo_shop + NB14)
    page.wait_for_function("window.htmx && window.Idiomorph")
    page.evaluate(
        """() => {
            for (const input of document.querySelectorAll('#grp-memory input')) input.__node = input.id;
            document.getElementById('total').__node = 'total';
            window.__removed = 0;
            new MutationObserver((records) => {
                for (const r of records) window.__removed += [...r.removedNodes]
                    .filter((n) => n.nodeType === 1 && n.matches('input.choice-input')).length;
            }).observe(document.getElementById('configurator'), {childList: true, subtree: true});
        }"""
    )
    before = page.locator("#total").inner_text()
    page.locator("#opt-memory-16gb").focus()
    page.keyboard.press("ArrowDown")  # the next memory option, picked and focused
    expect(page.locator("#announce")).to_contain_text("Total")
    focused = page.evaluate(
        "({id: document.activeElement.id, node: document.activeElement.__node})"
    )
    assert focused["id"].startswith("opt-memory-") and focused["id"] != "opt-memory-16gb"
    assert focused["node"] == focused["id"]  # the same element, focus never left it
    expect(page.locator(f"#{focused['id']}")).to_be_checked()
    expect(page.locator(f"label[for={focused['id']}] .choice-price")).to_have_text("Included")
    expect(page.locator("#total")).not_to_have_text(before)
    assert page.evaluate("document.getElementById('total').__node") == "total"
    assert page.evaluate("window.__removed") == 0  # no option was replaced, only updated

    # The keyboard goes on from there: the next change is answered the same way.
    page.keyboard.press("ArrowUp")
    expect(page.locator("#opt-memory-16gb")).to_be_checked()
    expect(page.locator("#total")).to_have_text(before)
    assert page.evaluate("document.activeElement.__node") == "opt-memory-16gb"


def test_an_update_without_idiomorph_swaps_each_region_in_place(page: Page, demo_shop):
    """idiomorph comes from npm (package.json); where it was not installed the script is
    missing and htmx swaps each region's content instead of morphing it: the page still
    updates, every region once (no region nested inside itself)."""
    page.route("**/idiomorph-ext.min.js", lambda route: route.fulfill(status=404))
    page.goto(demo_shop + NB14)
    page.wait_for_function("window.htmx")
    assert page.evaluate("typeof window.Idiomorph") == "undefined"
    before = page.locator("#total").inner_text()
    page.locator("#opt-memory-32gb").check()
    expect(page.locator("#total")).not_to_have_text(before)
    expect(page.locator("#grp-memory .group-pick")).to_contain_text("32")
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map((e) => e.id)")
    assert len(ids) == len(set(ids)), "a region was swapped into itself"
    expect(page.locator("#opt-memory-32gb")).to_be_checked()


def test_option_details_work_without_javascript(browser, demo_shop):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(demo_shop + NB14)
    page.locator("#opt-os-ubuntu-details summary").click()
    expect(page.locator("#opt-os-ubuntu-details .option-details-body")).to_be_visible()
    expect(page.locator("#opt-os-ubuntu-details")).to_contain_text("Ubuntu")
    context.close()


def test_summary_stays_in_view_on_a_desktop(page: Page, demo_shop):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(demo_shop + NB14)
    total_before = page.locator("#total").inner_text()
    # Down to the last groups (not past the form: below it the column ends, and so does
    # the sticking).
    page.locator("#grp-warranty").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 800  # the page did scroll far
    for part in ("#total", "#ship-date", ".summary .buy .button-primary", ".summary-picture"):
        assert in_viewport(page, part), part
    expect(page.locator(".phone-bar")).to_be_hidden()

    # A click far down the page updates the summary the customer still sees.
    page.locator("#opt-warranty-2y").check()
    expect(page.locator("#total")).not_to_have_text(total_before)
    assert in_viewport(page, "#total")


def test_phone_shows_a_sticky_bar_with_total_and_ship_date(page: Page, demo_shop):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo_shop + NB14)
    bar = page.locator("#phone-bar")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 3)")
    expect(bar).to_be_visible()
    assert in_viewport(page, "#phone-bar")
    assert not in_viewport(page, "#total")  # the summary itself is further down
    total = page.locator("#total").inner_text()
    expect(page.locator("#bar-total")).to_have_text(total)
    expect(page.locator("#bar-ship")).to_have_text(re.compile(r"^Ships \w{3} \d{1,2} \w{3}$"))
    box = bar.bounding_box()
    assert box is not None and abs(box["y"] + box["height"] - 844) < 2  # at the bottom edge

    # It follows each click.
    page.locator("#opt-memory-32gb").check()
    expect(page.locator("#bar-total")).not_to_have_text(total)
    expect(page.locator("#bar-total")).to_have_text(page.locator("#total").inner_text())
    assert in_viewport(page, "#phone-bar")


def test_busy_while_an_update_is_in_flight(page: Page, demo_shop):
    page.goto(demo_shop + NB14)
    # Every change of #configurator's aria-busy, and whether the spinner showed then.
    page.evaluate(
        """() => {
            window.__busy = [];
            const region = document.getElementById("configurator");
            new MutationObserver(() => {
                const spinner = document.querySelector(".summary-head .updating");
                window.__busy.push([region.getAttribute("aria-busy"),
                                    getComputedStyle(spinner).visibility]);
            }).observe(region, {attributes: true, attributeFilter: ["aria-busy", "class"]});
        }"""
    )
    expect(page.locator("#configurator")).not_to_have_attribute("aria-busy", "true")
    page.locator("#opt-memory-32gb").check()
    expect(page.locator("#announce")).to_contain_text("Total")
    expect(page.locator("#configurator")).not_to_have_attribute("aria-busy", "true")
    states = page.evaluate("window.__busy")
    assert ["true", "visible"] in states, states
    assert states[-1][0] is None, states  # cleared once the answer is in
    expect(page.locator(".summary-head .updating")).to_be_hidden()


def test_collapsed_group_shows_its_pick_and_stays_collapsed(page: Page, demo_shop):
    page.goto(demo_shop + NB14)
    memory = page.locator("#grp-memory")
    head = memory.locator("summary.group-head")
    expect(head).to_contain_text("Memory")
    expect(head).to_contain_text("16 GB LPDDR5X-7467")

    head.focus()
    page.keyboard.press("Enter")  # a native disclosure: the keyboard collapses it
    expect(page.locator("#opt-memory-32gb")).to_be_hidden()
    expect(head).to_contain_text("16 GB LPDDR5X-7467")

    # An update that answers every region (the page's record of what it shows is
    # cleared first) swaps the memory group too: it stays collapsed with its pick.
    page.evaluate("document.querySelector('input[name=shown]').value = ''")
    page.locator("#opt-os-ubuntu").check()
    expect(page.locator("#grp-os .group-pick")).to_contain_text("Ubuntu 24.04 LTS")
    expect(page.locator("#opt-memory-32gb")).to_be_hidden()
    expect(head).to_contain_text("16 GB LPDDR5X-7467")

    head.click()
    page.locator("#opt-memory-32gb").check()
    expect(head).to_contain_text("32 GB LPDDR5X-7467")


def test_share_by_copying_the_link_or_by_mail(browser, demo_shop):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_shop)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(demo_shop + NB14)
    page.get_by_label(re.compile("Save and share")).fill("Road warrior")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/c/[\w-]+/$"))
    share_url = page.url

    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#share-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == share_url

    href = page.get_by_role("link", name="E-mail the link").get_attribute("href")
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and parts.path == ""
    query = parse_qs(parts.query)
    assert query["subject"] == ["My Atelier Notebook 14 configuration: Road warrior"]
    assert share_url in query["body"][0]
    context.close()


def test_share_without_javascript_offers_the_link_to_copy(browser, demo_shop):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(demo_shop + NB14)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#share-url")).to_have_value(page.url)
    expect(page.locator("#share-url")).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    expect(page.get_by_role("link", name="E-mail the link")).to_be_visible()
    context.close()


def test_readme_screenshot(page: Page, demo_shop, tmp_path):
    """The configure page as the README shows it: a desktop, one option's details open.
    `ATELIER_SCREENSHOT=docs/img/configure.png make test PYTEST_ARGS=-k screenshot`
    refreshes the README's picture; otherwise it is written to a temporary folder."""
    target = Path(os.environ.get("ATELIER_SCREENSHOT") or tmp_path / "configure.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(demo_shop + NB14)
    page.locator("#opt-cpu-u7").check()
    expect(page.locator("#grp-cpu .group-pick")).to_contain_text("Ultra 7")
    page.locator("#opt-cpu-u7-details summary").click()
    page.locator("#grp-memory summary.group-head").click()
    page.locator("#grp-cpu").scroll_into_view_if_needed()
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
