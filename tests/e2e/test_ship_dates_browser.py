"""Ship dates in a real browser: 40 units of a build with a scarce part show the later
date before ordering, the cart shows each line's date and the order's, and the order a
real Celery worker then schedules is promised exactly the date that was shown."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from atelier.celery import app
from configurator.services import import_catalogue
from orders.models import Order
from tests.shop.catalogue import catalogue
from tests.workers import database_url, start_workers, stop_workers

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def day(value) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


@pytest.fixture
def scarce_oled(shop):
    """The shop catalogue again, now with 5 OLED panels in stock and 100 in three weeks."""
    document = catalogue()
    arrives = timezone.localdate() + timedelta(days=21)
    for component in document["components"]:
        if component["sku"] == "LCD-OLED":
            component["stock"] = 5
            component["supply"] = [{"quantity": 100, "available_on": arrives.isoformat()}]
    import_catalogue(document=document, publish=True)
    return arrives


@pytest.fixture
def worker(redis_url, tmp_path, transactional_db):
    assert connection.vendor == "postgresql", "the worker shares the run's PostgreSQL"
    app.control.purge()  # scheduling requests earlier tests left unserved
    started = start_workers(
        1, database=database_url(connection.settings_dict), broker=redis_url, log_dir=tmp_path
    )
    try:
        yield
    finally:
        stop_workers(started)


def test_quantity_40_of_a_scarce_build_shows_the_later_date_and_the_order_gets_it(
    page: Page, shop, scarce_oled, worker
):
    page.goto(shop + "/p/nb14/")
    total = page.locator("#total")
    for option in ("#opt-battery-86wh", "#opt-display-oled"):
        before = total.inner_text()
        page.locator(option).check()
        expect(total).not_to_have_text(before)  # the update has come back
    ship = page.locator("#ship-date")
    expect(ship).to_contain_text("Estimated ship date:")
    one = ship.locator("strong").inner_text()
    expect(page.locator("#line-total")).to_contain_text("1 × ")

    quantity = page.get_by_label("Quantity")
    quantity.fill("40")
    quantity.press("Tab")  # the change event: the fragment comes back for 40 units
    expect(ship).to_contain_text("Estimated ship date for 40:")
    forty = ship.locator("strong").inner_text()
    unit = page.locator("#total").inner_text()
    amount = float(unit.strip("€").replace(",", "")) * 40
    expect(page.locator("#line-total")).to_have_text(f"40 × {unit} = €{amount:,.2f}")
    assert forty != one
    assert page.locator("#quantity").input_value() == "40"

    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(shop + "/cart/")
    expect(page.locator(".line-ship")).to_have_text(f"Estimated ship date for 40: {forty}")
    expect(page.locator("#order-ship-date")).to_contain_text(forty)

    page.get_by_role("link", name="Check out").click()
    expect(page.locator("#order-ship-date")).to_contain_text(forty)
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_label("Shipping address").fill("1 Harbour Street\nArlington")
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.locator("#estimated-ship-date")).to_have_text(forty)

    order = Order.objects.get()
    deadline = time.monotonic() + 30
    while Order.objects.get(pk=order.pk).status == Order.Status.RECEIVED:
        assert time.monotonic() < deadline, "the worker did not schedule the order"
        time.sleep(0.1)
    order.refresh_from_db()
    assert order.status == Order.Status.SCHEDULED
    assert day(order.promised_ship_date) == forty == day(order.estimated_ship_date)
    # Five panels are in stock: forty wait for the batch three weeks out.
    assert order.promised_ship_date >= scarce_oled

    page.get_by_role("link", name="See the order status").click()
    expect(page.locator(".status-badge")).to_have_text("Scheduled")
    expect(page.locator("#promised-ship-date")).to_contain_text(
        f"{order.promised_ship_date:%A, %-d %B %Y}"
    )
    expect(page.locator("#promise-note")).to_have_count(0)
