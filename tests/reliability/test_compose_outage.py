"""The issue's "done when", in docker-compose.yml's configuration: PostgreSQL, Redis with
an append-only file and `noeviction` as broker and as cache (CACHE_URL), gunicorn with 2
workers, two Celery workers and one beat. 300 partner orders stream in over HTTP; one
Celery worker is killed with -9 (and started again, as compose's `restart:` would),
Redis stops for 15 s, and one partner's webhook endpoint answers 503 for 25 s.

Must hold: 0 orders lost, 0 duplicated, 0 over-booked, 0 responses >= 500, no Celery
worker exits but the killed one, every order scheduled or cancelled within 60 s after
Redis returns, every webhook delivered with a valid signature."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

import pytest
from django.db import connection

from configurator.services import import_catalogue
from orders import services
from orders.models import Order, OrderEvent, Partner, WebhookDelivery, WebhookEndpoint
from tests import servers
from tests.reliability.conftest import (
    NB14,
    ROOT,
    Workers,
    all_problems,
    over_booked,
    plentiful_catalogue,
    record,
    wait_for,
)
from tests.reliability.receiver import Receiver
from tests.workers import database_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ORDERS = 300
STREAMS = 3  # partner clients posting at once


@pytest.fixture
def compose_redis(tmp_path):
    """Redis as compose runs it: append-only, noeviction (its own, so the test may stop it)."""
    redis = servers.start_redis(tmp_path / "redis", appendonly=True)
    yield redis
    redis.stop()


@pytest.fixture
def stack(compose_redis, tmp_path):
    """gunicorn (2 workers), two Celery workers and beat on the test database and Redis."""
    assert connection.vendor == "postgresql", "the compose configuration runs on PostgreSQL"
    (tmp_path / "staticfiles").mkdir(exist_ok=True)
    pool = Workers(
        database=database_url(connection.settings_dict),
        broker=compose_redis.url,
        var_dir=tmp_path,
        cache=compose_redis.url.rpartition("/")[0] + "/1",
    )
    port = servers.free_port()
    web_log = (tmp_path / "gunicorn.log").open("w")
    web = subprocess.Popen(
        servers.gunicorn_command(port, workers=2),
        cwd=ROOT,
        env={**pool.env(), "DEBUG": "false", "HOME": str(tmp_path)},
        stdout=web_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/products/", timeout=2).read()
            break
        except urllib.error.HTTPError:
            break  # answering (503 until a catalogue is published)
        except OSError:
            assert time.monotonic() < deadline and web.poll() is None, "gunicorn did not start"
            time.sleep(0.3)
    try:
        yield pool, base
    finally:
        web.terminate()
        web.wait(20)
        pool.stop_all()


def post_order(base: str, token: str, i: int) -> tuple[int, dict | None, bool]:
    """(status, body, problem+json?) of one partner order; 0 when no answer came."""
    request = urllib.request.Request(
        base + "/api/v1/orders/",
        data=json.dumps(
            {
                "lines": [{"product": "nb14", "selections": NB14, "quantity": 1}],
                "reference": f"c-{i}",
            }
        ).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), True
    except urllib.error.HTTPError as exc:
        kind = exc.headers.get("Content-Type") or ""
        raw = exc.read()
        return exc.code, json.loads(raw) if "json" in kind else None, "problem+json" in kind
    except OSError:
        return 0, None, False


def test_compose_stack_survives_a_redis_stop_a_killed_worker_and_a_failing_endpoint(
    stack, compose_redis
):
    pool, base = stack
    import_catalogue(document=plentiful_catalogue(), publish=True)
    healthy, failing = Receiver(), Receiver()
    tokens = []
    for name, receiver in (("Steady", healthy), ("Flaky", failing)):
        partner = Partner.objects.create(name=name)
        endpoint = WebhookEndpoint.objects.create(partner=partner, url=receiver.url)
        receiver.secret = endpoint.secret
        receiver.listen()
        tokens.append(services.issue_token(partner=partner, name="t")[1])
    workers = pool.start(2, loglevel="INFO")
    pool.start_beat(every=5)

    answers: list[tuple[int, dict | None, bool, bool]] = []  # + sent while Redis was down
    redis_down = threading.Event()
    moments: dict[str, float] = {}

    def stream(k: int) -> None:
        for i in range(k, ORDERS, STREAMS):
            status, body, problem = post_order(base, tokens[i % 2], i)
            answers.append((status, body, problem, redis_down.is_set()))
            time.sleep(0.3)

    streams = [threading.Thread(target=stream, args=(k,)) for k in range(STREAMS)]
    started = time.monotonic()
    for thread in streams:
        thread.start()
    try:
        time.sleep(5)
        failing.fail_for(25)
        time.sleep(3)
        victim = workers[0]
        pool.kill(victim)  # kill -9, with its prefork child
        time.sleep(2)
        replacement = pool.start(1, loglevel="INFO")[0]  # compose's `restart: unless-stopped`
        compose_redis.stop()
        redis_down.set()
        time.sleep(15)
        compose_redis.start()
        redis_down.clear()
        moments["back"] = time.monotonic()
    finally:
        for thread in streams:
            thread.join()
    streamed_in = time.monotonic() - started

    def settled() -> bool:
        return not Order.objects.filter(status="received").exists()

    settle_seconds = wait_for(settled, timeout=180, what="every order scheduled or cancelled")
    settled_after_back = time.monotonic() - moments["back"]
    expected = {
        receiver: {
            f"{public_id}:{status}"
            for public_id, status in OrderEvent.objects.filter(
                order__partner__name=name
            ).values_list("order__public_id", "status")
        }
        for name, receiver in (("Steady", healthy), ("Flaky", failing))
    }
    wait_for(
        lambda: (
            all(expected[r] <= set(r.valid) for r in expected)
            and not WebhookDelivery.objects.exclude(state="delivered").exists()
        ),
        timeout=180,
        what="every webhook delivered",
        poll=1,
    )
    for receiver in expected:
        receiver.close()

    accepted = [a for a in answers if a[0] == 201]
    kept = set(Order.objects.values_list("public_id", flat=True))
    scheduled = Order.objects.filter(status="scheduled").count()
    survivors = [w for w in pool.started if w is not victim]
    logs = "\n".join(w.log.read_text() for w in pool.started)
    statuses = Counter(a[0] for a in answers)
    figures = record(
        "compose_outage",
        configuration="compose: PostgreSQL, Redis (AOF, noeviction) as broker and CACHE_URL, "
        "gunicorn 2 workers, 2 Celery workers + beat",
        orders_streamed=len(answers),
        statuses=dict(statuses),
        sent_while_redis_down=sum(1 for a in answers if a[3]),
        responses_5xx=sum(n for s, n in statuses.items() if s >= 500),
        no_answer=statuses.get(0, 0),
        non_problem_errors=sum(1 for a in answers if a[0] >= 400 and not a[2]),
        accepted_201=len(accepted),
        orders_in_database=len(kept),
        lost=sum(1 for a in accepted if uuid.UUID(a[1]["id"]) not in kept),
        duplicated=OrderEvent.objects.filter(status="scheduled").count() - scheduled,
        over_booked_components=over_booked(),
        scheduled=scheduled,
        cancelled=Order.objects.filter(status="cancelled").count(),
        settled_seconds_after_redis_back=round(settled_after_back, 1),
        webhooks=WebhookDelivery.objects.count(),
        webhooks_delivered=WebhookDelivery.objects.filter(state="delivered").count(),
        webhook_503s=failing.refused,
        invalid_signatures=healthy.invalid + failing.invalid,
        workers_exited_besides_the_killed_one=sum(1 for w in survivors if not w.alive),
        unrecoverable_errors=logs.count("Unrecoverable error"),
        seconds_streaming=round(streamed_in, 1),
        seconds_to_settle=round(settle_seconds, 1),
    )
    assert figures["responses_5xx"] == 0 and figures["no_answer"] == 0, statuses
    assert figures["non_problem_errors"] == 0
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert figures["orders_in_database"] == len(accepted)
    assert figures["over_booked_components"] == 0
    assert figures["workers_exited_besides_the_killed_one"] == 0, pool.errors()
    assert figures["unrecoverable_errors"] == 0
    assert settled_after_back <= 60
    assert figures["webhooks_delivered"] == figures["webhooks"] > 0
    assert figures["invalid_signatures"] == 0
    assert replacement.alive
    assert all_problems() == []
