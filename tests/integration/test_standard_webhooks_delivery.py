"""Webhooks through the deployed path, verified by the partner's own tool: an order placed
on the run's PostgreSQL, a real Celery worker on its Redis scheduling it and POSTing the
`received` and `scheduled` events (the first attempt refused with a 503 and retried by the
sweep) to a receiver that checks each with the `standardwebhooks` package; a tampered
body and a replay with a stale timestamp are refused by the same package."""

from __future__ import annotations

import http.server
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from atelier.celery import app
from configurator.services import import_catalogue
from orders import tasks
from orders.models import Partner, WebhookDelivery, WebhookEndpoint
from orders.services import LineRequest, place_order
from tests.production import catalogue
from tests.reliability.receiver import signed_event
from tests.workers import database_url, start_workers, stop_workers

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Capturing:
    """Answers 503 to the first POST, 200 after; keeps every POST as it came."""

    def __init__(self):
        self.posts: list[tuple[dict[str, str], bytes]] = []
        capture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                capture.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(503 if len(capture.posts) == 1 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    capturing = Capturing()
    yield capturing
    capturing.close()


@pytest.fixture
def worker(redis_url, tmp_path):
    assert connection.vendor == "postgresql"
    app.control.purge()
    started = start_workers(
        1,
        database=database_url(connection.settings_dict),
        broker=redis_url,
        log_dir=tmp_path / "workers",
    )
    yield started
    stop_workers(started)
    app.control.purge()


def test_a_worker_delivers_webhooks_the_standardwebhooks_package_verifies(receiver, worker):
    import_catalogue(document=catalogue.document(timezone.localdate()), publish=True)
    partner = Partner.objects.create(name="Verifier")
    secret = WebhookEndpoint.objects.create(partner=partner, url=receiver.url).secret
    order = place_order(lines=[LineRequest("nb", catalogue.CPU_A, 1)], partner=partner)

    deadline = time.monotonic() + 60
    while WebhookDelivery.objects.filter(state="delivered").count() < 2:
        assert time.monotonic() < deadline, f"deliveries: {list(WebhookDelivery.objects.values())}"
        # beat's part: hand due retries (the 503'd one, after its 2 s back-off) to the worker
        tasks.sweep_webhook_deliveries()
        time.sleep(0.5)

    webhook = Webhook(secret)
    events = [webhook.verify(body, headers) for headers, body in receiver.posts]
    ids = [headers["webhook-id"] for headers, _ in receiver.posts]
    assert ids == [event["id"] for event in events]
    assert set(ids) == {f"{order.public_id}:received", f"{order.public_id}:scheduled"}
    # The refused first attempt and its retry: the same message id, each its own timestamp.
    assert len(ids) == 3 and ids.count(ids[0]) == 2
    retried = [(h, b) for h, b in receiver.posts if h["webhook-id"] == ids[0]]
    assert retried[0][1] == retried[1][1]
    assert all(signed_event(h, b, secret) is not None for h, b in receiver.posts)

    headers, body = receiver.posts[-1]
    tampered = body.replace(b'"total":"', b'"total":"9')  # a total ten times or more
    assert tampered != body
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        webhook.verify(tampered, headers)
    replayed = {**headers, "webhook-timestamp": str(int(time.time()) - 6 * 60)}
    with pytest.raises(WebhookVerificationError, match="too old"):
        webhook.verify(body, replayed)
