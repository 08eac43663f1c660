"""Staff's side of the API: tokens are shown once and stored hashed; revoking works;
orders, partners and webhooks have working admin pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from orders.models import ApiToken, Order, WebhookDelivery, WebhookEndpoint, hash_token
from tests.api.conftest import client_for, place

pytestmark = pytest.mark.django_db


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(admin_client, partner_a):
    response = admin_client.post(
        "/admin/orders/apitoken/add/", {"partner": partner_a.pk, "name": "erp"}, follow=True
    )
    assert response.status_code == 200
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    raw = re.search(r"atl_[\w-]+", text).group(0)
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(raw) and token.prefix == raw[:8]
    assert (
        raw not in admin_client.get(f"/admin/orders/apitoken/{token.pk}/change/").content.decode()
    )
    # The raw token works against the API.
    assert client_for_raw(raw).get("/api/v1/orders/").status_code == 200


def client_for_raw(raw):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_revoke_action_locks_the_token_out(admin_client, partner_a):
    client = client_for(partner_a)
    token = ApiToken.objects.get()
    admin_client.post(
        "/admin/orders/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/orders/").status_code == 401


def test_order_admin_pages_render_with_lines_and_events(admin_client, api_a):
    place(api_a)
    order = Order.objects.get()
    listing = admin_client.get("/admin/orders/order/", {"status__exact": "received"})
    assert listing.status_code == 200 and str(order.public_id) in listing.content.decode()
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "nb14" in page and "partner:Partner A" in page


def test_partner_and_webhook_admin_show_tokens_and_the_secret(admin_client, partner_a):
    client_for(partner_a)
    endpoint = WebhookEndpoint.objects.create(partner=partner_a, url="https://partner.example/hook")
    partner_page = admin_client.get(f"/admin/orders/partner/{partner_a.pk}/change/")
    assert ApiToken.objects.get().prefix in partner_page.content.decode()
    page = admin_client.get(f"/admin/orders/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret in page.content.decode()
    for url in ("/admin/orders/webhookdelivery/", "/admin/orders/webhookattempt/"):
        assert admin_client.get(url).status_code == 200
    assert not WebhookDelivery.objects.exists()
