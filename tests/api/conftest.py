"""Fixtures of the partner API tests: the demo catalogue (published once per session),
two partners with tokens, API clients, and a complete configuration to order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError, RestrictedError
from rest_framework.test import APIClient

from configurator.services import import_catalogue
from orders import services
from orders.models import Partner

DEMO = Path(__file__).resolve().parents[2] / "configurator" / "demo" / "catalogue.json"

# The demo Notebook 14's defaults with 32 GB: complete, valid, not a standard product.
NB14 = {
    "cpu": ["u5"],
    "memory": ["32gb"],
    "storage": ["512gb"],
    "display": ["fhd"],
    "graphics": ["integrated"],
    "battery": ["54wh"],
    "adapter": ["65w"],
    "keyboard": ["std-de"],
    "os": ["win11home"],
    "colour": ["platinum"],
    "warranty": ["1y"],
}


def demo_document() -> dict:
    return json.loads(DEMO.read_text())


def publish_demo() -> None:
    import_catalogue(document=demo_document(), publish=True)


@pytest.fixture(scope="package", autouse=True)
def _demo_catalogue(django_db_setup, django_db_blocker):
    """The demo catalogue, published once for this package's (rolled back) DB tests.

    Removed again when the package is done, so tests elsewhere still start from an empty
    catalogue. Transactional tests truncate every table and publish their own copy
    (`published_demo`).
    """
    with django_db_blocker.unblock():
        watermarks = _watermarks()
        publish_demo()
    yield
    with django_db_blocker.unblock():
        _delete_created_since(watermarks)


def _watermarks() -> dict:
    models = [
        m
        for label in ("orders", "production", "configurator")
        for m in apps.get_app_config(label).get_models()
    ]
    return {m: m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in models}


def _delete_created_since(watermarks: dict) -> None:
    pending = list(watermarks.items())
    for _ in range(len(pending)):  # PROTECTed rows go once what points at them is gone
        blocked = []
        for model, top in pending:
            try:
                with transaction.atomic():
                    model.objects.filter(pk__gt=top).delete()
            except (ProtectedError, RestrictedError, IntegrityError):
                blocked.append((model, top))
        if not blocked:
            return
        pending = blocked


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
