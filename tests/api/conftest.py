"""Fixtures of the partner API tests: the demo catalogue (published once per session),
two partners with tokens, API clients, and a complete configuration to order."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from configurator.services import import_catalogue
from orders import services
from orders.models import Partner
from tests.demo import NB14, demo_document, demo_published_until_done


def publish_demo() -> None:
    import_catalogue(document=demo_document(), publish=True)


@pytest.fixture(scope="package", autouse=True)
def _demo_catalogue(django_db_setup, django_db_blocker):
    """The demo catalogue, published once for this package's (rolled back) DB tests and
    removed afterwards. Transactional tests truncate every table and publish their own
    copy (`published_demo`)."""
    with django_db_blocker.unblock(), demo_published_until_done():
        yield


@pytest.fixture
def published_demo(transactional_db):
    publish_demo()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner_a(db) -> Partner:
    return Partner.objects.create(name="Partner A")


@pytest.fixture
def partner_b(db) -> Partner:
    return Partner.objects.create(name="Partner B")


def client_for(partner: Partner) -> APIClient:
    _, raw = services.issue_token(partner=partner, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def api_a(partner_a) -> APIClient:
    return client_for(partner_a)


@pytest.fixture
def api_b(partner_b) -> APIClient:
    return client_for(partner_b)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def order_body(**overrides) -> dict:
    body = {
        "lines": [{"product": "nb14", "selections": NB14, "quantity": 2}],
        "reference": "PO-1",
    }
    body.update(overrides)
    return body


def place(client: APIClient, body: dict | None = None, key: str = "key-1"):
    return client.post(
        "/api/v1/orders/",
        order_body() if body is None else body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
