"""Quotes in the shop: asked for from the configure page or the cart by an account holder
(anyone else logs in first), the numbered printable page, the e-mail with its link, and
accepting it at the quoted price with the ship date computed again before confirming."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import timezone

from configurator.services import import_catalogue
from orders.models import Order, Quote
from orders.services import extend_quotes, withdraw_quotes
from production import tasks as production_tasks
from tests.shop.catalogue import catalogue
from tests.shop.conftest import DEFAULTS, form_data

pytestmark = pytest.mark.django_db

U7 = {**DEFAULTS, "cpu": ["u7"]}  # 549 + 180 + 80 = 809.00
CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com", "address": "1 Analytical Way"}


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user(
        "ada", "ada@example.com", "a-long-password-1", first_name="Ada", last_name="Lovelace"
    )


@pytest.fixture
def ada_client(client, ada):
    client.force_login(ada)
    return client


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(production_tasks.schedule_order, "delay", lambda order_id: None)


def ask_from_configure(client, selections=U7, quantity=2):
    return client.post("/p/nb14/", form_data(selections, action="quote", quantity=quantity))


def test_configure_page_offers_a_quote(client, published):
    html = client.get("/p/nb14/").content.decode()
    assert 'name="action" value="quote"' in html and "you log in first" in html


def test_anonymous_visitor_is_sent_to_log_in_with_the_configuration_kept(
    client, published, settings
):
    response = ask_from_configure(client)
    assert response.status_code == 302
    login, _, query = response["Location"].partition("?")
    assert login == resolve_url(settings.LOGIN_URL)
    assert re.fullmatch(r"next=/c/[\w-]+/", query.replace("%2F", "/"))
    assert not Quote.objects.exists()
    back = client.get(query.replace("%2F", "/").removeprefix("next=")).content.decode()
    assert 'value="u7"' in back and "checked" in back


def test_account_holder_gets_a_numbered_quote_page_and_an_email(
    ada_client, ada, published, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.ATELIER_SITE_URL = "https://shop.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_from_configure(ada_client)
    quote = Quote.objects.get()
    assert quote.user == ada and quote.total == 2 * 809
    assert response.status_code == 302
    assert response["Location"] == f"/quotes/{quote.public_id}/"
    page = ada_client.get(response["Location"])
    html = page.content.decode()
    assert f'<span id="quote-number">{quote.number}</span>' in html
    assert '<td id="quote-total">€1,618.00</td>' in html
    assert "Processor: Core Ultra 7" in html or "Core Ultra 7" in html
    assert "Estimated ship date when quoted" in html
    assert 'href="/static/shop/print.css" media="print"' in html
    assert 'id="accept-quote"' in html
    assert f"Quote {quote.number} is issued and e-mailed a link to ada@example.com" in html
    [mail] = mailoutbox
    assert mail.to == ["ada@example.com"] and quote.number in mail.subject
    assert f"https://shop.example/quotes/{quote.public_id}/" in mail.body
    assert not mail.attachments


def test_incomplete_configuration_gets_no_quote(ada_client, published):
    response = ask_from_configure(ada_client, selections={"cpu": ["u7"]})
    assert response.status_code == 422
    assert "before asking for a quote" in response.content.decode()
    assert not Quote.objects.exists()


def test_quote_from_the_cart_keeps_the_cart(ada_client, published):
    ada_client.post("/p/nb14/", form_data(U7, action="cart", quantity=1))
    ada_client.post("/p/nb14/", form_data(DEFAULTS, action="cart", quantity=3))
    assert 'action="/quotes/request/"' in ada_client.get("/cart/").content.decode()
    response = ada_client.post("/quotes/request/")
    quote = Quote.objects.get()
    assert response["Location"] == f"/quotes/{quote.public_id}/"
    assert [(line.quantity, line.product_code) for line in quote.lines.all()] == [
        (1, "nb14"),
        (3, "nb14"),
    ]
    assert len(ada_client.session["cart"]["lines"]) == 2


def test_anonymous_cart_quote_goes_to_log_in_and_back_to_the_cart(client, published, settings):
    client.post("/p/nb14/", form_data(U7, action="cart", quantity=1))
    response = client.post("/quotes/request/")
    login = resolve_url(settings.LOGIN_URL)
    assert response.status_code == 302 and response["Location"] == f"{login}?next=/cart/"
    assert not Quote.objects.exists()


def test_another_account_sees_none_of_it(ada_client, published, django_user_model, settings):
    ask_from_configure(ada_client)
    quote = Quote.objects.get()
    other = Client()
    other.force_login(
        django_user_model.objects.create_user("bob", "bob@example.com", "pw-12345678")
    )
    assert other.get(f"/quotes/{quote.public_id}/").status_code == 404
    assert other.get(f"/quotes/{quote.public_id}/accept/").status_code == 404
    assert other.post(f"/quotes/{quote.public_id}/accept/", CUSTOMER).status_code == 404
    assert quote.number not in other.get("/quotes/").content.decode()
    assert not Order.objects.exists()
    anonymous = Client().get(f"/quotes/{quote.public_id}/")
    login = resolve_url(settings.LOGIN_URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(f"{login}?next=")


def test_accept_shows_the_recomputed_ship_date_then_orders_at_the_quoted_price(
    ada_client, ada, published
):
    ask_from_configure(ada_client)
    quote = Quote.objects.get()
    # The catalogue changes: the notebook costs 100.00 more from now on.
    document = catalogue()
    document["products"][0]["base_price"] = "649.00"
    import_catalogue(document=document, publish=True)
    page = ada_client.get(f"/quotes/{quote.public_id}/accept/")
    html = page.content.decode()
    assert page.status_code == 200
    shown = re.search(
        r'id="accept-ship-date">Ordered now, it ships on <strong>([^<]+)</strong>', html
    )
    assert shown, html
    assert 'value="ada@example.com"' in html and 'value="Ada Lovelace"' in html
    response = ada_client.post(f"/quotes/{quote.public_id}/accept/", CUSTOMER)
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.public_id}/thanks/"
    assert order.total == quote.total == 2 * 809
    assert order.user == ada and order.customer_email == "ada@example.com"
    assert order.lines.get().catalogue_version_id == quote.lines.get().catalogue_version_id
    assert f"{order.estimated_ship_date:%a} {order.estimated_ship_date.day}" in shown.group(1)
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.order == order
    again = ada_client.get(f"/quotes/{quote.public_id}/")
    assert "see the order" in again.content.decode()
    # Accepting again places nothing more.
    ada_client.post(f"/quotes/{quote.public_id}/accept/", CUSTOMER)
    assert Order.objects.count() == 1


def test_accept_needs_a_shipping_address(ada_client, published):
    ask_from_configure(ada_client)
    quote = Quote.objects.get()
    response = ada_client.post(f"/quotes/{quote.public_id}/accept/", {**CUSTOMER, "address": ""})
    assert response.status_code == 422
    assert not Order.objects.exists()


def test_expired_and_withdrawn_quotes_cannot_be_accepted_on_the_web(ada_client, published):
    ask_from_configure(ada_client)
    quote = Quote.objects.get()
    Quote.objects.filter(pk=quote.pk).update(
        issued_at=timezone.now() - timedelta(days=40),
        valid_until=timezone.now() - timedelta(days=10),
    )
    html = ada_client.get(f"/quotes/{quote.public_id}/").content.decode()
    assert "has expired" in html and 'id="accept-quote"' not in html
    response = ada_client.post(f"/quotes/{quote.public_id}/accept/", CUSTOMER, follow=True)
    assert "expired" in response.content.decode()
    assert not Order.objects.exists()
    assert extend_quotes(quote_ids=[quote.pk], days=5) == 1  # staff extend it: open again
    assert 'id="accept-quote"' in ada_client.get(f"/quotes/{quote.public_id}/").content.decode()
    assert withdraw_quotes(quote_ids=[quote.pk]) == 1
    response = ada_client.post(f"/quotes/{quote.public_id}/accept/", CUSTOMER, follow=True)
    assert "withdrawn" in response.content.decode()
    assert not Order.objects.exists()


def test_quote_list_shows_only_ones_own(ada_client, published):
    ask_from_configure(ada_client)
    quote = Quote.objects.get()
    html = ada_client.get("/quotes/").content.decode()
    assert quote.number in html and "Issued" in html
