"""Fixtures of the partner API tests: the demo catalogue (published once per session),
two partners with tokens, API clients, a complete configuration to order, and a partner's
webhook endpoint on loopback."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from configurator.services import import_catalogue
from orders import services, tasks
from orders.models import Order, Partner, WebhookEndpoint
from production import tasks as production_tasks
from tests.api.webhook_receiver import Receiver
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


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def endpoint(partner_a, receiver) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(partner=partner_a, url=receiver.url)
    receiver.secret = endpoint.secret
    return endpoint


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Deliveries handed to Celery (recorded, not sent); production's scheduling is off."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", sent.append)
    monkeypatch.setattr(production_tasks.schedule_order, "delay", lambda order_id: None)
    return sent


def place_with_callbacks(client, django_capture_on_commit_callbacks, key="key-1", **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        response = place(client, order_body(**overrides), key=key)
    assert response.status_code == 201, response.content
    return Order.objects.get(public_id=response.json()["id"])
