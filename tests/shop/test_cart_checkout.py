"""The cart in the session, the guest checkout, the confirmation and status pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from orders.cart import Cart, priced_cart
from orders.models import Order, OrderEvent
from production.models import StandardProduct
from tests.shop.conftest import DEFAULTS, form_data

pytestmark = pytest.mark.django_db

U7 = {**DEFAULTS, "cpu": ["u7"]}
CUSTOMER = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "address": "1 Analytical Way\nLondon",
}


def add(client, selections, quantity=1, action="cart"):
    response = client.post("/p/nb14/", form_data(selections, action=action, quantity=quantity))
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == "/cart/"
    return response


def line_ids(client) -> list[str]:
    return [line["id"] for line in client.session["cart"]["lines"]]


def test_add_two_configurations_then_the_same_one_again(client, published):
    add(client, U7)
    add(client, {**DEFAULTS, "memory": ["32gb"]}, quantity=2)
    add(client, U7)
    lines = client.session["cart"]["lines"]
    assert [(line["selections"]["cpu"], line["quantity"]) for line in lines] == [
        (["u7"], 2),
        (["u5"], 2),
    ]
    html = client.get("/cart/").content.decode()
    # 2 × (549+180+80) + 2 × (549+220)
    assert '<td id="cart-total">€3,156.00</td>' in html
    assert "Processor: Core Ultra 7" in html
    assert 'class="badge"' in html


def test_cart_quantity_update_and_remove(client, published):
    add(client, U7)
    add(client, {**DEFAULTS, "memory": ["32gb"]})
    first, second = line_ids(client)
    client.post("/cart/update/", {"line": first, "quantity": "3"})
    assert client.session["cart"]["lines"][0]["quantity"] == 3
    client.post("/cart/remove/", {"line": second})
    assert line_ids(client) == [first]
    html = client.get("/cart/").content.decode()
    assert '<td id="cart-total">€2,427.00</td>' in html


@pytest.mark.parametrize("quantity", ["0", "-1", "100", "abc", "", "9" * 50, "1.5"])
def test_bad_cart_quantity_is_refused_with_a_message(client, published, quantity):
    add(client, U7)
    (line,) = line_ids(client)
    response = client.post("/cart/update/", {"line": line, "quantity": quantity}, follow=True)
    assert response.status_code == 200
    assert "Please enter a quantity from 1 to 99." in response.content.decode()
    assert client.session["cart"]["lines"][0]["quantity"] == 1


@pytest.mark.parametrize("line", ["nope", "<script>", "", "f" * 33])
def test_bad_cart_line_ids_change_nothing(client, published, line):
    add(client, U7)
    assert client.post("/cart/update/", {"line": line, "quantity": "2"}).status_code == 302
    assert client.post("/cart/remove/", {"line": line}).status_code == 302
    assert client.session["cart"]["lines"][0]["quantity"] == 1


def test_standard_product_offered_when_configuration_equals_it(client, published):
    html = client.get("/p/nb14/").content.decode()
    assert "In stock — ships today." in html
    assert "NB14-U5-16-FHD" in html and "€599.00" in html
    add(client, DEFAULTS, action="standard")
    (line,) = client.session["cart"]["lines"]
    assert line["standard_sku"] == "NB14-U5-16-FHD"
    assert "In stock — ships today · NB14-U5-16-FHD" in client.get("/cart/").content.decode()
    # Not offered for a configuration that differs.
    other = client.post("/p/nb14/update/", form_data(U7)).content.decode()
    assert "In stock — ships today." not in other


def test_ship_date_is_estimated_for_a_complete_configuration(client, published):
    html = client.post("/p/nb14/update/", form_data(U7)).content.decode()
    found = re.search(r"Estimated ship date: <strong>(.+?)</strong>", html)
    assert found, html[html.index('id="ship-date"') :][:300]


def test_checkout_places_order_and_shows_confirmation_and_status(client, published):
    add(client, U7, quantity=2)
    add(client, {**DEFAULTS, "memory": ["32gb"]})
    assert client.get("/checkout/").status_code == 200
    response = client.post("/checkout/", CUSTOMER)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.public_id}/thanks/"
    assert order.customer_name == "Ada Lovelace"
    assert order.lines.count() == 2
    assert order.total == 2 * 809 + 769
    assert "cart" not in client.session

    thanks = client.get(response["Location"]).content.decode()
    assert "Thank you, Ada Lovelace" in thanks
    assert "2 × Notebook 14" in thanks and "Processor: Core Ultra 7" in thanks
    assert "<td>€1,618.00</td>" in thanks and "<td>€2,387.00</td>" in thanks
    assert f"/orders/{order.public_id}/" in thanks

    status = Client().get(f"/orders/{order.public_id}/").content.decode()
    assert "Received" in status
    assert "planning production" in status

    # Once production has scheduled it, the promised ship date shows up.
    Order.objects.filter(pk=order.pk).update(
        status="scheduled", promised_ship_date=date(2026, 12, 4)
    )
    OrderEvent.objects.create(order=order, status="scheduled", actor="planner")
    status = Client().get(f"/orders/{order.public_id}/").content.decode()
    assert "Friday, 4 December 2026" in status
    assert status.index("Received") < status.rindex("Scheduled")


def test_cart_checkout_and_order_show_the_same_prices(client, published):
    add(client, U7, quantity=2)
    add(client, DEFAULTS, quantity=3, action="standard")
    add(client, {**DEFAULTS, "memory": ["32gb"]})
    cart = priced_cart(Cart(client.session))
    assert [line.unit.amount for line in cart.lines] == [809, 599, 769]
    client.post("/checkout/", CUSTOMER)
    order = Order.objects.get()
    # One pricing path (orders.pricing.price_line): every unit price, line total and the
    # total the cart showed are what the order charges.
    assert [(line.unit.amount, line.total.amount) for line in cart.lines] == [
        (line.unit_price, line.line_total) for line in order.lines.order_by("position")
    ]
    assert cart.total.amount == order.total == 2 * 809 + 3 * 599 + 769


def test_a_standard_product_that_no_longer_matches_is_a_cart_problem_as_at_checkout(
    client, published
):
    add(client, DEFAULTS, action="standard")
    # The stock item is now another configuration: the order would refuse its SKU for this
    # line, so the cart must not show the stock price either.
    StandardProduct.objects.filter(sku="NB14-U5-16-FHD").update(
        selections={**DEFAULTS, "cpu": ["u7"]}
    )
    (line,) = priced_cart(Cart(client.session)).lines
    assert line.problem and line.unit is None
    assert "no longer fits" in client.get("/cart/").content.decode()
    client.post("/checkout/", CUSTOMER)
    assert not Order.objects.exists()


def test_status_page_of_unknown_order_is_404(client, published):
    assert client.get("/orders/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/orders/not-a-uuid/").status_code == 404


def test_checkout_with_empty_cart_goes_back_to_cart(client, published):
    assert client.get("/checkout/")["Location"] == "/cart/"
    assert client.post("/checkout/", CUSTOMER)["Location"] == "/cart/"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("email", "", "This field is required."),
        ("address", "", "This field is required."),
        ("name", "A" * 201, "at most 200 characters"),
        ("address", "x" * 1001, "at most 1000 characters"),
        ("email", "a" * 250 + "@example.com", "at most 254 characters"),
        ("email", "not-an-email", "Enter a valid email address."),
        ("name", "<script>alert('x')</script>", "Please leave out &lt; &gt;"),
        ("address", "<img src=x onerror=alert(1)>", "Please leave out &lt; &gt;"),
        ("email", "<script>@example.com", "Enter a valid email address."),
        ("name", "Ada\x00Lovelace", "Null characters are not allowed."),
    ],
)
def test_bad_checkout_input_gives_form_errors_and_stores_nothing(
    client, published, field, value, message
):
    add(client, U7)
    response = client.post("/checkout/", {**CUSTOMER, field: value})
    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert "<script>alert" not in html and "<script>@" not in html and "<img src=x" not in html
    assert not Order.objects.exists()
    assert len(client.session["cart"]["lines"]) == 1


def test_catalogue_change_before_checkout_is_a_form_error_not_an_order(client, published):
    from configurator.services import import_catalogue
    from tests.shop.catalogue import catalogue

    add(client, U7)
    document = catalogue()
    document["products"][0]["rules"].append(
        {"id": "no-u7", "type": "excludes", "all": ["cpu.u7", "display.fhd"], "message": "No."}
    )
    import_catalogue(document=document, publish=True)
    response = client.get("/cart/")
    assert "no longer fits" in response.content.decode()
    assert client.post("/checkout/", CUSTOMER).status_code == 302
    assert not Order.objects.exists()


def test_csrf_is_enforced_on_cart_and_checkout(published):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/p/nb14/", form_data(U7, action="cart")).status_code == 403
    assert strict.post("/cart/update/", {"line": "ab", "quantity": "2"}).status_code == 403
    assert strict.post("/cart/remove/", {"line": "ab"}).status_code == 403
    assert strict.post("/checkout/", CUSTOMER).status_code == 403
    assert not Order.objects.exists()


def test_order_refused_by_the_service_is_a_form_error_and_keeps_the_cart(
    client, published, monkeypatch
):
    from atelier import errors

    def refuse(**kwargs):
        raise errors.ConfigurationConflict("The Core Ultra 7 is no longer sold with this board.")

    monkeypatch.setattr("orders.cart.place_order", refuse)
    add(client, U7)
    response = client.post("/checkout/", CUSTOMER)
    assert response.status_code == 422
    assert "no longer sold with this board" in response.content.decode()
    assert not Order.objects.exists()
    assert len(client.session["cart"]["lines"]) == 1
