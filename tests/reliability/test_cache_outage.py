"""Redis goes away, as docker-compose.yml deploys it: one Redis that is both the broker
(CELERY_BROKER_URL, db 0) and the cache the API's rate limits count in (CACHE_URL, db 1).
While it is down, the partner API and the shop answer every call below 500 (errors as
problem+json), orders placed through both are committed, and once Redis is back the
sweep hands them to a real worker, which schedules them.

tests/api/test_cache_fallback.py checks the fallback cache itself (logging, per-process
limits, coming back); this test checks what a caller meets."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import Client
from redis import Redis as RedisClient
from rest_framework.test import APIClient

from atelier import cache as shared_cache
from atelier import enqueue
from configurator.services import import_catalogue
from orders import services
from orders.models import Order, Partner
from production import tasks
from tests.plugin_services import skip_unless_servers
from tests.reliability.conftest import (
    NB14,
    all_problems,
    over_booked,
    plentiful_catalogue,
    record,
    run_servers,
    sweep_until_settled,
)
from tests.shop.conftest import form_data

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

PROBLEM = "application/problem+json"


def compose_cache(redis_url: str) -> dict:
    """CACHES as atelier/settings.py builds it from compose's CACHE_URL (db 1)."""
    return {
        "default": {
            "BACKEND": "atelier.cache.FallbackRedisCache",
            "LOCATION": redis_url.rsplit("/", 1)[0] + "/1",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "FALLBACK_RETRY_SECONDS": 5,
                "FALLBACK_LOG_SECONDS": 60,
            },
        }
    }


@pytest.fixture
def compose_settings(settings, redis_url, monkeypatch):
    settings.CACHES = compose_cache(redis_url)
    shared_cache.forget_outages()
    enqueue.failed_sends.reset()
    # Beat's sweep re-sends orders `received` for 30 s; the test need not wait that long.
    monkeypatch.setattr(tasks, "SWEEP_AFTER", timedelta(seconds=2))
    yield settings
    shared_cache.forget_outages()


def test_shop_and_api_answer_while_redis_is_down_and_orders_are_scheduled_after(
    workers, compose_settings, caplog
):
    _, redis = run_servers()
    if redis is None:
        skip_unless_servers("this run did not start its own Redis, so it may not stop it")
    import_catalogue(document=plentiful_catalogue(), publish=True)
    workers.start(1)
    _, raw = services.issue_token(partner=Partner.objects.create(name="Outage"), name="t")
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    anon = APIClient()
    shopper = Client(raise_request_exception=False)
    partner.raise_request_exception = anon.raise_request_exception = False
    line = {"product": "nb14", "selections": NB14, "quantity": 1}

    # Before: the cache is Redis (its counters are there).
    assert anon.get("/api/v1/products/").status_code == 200
    assert any(k.startswith(b":1:throttle_anon_") for k in _redis_keys(compose_settings))

    answers: list[tuple[str, int, str]] = []

    def call(label: str, response, expected: int) -> dict | None:
        answers.append((label, response.status_code, response.get("Content-Type", "")))
        assert response.status_code == expected, (label, response.content[:400])
        if response.status_code >= 400:
            assert response["Content-Type"] == PROBLEM, label
        if "json" in response.get("Content-Type", ""):
            return response.json()
        return None

    caplog.set_level(logging.WARNING)
    redis.stop()
    try:
        call("products", anon.get("/api/v1/products/"), 200)
        call("product", anon.get("/api/v1/products/nb14/"), 200)
        call(
            "configure",
            anon.post("/api/v1/products/nb14/configure", {"selections": NB14}, format="json"),
            200,
        )
        call(
            "configure unknown field",
            anon.post("/api/v1/products/nb14/configure", {"colours": {}}, format="json"),
            422,
        )
        placed = []
        for i in range(3):
            body = call(
                "order",
                partner.post(
                    "/api/v1/orders/",
                    {"lines": [line], "reference": f"down-{i}"},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
                ),
                201,
            )
            placed.append(body["id"])
        call("order again", partner.get(f"/api/v1/orders/{placed[0]}/"), 200)
        call("orders", partner.get("/api/v1/orders/"), 200)
        call("order not there", partner.get(f"/api/v1/orders/{uuid.uuid4()}/"), 404)
        call("bad offset", partner.get("/api/v1/orders/", {"offset": "1" * 20}), 400)

        call("shop home", shopper.get("/"), 200)
        call("shop product", shopper.get("/p/nb14/"), 200)
        call("shop add", shopper.post("/p/nb14/", form_data(NB14, action="cart", quantity=1)), 302)
        call("shop cart", shopper.get("/cart/"), 200)
        checkout = {"name": "Ada", "email": "ada@example.com", "address": "1 Way"}
        call("shop checkout", shopper.post("/checkout/", checkout), 302)
        shop_order = Order.objects.get(partner=None)
        call("shop status", shopper.get(f"/orders/{shop_order.public_id}/"), 200)
    finally:
        redis.start()

    assert not [a for a in answers if a[1] >= 500]
    # Committed while the broker was down, and nothing has scheduled them yet.
    outage_orders = set(placed) | {str(shop_order.public_id)}
    assert Order.objects.filter(public_id__in=outage_orders, status="received").count() == 4

    # The outage was logged, but not once per request.
    cache_lines = [r for r in caplog.records if r.name == "atelier.cache"]
    send_lines = [r for r in caplog.records if r.name == "atelier.enqueue"]
    assert 1 <= len([r for r in cache_lines if "unreachable" in r.message]) <= 2
    assert len(send_lines) == 1  # 4 failed sends, one warning

    resent = sweep_until_settled(timeout=120, workers=workers)
    assert resent >= 4
    scheduled = Order.objects.filter(public_id__in=outage_orders, status="scheduled")
    assert scheduled.count() == 4
    assert all(o.promised_ship_date for o in scheduled)
    assert all_problems() == [] and over_booked() == 0
    assert all(w.alive for w in workers.started)
    # Redis is the cache again: the first call after the retry interval goes there.
    time.sleep(max(0.0, caches["default"].outage.down_until - time.monotonic()))
    anon.get("/api/v1/products/")
    assert any(r.name == "atelier.cache" and "is back" in r.message for r in caplog.records)
    record(
        "cache_outage",
        calls_while_down=len(answers),
        statuses=sorted({a[1] for a in answers}),
        five_xx=0,
        orders_committed_while_down=4,
        sweep_resent=resent,
        cache_warnings=len(cache_lines),
        enqueue_warnings=len(send_lines),
    )


def _redis_keys(settings) -> list[bytes]:
    return RedisClient.from_url(settings.CACHES["default"]["LOCATION"]).keys("*")
