"""Starting points, the spec sheet and the comparison page in a real browser against a
live server with the demo catalogue: one click on a starting point sets every group and
the page shows the starting point's price and ship date; the spec sheet follows; two
products compared from the home page; the same starting point without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.demo import demo_document

pytestmark = pytest.mark.e2e


def _start(code: str, start: str) -> dict:
    product = next(p for p in demo_document()["products"] if p["code"] == code)
    return next(s for s in product["starting_points"] if s["code"] == start)


def test_start_from_a_preset_sets_every_group_and_shows_its_price_and_date(page: Page, demo_shop):
    page.goto(demo_shop + "/p/nb14/")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    card = page.locator("#start-graphics")
    price = card.locator(".start-price").inner_text()
    ship = card.locator(".start-ship strong").inner_text()
    assert re.fullmatch(r"€[\d,]+\.\d\d", price)
    expect(page.locator("#total")).not_to_have_text(price)

    card.get_by_role("button", name="Start from Light graphics").click()

    expect(page.locator("#total")).to_have_text(price)
    expect(page.locator("#ship-date strong")).to_have_text(ship)
    for group, picks in _start("nb14", "graphics")["selections"].items():
        for option in picks:
            expect(page.locator(f"#opt-{group}-{option}")).to_be_checked()
    expect(page.locator("#announce")).to_contain_text(f"Total {price}.")
    sheet = page.locator("#spec-sheet")
    expect(sheet.locator("tr", has_text="Graphics memory")).to_contain_text("6 GB GDDR6")
    expect(sheet.get_by_role("row", name=re.compile(r"^Processor "))).to_contain_text(
        "Core Ultra 7 255H"
    )
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped, no reload

    # The spec sheet follows a click too.
    page.locator("#opt-memory-16gb").check()
    memory = sheet.get_by_role("row", name=re.compile(r"^Memory "))
    expect(memory).to_have_text(re.compile(r"16 GB LPDDR5X-7467"))


def test_start_from_a_preset_without_javascript(browser: Browser, demo_shop):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(demo_shop + "/p/tower/")
    card = page.locator("#start-workstation")
    price = card.locator(".start-price").inner_text()
    card.get_by_role("button", name="Start from Workstation").click()
    expect(page.locator("#total")).to_have_text(price)
    for group, picks in _start("tower", "workstation")["selections"].items():
        for option in picks:
            expect(page.locator(f"#opt-{group}-{option}")).to_be_checked()
    page.get_by_role("link", name="Printable spec sheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier Tower — specifications")
    expect(page.locator(".spec-print-price")).to_contain_text(price)
    context.close()


def test_compare_two_products_from_the_home_page(page: Page, demo_shop):
    page.goto(demo_shop + "/")
    page.get_by_role("checkbox", name="Compare Atelier Notebook 14").check()
    page.get_by_role("checkbox", name="Compare Atelier Tower").check()
    page.get_by_role("button", name="Compare", exact=True).click()

    expect(page).to_have_url(re.compile(r"/compare/\?product=nb14&product=tower$"))
    table = page.locator("#comparison")
    expect(table.locator("thead th")).to_have_count(2)
    expect(table.locator("thead")).to_contain_text("Atelier Notebook 14")
    expect(table.locator("thead")).to_contain_text("Atelier Tower")
    price = table.locator("tr.compare-price")
    expect(price).to_have_class(re.compile(r"\bdiffers\b"))
    expect(price.locator("td").nth(0)).to_have_text("€549.00")
    expect(price.locator("td").nth(1)).to_have_text("€699.00")
    expect(table.locator("tr.compare-ship td").nth(0)).to_have_text(
        re.compile(r"^\w{3} \d{1,2} \w{3} \d{4}$")
    )
    os_row = table.locator("tr", has_text="Operating system")
    expect(os_row).not_to_have_class(re.compile(r"\bdiffers\b"))
    expect(table.locator("tr", has_text="Processor")).to_have_class(re.compile(r"\bdiffers\b"))

    # Three ticked plus a fourth from a share link is refused with a form error.
    page.get_by_role("checkbox", name="Atelier Creator 16").check()
    page.locator("#saved-1").fill("nonsense")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator("#compare-problems")).to_contain_text(
        "No saved configuration behind “nonsense”."
    )
