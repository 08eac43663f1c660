"""Quotes in a real browser: an account holder configures, asks for a quote, reads the
numbered page (and its print version), accepts it after seeing the ship date computed
again, and gets the order at the quoted price; another account gets 404 for all of it.

Logging in here uses a session made by Django's test client (force_login), so the test
does not depend on the shop's sign-up pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from orders.models import Order, Quote

pytestmark = pytest.mark.e2e


def log_in(page: Page, base_url: str, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


def test_quote_requested_printed_and_accepted_at_its_price(page: Page, shop, django_user_model):
    ada = django_user_model.objects.create_user(
        "ada", "ada@example.com", "a-long-password-1", first_name="Ada", last_name="Lovelace"
    )
    log_in(page, shop, ada)
    page.goto(shop + "/p/nb14/")
    page.locator("#opt-cpu-u7").check()
    expect(page.locator("#total")).to_have_text("€809.00")
    page.locator("#quantity").fill("2")
    page.locator("#quantity").dispatch_event("change")
    expect(page.locator("#line-total")).to_contain_text("€1,618.00")
    page.get_by_role("button", name="Request a quote").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Quote Q-\d{4}-\d{6}"))
    quote = Quote.objects.get()
    expect(page.locator("#quote-number")).to_have_text(quote.number)
    expect(page.locator("#quote-total")).to_have_text("€1,618.00")
    expect(page.locator("#quote-status")).to_have_text("Issued")
    expect(page.locator("#quote-ship-date")).to_contain_text("Estimated ship date when quoted")
    # Printed, the page is the document alone: no shop header, no buttons.
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("#accept-quote")).to_be_hidden()
    expect(page.locator("#quote-total")).to_be_visible()
    page.emulate_media(media="screen")

    page.locator("#accept-quote").click()
    expect(page.locator("#accept-ship-date")).to_contain_text("Ordered now, it ships on")
    expect(page.locator("#id_email")).to_have_value("ada@example.com")
    page.locator("#id_address").fill("1 Analytical Way\nLondon")
    page.get_by_role("button", name=re.compile("Place the order")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    order = Order.objects.get()
    assert order.total == quote.total and order.user == ada
    assert Quote.objects.get().order == order

    bob = django_user_model.objects.create_user("bob", "bob@example.com", "b-long-password-2")
    page.context.clear_cookies()
    log_in(page, shop, bob)
    for path in (f"/quotes/{quote.public_id}/", f"/quotes/{quote.public_id}/accept/"):
        assert page.goto(shop + path).status == 404
