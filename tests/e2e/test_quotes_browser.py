"""Issue 16's done-when in a real browser: sign up, confirm from the e-mailed link,
configure, save, request a quote (its numbered page prints as a document, and the e-mail
links to it), log out, log in again through that link, accept the quote after seeing the
ship date computed again, and find the order in the account's history with its promised
ship date; a second account gets 404 for the quote, its acceptance and the order."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from orders.models import Order, Quote
from production.services import schedule_order
from tests.e2e.test_account_browser import PASSWORD, sign_up_and_confirm

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(shop, settings):
    # Links in e-mails (confirmation, quote) are built on ATELIER_SITE_URL: the live server.
    settings.ATELIER_SITE_URL = shop
    mail.outbox.clear()
    return shop


def quote_link(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [email] and "quote" in m.subject)
    assert not message.attachments  # the page is the document
    return re.search(r"https?://\S+/quotes/[0-9a-f-]+/", message.body).group(0)


def test_sign_up_quote_log_out_in_accept_and_see_the_order(page: Page, site):
    sign_up_and_confirm(page, site, "ada@example.com")

    # Configure, save it to the account, then ask for a quote for two.
    page.goto(site + "/p/nb14/")
    page.locator("#opt-cpu-u7").check()
    expect(page.locator("#total")).to_have_text("€809.00")
    page.get_by_label(re.compile("Save to your account")).fill("Team laptops")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Saved as “Team laptops”")
    page.locator("#quantity").fill("2")
    page.locator("#quantity").dispatch_event("change")
    expect(page.locator("#line-total")).to_contain_text("€1,618.00")
    page.get_by_role("button", name="Request a quote").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Quote Q-\d{4}-\d{6}"))
    quote = Quote.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"Quote {quote.number} is issued")
    expect(page.locator("#quote-total")).to_have_text("€1,618.00")
    expect(page.locator("#quote-status")).to_have_text("Issued")
    expect(page.locator("#quote-ship-date")).to_contain_text("Estimated ship date when quoted")
    # Printed, the page is the document alone: no shop header, no buttons.
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("#accept-quote")).to_be_hidden()
    expect(page.locator("#quote-total")).to_be_visible()
    page.emulate_media(media="screen")
    link = quote_link("ada@example.com")
    assert link == f"{site}/quotes/{quote.public_id}/"

    # Log out; the e-mailed link asks to log in and then opens the quote.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#quote-number")).to_have_text(quote.number)

    # Accept: the ship date computed now is shown before confirming.
    page.get_by_role("link", name=re.compile("Accept the quote")).click()
    expect(page.locator("#accept-ship-date")).to_contain_text("Ordered now, it ships on")
    expect(page.get_by_label("E-mail")).to_have_value("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Shipping address").fill("1 Analytical Way\nLondon")
    page.get_by_role("button", name=re.compile("Place the order")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Ada Lovelace")
    order = Order.objects.get()
    assert order.total == quote.total and Quote.objects.get().order == order
    schedule_order(order_id=order.pk)  # what the Celery worker does after the commit
    order.refresh_from_db()

    # The order is in the history with its promised ship date.
    page.get_by_role("link", name="My account").click()
    row = page.locator(".account-orders tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Scheduled")
    expect(row).to_contain_text("2 × Notebook 14")
    expect(row).to_contain_text(order.promised_ship_date.strftime("%a %-d %b %Y"))
    row.get_by_role("link").click()
    expect(page.locator("#promised-ship-date")).to_be_visible()
    expect(page.locator("#order-history")).to_contain_text(f"accepted quote {quote.number}")
    order_url = page.url
    page.locator("#account-link").click()
    page.get_by_role("link", name="Your quotes").click()
    expect(page.locator(".quote-list tbody tr")).to_contain_text("Accepted")

    # A second account sees none of it.
    other = page.context.browser.new_context().new_page()
    other.set_default_timeout(10_000)
    sign_up_and_confirm(other, site, "grace@example.com")
    expect(other.locator("#no-orders")).to_be_visible()
    for url in (link, f"{link}accept/", order_url):
        response = other.goto(url)
        assert response is not None and response.status == 404, url
    other.goto(site + "/quotes/")
    expect(other.get_by_text("You have no quotes yet")).to_be_visible()
    other.context.close()
