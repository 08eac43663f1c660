"""Redis stops for 10 s while partners place orders through the API: every order is
answered 201 (kept in PostgreSQL, the source of truth) or refused with a clear problem,
none is lost, and all are scheduled once the broker is back and the sweep has re-sent
what the outage swallowed (Redis here keeps no data across a restart, so the messages
queued before it are gone too)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from configurator.services import import_catalogue
from orders import services
from orders.models import Order, OrderEvent, Partner
from tests.plugin_services import skip_unless_servers
from tests.reliability.conftest import (
    NB14,
    all_problems,
    count,
    over_booked,
    plentiful_catalogue,
    record,
    run_servers,
    sweep_until_settled,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


# 10 s as the issue asks; 25 s outlasts the 2 + 4 + 6 s a worker once retried before it
# exited for good (CELERY_BROKER_CONNECTION_MAX_RETRIES was 3).
@pytest.mark.parametrize("outage_seconds", [10, 25])
def test_orders_placed_while_redis_is_down_are_kept_and_scheduled_later(workers, outage_seconds):
    _, redis = run_servers()
    if redis is None:
        skip_unless_servers("this run did not start its own Redis, so it may not stop it")
    import_catalogue(document=plentiful_catalogue(), publish=True)
    pool = workers.start(2)
    _, raw = services.issue_token(partner=Partner.objects.create(name="Outage"), name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    body = {"lines": [{"product": "nb14", "selections": NB14, "quantity": 1}]}

    down, back = threading.Event(), threading.Event()
    moments: dict[str, object] = {}

    def outage():
        time.sleep(3)
        redis.stop()
        down.set()
        time.sleep(outage_seconds)
        redis.start()
        moments["back"] = timezone.now()
        down.clear()
        back.set()

    answers: list[tuple[int, bool, float, dict]] = []
    breaker = threading.Thread(target=outage)
    breaker.start()
    try:
        # Orders stop when Redis is back: then no later message carries the outage's
        # orders along in a worker's batch, and only the sweep can bring them in.
        while not back.is_set():
            during = down.is_set()
            sent = time.monotonic()
            response = client.post(
                "/api/v1/orders/",
                {**body, "reference": f"outage-{len(answers)}"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            )
            answers.append((response.status_code, during, time.monotonic() - sent, response.json()))
    finally:
        breaker.join()
    workers_alive_after_outage = sum(w.alive for w in pool)

    resent = sweep_until_settled(timeout=150, workers=workers)

    outage_ids = [uuid.UUID(a[3]["id"]) for a in answers if a[1] and a[0] == 201]
    scheduled_at = OrderEvent.objects.filter(
        status="scheduled", order__public_id__in=outage_ids
    ).values_list("at", flat=True)
    accepted = [a for a in answers if a[0] == 201]
    refused = [a for a in answers if a[0] != 201]
    kept = set(Order.objects.values_list("public_id", flat=True))
    lost = [a for a in accepted if uuid.UUID(a[3]["id"]) not in kept]
    figures = record(
        f"broker_outage_{outage_seconds}s",
        outage_seconds=outage_seconds,
        requests_sent=len(answers),
        sent_while_redis_down=sum(1 for a in answers if a[1]),
        accepted_201=len(accepted),
        refused=len(refused),
        refused_statuses=sorted({a[0] for a in refused}),
        server_errors_5xx=sum(1 for a in answers if a[0] >= 500 and a[0] != 503),
        lost=len(lost),
        scheduled=count("scheduled"),
        duplicated=OrderEvent.objects.filter(status="scheduled").count() - count("scheduled"),
        over_booked_components=over_booked(),
        resent_by_sweep=resent,
        outage_orders_scheduled_s_after_redis_back=[
            round((min(scheduled_at) - moments["back"]).total_seconds(), 1),
            round((max(scheduled_at) - moments["back"]).total_seconds(), 1),
        ],
        slowest_answer_while_down_s=round(max((a[2] for a in answers if a[1]), default=0), 2),
        slowest_answer_s=round(max(a[2] for a in answers), 2),
        workers_alive_after_outage=f"{workers_alive_after_outage} of {len(pool)}",
    )
    assert figures["sent_while_redis_down"] > 0
    assert figures["server_errors_5xx"] == 0
    for status, _, _, problem in refused:
        assert status == 503 and problem["title"], problem
    assert figures["lost"] == 0 and len(kept) == len(accepted)
    assert count("scheduled") == len(accepted)
    assert figures["duplicated"] == 0 and figures["over_booked_components"] == 0
    assert all_problems() == []
