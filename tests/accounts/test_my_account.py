"""My account: orders (placed logged in, or as a guest and claimed once the address is
confirmed), each with status, promised ship date and history; named saved configurations
listed and reopened; reorder on today's catalogue with every change explained before the
cart; and another account gets 404 for all of it."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client

from accounts import services
from configurator.models import SavedConfiguration
from configurator.services import import_catalogue
from orders.models import Order, OrderEvent, Partner
from tests.accounts.conftest import log_in, verify
from tests.shop.catalogue import catalogue
from tests.shop.conftest import DEFAULTS, form_data

pytestmark = pytest.mark.django_db

U7_8GB = {**DEFAULTS, "cpu": ["u7"], "memory": ["8gb"]}


def customer(email: str) -> dict:
    return {"name": "Ada Lovelace", "email": email, "address": "1 Analytical Way\nLondon"}


def place(client, email: str, selections=DEFAULTS) -> Order:
    added = client.post("/p/nb14/", form_data(selections, action="cart"))
    assert added.status_code == 302, added.content.decode()[:500]
    response = client.post("/checkout/", customer(email))
    assert response.status_code == 302, response.content.decode()[:800]
    return Order.objects.order_by("-id").first()


def logged_in(email: str) -> Client:
    client = Client()
    verify(client, email)
    return client


def test_an_order_placed_logged_in_is_in_the_history_with_its_dates_and_history(published):
    client = logged_in("ada@example.com")
    order = place(client, "ada@example.com")
    assert order.user == User.objects.get(username="ada@example.com")
    Order.objects.filter(pk=order.pk).update(
        status="scheduled", promised_ship_date=date(2026, 12, 4)
    )
    OrderEvent.objects.create(order=order, status="scheduled", actor="planner")

    home = client.get("/account/").content.decode()
    assert f"/account/orders/{order.public_id}/" in home
    assert "Scheduled" in home and "Fri 4 Dec 2026" in home

    detail = client.get(f"/account/orders/{order.public_id}/").content.decode()
    assert "Friday, 4 December 2026" in detail
    history = detail[detail.index('id="order-history"') :]
    assert history.index("Received") < history.index("Scheduled")
    assert f"/account/orders/{order.public_id}/lines/0/reorder/" in detail


def test_guest_orders_with_the_address_are_claimed_when_it_is_confirmed(published):
    mine = place(Client(), "Ada@Example.com")
    someone_elses = place(Client(), "grace@example.com")
    client = logged_in("ada@example.com")
    assert "1 earlier order placed with this address is now in your account." in (
        client.get("/account/").content.decode()
    )
    mine.refresh_from_db()
    someone_elses.refresh_from_db()
    assert mine.user is not None and someone_elses.user is None
    assert f"/account/orders/{mine.public_id}/" in client.get("/account/").content.decode()

    # A guest order placed later with the address joins at the next log-in.
    later = place(Client(), "ada@example.com")
    client.post("/account/logout/")
    assert log_in(client, "ada@example.com").status_code == 302
    later.refresh_from_db()
    assert later.user == mine.user


def test_a_second_account_can_never_claim_an_order(published):
    order = place(Client(), "ada@example.com")
    first = logged_in("ada@example.com")
    owner = User.objects.get(username="ada@example.com")
    # An account made another way with the same address (e.g. by staff, unconfirmed)...
    other = User.objects.create_user(username="ada2", email="ada@example.com", password="x" * 12)
    assert services.claim_guest_orders(user=other) == 0
    # ...and no second confirmation of the address is possible: it is unique.
    with pytest.raises(IntegrityError), transaction.atomic():
        services.create_verified_account(email="ADA@example.com", password="y" * 12)
    order.refresh_from_db()
    assert order.user == owner
    assert first.get(f"/account/orders/{order.public_id}/").status_code == 200


def test_partner_orders_are_never_claimed(published):
    order = place(Client(), "ada@example.com")
    Order.objects.filter(pk=order.pk).update(partner=Partner.objects.create(name="P"))
    logged_in("ada@example.com")
    order.refresh_from_db()
    assert order.user is None


def test_save_while_logged_in_lists_it_by_name_and_reopens_it(published):
    client = logged_in("ada@example.com")
    response = client.post("/p/nb14/", form_data(U7_8GB, action="save", title="Office laptop"))
    assert response.status_code == 302
    saved = SavedConfiguration.objects.get()
    assert saved.owner.username == "ada@example.com" and saved.title == "Office laptop"

    unnamed = client.post("/p/nb14/", form_data(DEFAULTS, action="save", title=""))
    assert unnamed.status_code == 302
    assert SavedConfiguration.objects.get(title="Notebook 14").owner == saved.owner

    home = client.get("/account/").content.decode()
    assert f'href="/account/configurations/{saved.pk}/">Office laptop</a>' in home
    reopened = client.get(f"/account/configurations/{saved.pk}/").content.decode()
    assert "“Office laptop”" in reopened
    assert 'value="u7" id="opt-cpu-u7" checked' in reopened
    assert "no longer" not in reopened

    # A new catalogue version: the reopened configuration explains the change.
    publish_stricter_catalogue()
    reopened = client.get(f"/account/configurations/{saved.pk}/").content.decode()
    assert "Saved against catalogue version 1; prices and rules are now those of version 2." in (
        reopened
    )
    assert "The Core Ultra 7 needs at least 16 GB" in reopened


def test_anonymous_saves_stay_share_links_only(client, published):
    assert client.post("/p/nb14/", form_data(DEFAULTS, action="save")).status_code == 302
    assert SavedConfiguration.objects.get().owner is None


def publish_stricter_catalogue() -> None:
    """Version 2: the Core Ultra 7 needs 16 GB or more, and 8 GB costs 10.00 more."""
    document = catalogue()
    notebook = document["products"][0]
    notebook["rules"].append(
        {
            "id": "u7-memory",
            "type": "excludes",
            "all": ["cpu.u7", "memory.8gb"],
            "message": "The Core Ultra 7 needs at least 16 GB",
        }
    )
    notebook["groups"][1]["options"][0]["price"] = "10.00"
    import_catalogue(document=document, publish=True)


def test_reorder_explains_every_change_before_anything_reaches_the_cart(published):
    client = logged_in("ada@example.com")
    order = place(client, "ada@example.com", U7_8GB)
    unchanged = client.get(f"/account/orders/{order.public_id}/lines/0/reorder/")
    assert unchanged.status_code == 200
    assert "Order again: Notebook 14" in unchanged.content.decode()
    assert "catalogue version" not in unchanged.content.decode().split("Order again")[1][:400]

    publish_stricter_catalogue()
    page = client.get(f"/account/orders/{order.public_id}/lines/0/reorder/").content.decode()
    assert "Ordered against catalogue version 1; prices and rules are now those of version 2." in (
        page
    )
    assert "The price was €729.00 when ordered; it is now €739.00." in page
    assert "To make this configuration valid, we’d change:" in page
    assert "The Core Ultra 7 needs at least 16 GB" in page
    assert "cart" not in client.session or not client.session["cart"]["lines"]


def test_another_account_gets_404_for_everything(published):
    ada = logged_in("ada@example.com")
    order = place(ada, "ada@example.com")
    ada.post("/p/nb14/", form_data(DEFAULTS, action="save", title="Mine"))
    saved = SavedConfiguration.objects.get()

    grace = logged_in("grace@example.com")
    for url in (
        f"/account/orders/{order.public_id}/",
        f"/account/orders/{order.public_id}/lines/0/reorder/",
        f"/account/configurations/{saved.pk}/",
    ):
        assert ada.get(url).status_code == 200, url
        assert grace.get(url).status_code == 404, url
    home = grace.get("/account/").content.decode()
    assert str(order.public_id) not in home and "Mine" not in home
    assert "No orders yet." in home and "Nothing saved yet." in home
    # Unknown ids are 404 too, never 500.
    assert ada.get("/account/orders/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert ada.get(f"/account/orders/{order.public_id}/lines/7/reorder/").status_code == 404
    assert ada.get("/account/configurations/999999/").status_code == 404


def test_the_account_page_reads_a_fixed_number_of_queries(published, django_assert_max_num_queries):
    client = logged_in("ada@example.com")
    for _ in range(4):
        place(client, "ada@example.com")
        client.post("/p/nb14/", form_data(DEFAULTS, action="save", title="One more"))
    with django_assert_max_num_queries(8):
        page = client.get("/account/").content.decode()
    assert page.count("/account/orders/") == 4 and page.count('">One more</a>') == 4
