"""Ship dates in the shop: the configure page's estimate and line total follow the
quantity, the cart and checkout show each line's date and the order's, an order keeps the
estimate it was placed with, and its status page and e-mail say why a promise differs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from configurator.selectors import compiled_product, published_version
from configurator.services import import_catalogue
from orders.models import Order
from orders.services import LineRequest, place_order
from production import promise
from production.services import schedule_order
from tests.shop.catalogue import catalogue
from tests.shop.conftest import form_data

pytestmark = pytest.mark.django_db

OLED = {"cpu": ["u5"], "memory": ["16gb"], "display": ["oled"], "battery": ["86wh"]}
UPDATE = "/p/nb14/update/"
CUSTOMER = {"name": "Ada", "email": "ada@example.com", "address": "1 Analytical Way"}
BATCH_IN_DAYS = 21


def day(value) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


@pytest.fixture
def scarce(db):
    """The shop catalogue with 5 OLED panels in stock and 100 more in three weeks."""
    document = catalogue()
    arrives = timezone.localdate() + timedelta(days=BATCH_IN_DAYS)
    for component in document["components"]:
        if component["sku"] == "LCD-OLED":
            component["stock"] = 5
            component["supply"] = [{"quantity": 100, "available_on": arrives.isoformat()}]
    import_catalogue(document=document, publish=True)
    return arrives


def compiled():
    return compiled_product(published_version(), "nb14")


def estimate(selections, quantity):
    return promise.estimate_configuration(
        version=published_version(), product_code="nb14", selections=selections, quantity=quantity
    )


def test_quantity_moves_the_estimate_and_the_line_total(client, scarce):
    few = client.post(UPDATE, form_data(OLED, quantity="2"))
    many = client.post(UPDATE, form_data(OLED, quantity="40"))
    assert few.status_code == many.status_code == 200
    early, late = estimate(OLED, 2), estimate(OLED, 40)
    assert late >= scarce > early
    few_html, many_html = few.content.decode(), many.content.decode()
    assert f"Estimated ship date for 2: <strong>{early:%a %-d %b %Y}</strong>" in few_html
    assert f"Estimated ship date for 40: <strong>{late:%a %-d %b %Y}</strong>" in many_html
    total = many_html.split('<strong id="total">')[1].split("<")[0]
    amount = float(total.strip("€").replace(",", ""))
    assert f"40 × {total} = <strong>€{amount * 40:,.2f}</strong>" in many_html
    assert 'id="quantity" name="quantity" type="number" min="1" max="99"' in many_html
    assert 'value="40"' in many_html
    assert "40 for €" in many_html  # the screen reader's announcement names the line total


@pytest.mark.parametrize("quantity", ["0", "-1", "100", "2.5", "two"])
def test_a_bad_quantity_is_a_form_error_that_keeps_the_picks(client, scarce, quantity):
    response = client.post(UPDATE, form_data(OLED, quantity=quantity))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Quantity:" in html
    assert 'id="opt-display-oled" checked' in html


def test_the_cart_shows_each_lines_date_and_the_orders_and_follows_its_changes(client, scarce):
    for selections, quantity in ((OLED, 2), ({**OLED, "cpu": ["u7"]}, 2)):
        response = client.post("/p/nb14/", form_data(selections, action="cart", quantity=quantity))
        assert response.status_code == 302
    html = client.get("/cart/").content.decode()
    first, second = (line["id"] for line in client.session["cart"]["lines"])
    alone = estimate(OLED, 2)
    assert f'id="ship-{first}">Estimated ship date for 2: <strong>{day(alone)}</strong>' in html
    # Together the two lines need 4 panels: still from stock.
    assert f"Estimated ship date of your order: <strong>{day(alone)}</strong>" in html

    client.post("/cart/update/", {"line": second, "quantity": "40"})
    html = client.get("/cart/").content.decode()
    together = promise.estimate(
        lines=[
            promise.configured_line(compiled=c, selections=s, quantity=q)
            for c, s, q in (
                (compiled(), OLED, 2),
                (compiled(), {**OLED, "cpu": ["u7"]}, 40),
            )
        ]
    )
    assert together >= scarce
    assert f"Estimated ship date of your order: <strong>{day(together)}</strong>" in html
    assert f'id="ship-{second}">Estimated ship date for 40:' in html

    checkout = client.get("/checkout/").content.decode()
    assert f"ships {day(alone)}" in checkout
    assert f"Estimated ship date: <strong>{day(together)}</strong>" in checkout

    response = client.post("/checkout/", CUSTOMER)
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.estimated_ship_date == together
    assert "Estimated ship date:" in client.get(response["Location"]).content.decode()
    assert schedule_order(order_id=order.pk).promised_ship_date == together
    status = client.get(f"/orders/{order.public_id}/").content.decode()
    assert 'id="promise-note"' not in status


def test_a_promise_later_than_the_estimate_says_why_on_the_page_and_in_the_email(
    client, scarce, django_capture_on_commit_callbacks
):
    client.post("/p/nb14/", form_data(OLED, action="cart", quantity=5))
    client.post("/checkout/", CUSTOMER)
    mine = Order.objects.get()
    # Someone else's order takes the last panels before the planner reaches ours.
    other = place_order(lines=[LineRequest("nb14", OLED, 5)])
    Order.objects.filter(pk=other.pk).update(created_at=mine.created_at - timedelta(seconds=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        schedule_order(order_id=mine.pk)
    mine.refresh_from_db()
    assert mine.promised_ship_date > mine.estimated_ship_date
    note = (
        f"Estimated {day(mine.estimated_ship_date)} when you ordered; promised "
        f"{day(mine.promised_ship_date)} because other orders were placed first."
    )
    assert note in client.get(f"/orders/{mine.public_id}/").content.decode()
    scheduled = [m for m in mail.outbox if m.to == [CUSTOMER["email"]] and "scheduled" in m.subject]
    assert scheduled and note in scheduled[0].body
