"""The shared cache with compose's settings (CACHE_URL on Redis) while Redis is away: the
API's rate limit keeps answering, per process, and says so in the log once rather than
per request; when Redis is back the counters go there again. And sends to a broker that
is down are logged, not raised: the order is committed either way.

Redis here is a real redis-server the test starts and stops (its own, so the run's broker
is untouched), or a port where nothing listens."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from django.core.cache import caches
from kombu.exceptions import OperationalError
from redis import Redis as RedisClient

from atelier import cache as shared_cache
from atelier import enqueue
from orders.models import Order
from production import replanning, tasks
from tests import servers
from tests.api.conftest import place
from tests.plugin_services import skip_unless_servers

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def fallback_cache(location: str, *, retry: float = 5) -> dict:
    return {
        "default": {
            "BACKEND": "atelier.cache.FallbackRedisCache",
            "LOCATION": location,
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "FALLBACK_RETRY_SECONDS": retry,
                "FALLBACK_LOG_SECONDS": 60,
            },
        }
    }


@pytest.fixture
def low_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "5/min", "user": "5/min"},
    }
    shared_cache.forget_outages()
    yield settings
    shared_cache.forget_outages()


@pytest.fixture
def own_redis(tmp_path):
    (tmp_path / "redis").mkdir()
    try:
        server = servers.start_redis(tmp_path / "redis")
    except servers.ServerUnavailable as exc:
        skip_unless_servers(str(exc))
    try:
        yield server
    finally:
        server.stop()


def cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "atelier.cache"]


def test_throttle_on_a_dead_cache_answers_and_limits_per_process(anon, low_rate, caplog):
    low_rate.CACHES = fallback_cache(f"redis://127.0.0.1:{servers.free_port()}/1")
    caplog.set_level(logging.WARNING)
    statuses = [anon.get("/api/v1/products/").status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    refused = anon.get("/api/v1/products/")
    assert refused["Content-Type"] == PROBLEM and int(refused["Retry-After"]) >= 1
    # One line for nine requests: the outage began (later calls skip Redis for 5 s).
    (line,) = cache_warnings(caplog)
    assert "unreachable" in line and "uses its own cache" in line


def test_orders_and_configure_answer_with_the_cache_down(api_a, anon, settings, caplog):
    settings.CACHES = fallback_cache(f"redis://127.0.0.1:{servers.free_port()}/1")
    shared_cache.forget_outages()
    configure = anon.post("/api/v1/products/nb14/configure", {"selections": {}}, format="json")
    assert configure.status_code == 200
    order = place(api_a)
    assert order.status_code == 201
    assert api_a.get(f"/api/v1/orders/{order.json()['id']}/").status_code == 200
    assert len(cache_warnings(caplog)) == 1


def test_the_counters_move_to_redis_and_back_around_an_outage(anon, low_rate, own_redis, caplog):
    location = f"redis://127.0.0.1:{own_redis.port}/1"
    low_rate.CACHES = fallback_cache(location, retry=0.5)
    redis = RedisClient.from_url(location)
    caplog.set_level(logging.WARNING)

    assert anon.get("/api/v1/products/").status_code == 200
    assert any(b"throttle_anon" in key for key in redis.keys("*"))  # counted in Redis

    own_redis.stop()
    down = [anon.get("/api/v1/products/").status_code for _ in range(6)]
    # The local window starts empty: 5 more fit, then the limit holds per process.
    assert down == [200] * 5 + [429]

    own_redis.start()
    time.sleep(0.6)  # past FALLBACK_RETRY_SECONDS: the next call tries Redis again
    redis = RedisClient.from_url(location)
    assert redis.keys("*") == []  # the test Redis keeps nothing across a restart
    assert anon.get("/api/v1/products/").status_code == 200
    assert any(b"throttle_anon" in key for key in redis.keys("*"))
    lines = cache_warnings(caplog)
    assert len(lines) == 2
    assert "unreachable" in lines[0] and "is back" in lines[1]


def test_a_cache_that_hangs_is_given_up_on(anon, low_rate):
    # A socket that accepts and never answers (a Redis that hangs, a dropped route): the
    # socket timeout (0.5 s in settings) gives up on it, the fallback answers, and the
    # calls in the retry interval do not try it again. Without the timeout this hangs.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        low_rate.CACHES = fallback_cache(f"redis://127.0.0.1:{silent.getsockname()[1]}/1")
        statuses = [anon.get("/api/v1/products/").status_code for _ in range(4)]
        outage = caches["default"].outage
    assert statuses == [200] * 4
    assert outage.down_until > 0 and outage.served_locally >= 3


# --- sends to a broker that is down -------------------------------------------------------


def test_every_send_after_commit_survives_a_broker_outage(
    api_a, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def unreachable(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.schedule_order, "delay", unreachable)
    monkeypatch.setattr(tasks.replan_task, "delay", unreachable)
    enqueue.failed_sends.reset()
    caplog.set_level(logging.WARNING)
    with django_capture_on_commit_callbacks(execute=True):
        first = place(api_a, key="a")
        second = place(api_a, key="b")
    with django_capture_on_commit_callbacks(execute=True):
        run = replanning.start_replan(requested_by="staff")
    assert first.status_code == second.status_code == 201
    assert Order.objects.filter(status="received").count() == 2
    assert run.status == "queued"
    # Three failed sends, one warning (then at most one a minute).
    lines = [r.getMessage() for r in caplog.records if r.name == "atelier.enqueue"]
    assert len(lines) == 1 and "broker unreachable" in lines[0]
