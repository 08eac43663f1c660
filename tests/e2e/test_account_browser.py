"""Accounts in a real browser: sign up, confirm through the e-mailed link, log out and in,
save a named configuration and find it listed and reopened, order while logged in and see
the order in the history with its promised ship date; another account sees none of it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from orders.models import Order
from production.services import schedule_order

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple 7"


@pytest.fixture
def site(shop, settings):
    # Links in the account e-mails are built on ATELIER_SITE_URL: the live server here.
    settings.ATELIER_SITE_URL = shop
    mail.outbox.clear()
    return shop


def confirmation_link(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    return re.search(r"https?://\S+/account/verify/\S+/", message.body).group(0)


def sign_up_and_confirm(page: Page, site: str, email: str) -> None:
    page.goto(site + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    page.goto(confirmation_link(email))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your e-mail address")
    page.get_by_label("The password you chose").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.locator(".messages")).to_contain_text("Your e-mail address is confirmed.")


def test_sign_up_confirm_log_in_save_reopen_order_and_history(page: Page, site):
    sign_up_and_confirm(page, site, "ada@example.com")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill("wrong password 000")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".problems")).to_contain_text("do not match an active account")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.locator("#no-orders")).to_be_visible()

    # Save a named configuration; it is listed in the account and reopens as saved.
    page.goto(site + "/p/nb14/")
    page.locator("#opt-memory-32gb").check()
    expect(page.locator("#total")).to_have_text("€769.00")
    page.get_by_label(re.compile("Save to your account")).fill("Office laptop")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Saved as “Office laptop” in your account.")
    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Office laptop").click()
    expect(page.get_by_role("heading", name="“Office laptop”")).to_be_visible()
    expect(page.locator("#opt-memory-32gb")).to_be_checked()
    expect(page.locator("#total")).to_have_text("€769.00")
    saved_url = page.url

    # Order it while logged in; the order is in the history, then with its promise.
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_label("E-mail")).to_have_value("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Shipping address").fill("1 Analytical Way\nLondon")
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Ada Lovelace")
    order = Order.objects.get()
    schedule_order(order_id=order.pk)  # what the Celery worker does after the commit
    order.refresh_from_db()

    page.get_by_role("link", name="My account").click()
    row = page.locator(".account-orders tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Scheduled")
    expect(row).to_contain_text("1 × Notebook 14")
    row.get_by_role("link").click()
    expect(page.locator("#promised-ship-date")).to_be_visible()
    expect(page.locator("#order-history li")).to_have_count(2)
    order_url = page.url
    page.get_by_role("link", name="Reorder Notebook 14").click()
    expect(page.get_by_role("heading", name="Order again: Notebook 14")).to_be_visible()
    expect(page.locator("#opt-memory-32gb")).to_be_checked()

    # Another account sees none of it.
    other = page.context.browser.new_context().new_page()
    other.set_default_timeout(10_000)
    sign_up_and_confirm(other, site, "grace@example.com")
    expect(other.locator("#no-orders")).to_be_visible()
    expect(other.locator("#no-saved")).to_be_visible()
    for url in (order_url, saved_url):
        response = other.goto(url)
        assert response is not None and response.status == 404, url
    other.context.close()
