"""Webhooks through a broker outage: partners' endpoints with nothing listening, then
answering 503 (slowly: workers hold the messages, unacknowledged, as Redis goes away),
Redis stopped for 15 s meanwhile. No worker exits (kombu's restore of unacknowledged
messages used to kill them), and every webhook is delivered, signed, once the endpoint
recovers: the next attempts are rows in PostgreSQL and beat's sweep sends them."""

from __future__ import annotations

import time

import pytest

from configurator.services import import_catalogue
from orders.models import Order, Partner, WebhookDelivery, WebhookEndpoint
from orders.services import LineRequest, place_order
from tests.plugin_services import skip_unless_servers
from tests.reliability.conftest import (
    NB14,
    all_problems,
    plentiful_catalogue,
    record,
    run_servers,
    wait_for,
)
from tests.reliability.receiver import Receiver

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ORDERS = 12


def test_webhooks_outlive_a_dead_endpoint_and_a_redis_stop(workers):
    _, redis = run_servers()
    if redis is None:
        skip_unless_servers("this run did not start its own Redis, so it may not stop it")
    import_catalogue(document=plentiful_catalogue(), publish=True)
    partner = Partner.objects.create(name="Hooked")
    receiver = Receiver()  # nothing listens on its port yet
    receiver.secret = WebhookEndpoint.objects.create(partner=partner, url=receiver.url).secret
    pool = workers.start(2, loglevel="INFO")
    workers.start_beat(every=2)
    try:
        for i in range(ORDERS):
            place_order(
                lines=[LineRequest("nb14", NB14, 1)],
                reference=f"hook-{i}",
                actor="test",
                partner=partner,
            )
        wait_for(
            lambda: WebhookDelivery.objects.filter(attempts__gte=1).count() >= ORDERS,
            timeout=60,
            what="a first (refused) attempt of every webhook",
        )
        # The endpoint comes up answering 503, 3 s per answer: each worker is inside a
        # delivery, its message unacknowledged, when Redis stops.
        receiver.listen()
        receiver.fail_for(25, delay=3)
        wait_for(lambda: receiver.refused >= 2, timeout=60, what="the 503s to start")
        redis.stop()
        time.sleep(15)
        redis.start()
        back = time.monotonic()
        expected = {
            f"{public_id}:{status}"
            for public_id in Order.objects.values_list("public_id", flat=True)
            for status in ("received", "scheduled")
        }
        seconds = wait_for(
            lambda: (
                expected <= set(receiver.valid)
                and not WebhookDelivery.objects.exclude(state="delivered").exists()
            ),
            timeout=180,
            what="every webhook delivered",
            poll=1,
        )
    finally:
        receiver.close()
    logs = "\n".join(w.log.read_text() for w in pool)
    deliveries = WebhookDelivery.objects.all()
    figures = record(
        f"webhook_outage_{'redis_cache' if workers.cache else 'embedded_cache'}",
        orders=ORDERS,
        webhooks=deliveries.count(),
        delivered=deliveries.filter(state="delivered").count(),
        failed_for_good=deliveries.filter(state="failed").count(),
        attempts_max=max(deliveries.values_list("attempts", flat=True)),
        answers_503=receiver.refused,
        delivered_valid_signature=len(receiver.valid),
        delivered_twice=sum(1 for n in receiver.valid.values() if n > 1),
        invalid_signatures=receiver.invalid,
        seconds_after_redis_back=round(time.monotonic() - back, 1),
        seconds_waiting=round(seconds, 1),
        workers_alive=f"{sum(w.alive for w in pool)} of {len(pool)}",
        unrecoverable_errors=logs.count("Unrecoverable error"),
    )
    assert all(w.alive for w in pool), workers.errors()
    assert figures["unrecoverable_errors"] == 0
    assert figures["delivered"] == figures["webhooks"] == 2 * ORDERS
    assert set(receiver.valid) == expected and receiver.invalid == 0
    assert Order.objects.filter(status="scheduled").count() == ORDERS
    assert all_problems() == []
