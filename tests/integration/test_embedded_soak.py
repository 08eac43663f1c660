"""Soak of `make run`'s processes (`manage.py serve`: SQLite, the filesystem broker, a
worker with beat firing both sweeps every 5 s) under shop and API traffic with webhooks:
nothing crashes (serve restarts nothing), no answer is a 5xx, every order is scheduled
and every webhook delivered. ATELIER_SOAK_SECONDS sets the length: 180 s in the default
run (CI), 1800 s in `make proof`."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
import uuid
from collections import Counter

import pytest

from tests.demo import NB14
from tests.integration.embedded import Serve, embedded_env, manage, partner_token
from tests.media import DEMO_MEDIA
from tests.reliability.conftest import plentiful_catalogue, record
from tests.reliability.receiver import signed_event

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SOAK_SECONDS = float(os.environ.get("ATELIER_SOAK_SECONDS", "180"))


class Receiver(http.server.ThreadingHTTPServer):
    """The partner's webhook endpoint: checks each signature, answers 503 to one POST in
    five (so deliveries also go through the sweep's retries)."""

    def __init__(self):
        self.secret = ""
        self.valid: Counter[str] = Counter()
        self.invalid = 0
        self.posts = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts += 1
                if receiver.posts % 5 == 0:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                event = signed_event(self.headers, body, receiver.secret)
                if event is None:
                    receiver.invalid += 1
                else:
                    receiver.valid[event] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hooks"


def test_make_run_processes_run_under_traffic_without_a_crash(tmp_path):
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = embedded_env(
        tmp_path / "var", ATELIER_SWEEP_SECONDS="5", ATELIER_WEBHOOK_SWEEP_SECONDS="5"
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    # The demo catalogue with deep stock: every order can be built, so every one must be
    # scheduled (the demo's own stock would run out and cancel the later ones).
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps(plentiful_catalogue()))
    manage(env, "import_catalogue", str(catalogue), "--media", str(DEMO_MEDIA), "--publish")
    token, receiver.secret = partner_token(env, name="Soak", webhook_url=receiver.url)
    auth = {"Authorization": f"Token {token}"}
    serve = Serve.start(env, tmp_path / "serve.log")
    statuses: Counter[int] = Counter()
    orders: list[str] = []
    started = time.monotonic()
    try:
        i = 0
        while time.monotonic() - started < SOAK_SECONDS:
            i += 1
            # A shopper: the product list, a configure page and a click; a partner: an order.
            for path in ("/", "/api/v1/products/nb14/"):
                statuses[serve.get(path)[0]] += 1
            status, _ = serve.request(
                "POST", "/api/v1/products/nb14/configure", {"selections": NB14, "quantity": 1}
            )
            statuses[status] += 1
            status, body = serve.request(
                "POST",
                "/api/v1/orders/",
                {
                    "lines": [{"product": "nb14", "selections": NB14, "quantity": 1}],
                    "reference": f"soak-{i}",
                },
                {**auth, "Idempotency-Key": str(uuid.uuid4())},
            )
            statuses[status] += 1
            if status == 201:
                orders.append(body["id"])
            time.sleep(0.5)
        traffic_seconds = time.monotonic() - started

        def unscheduled() -> list[str]:
            return [
                o
                for o in orders
                if serve.get(f"/api/v1/orders/{o}/", **auth)[1]["status"] != "scheduled"
            ]

        deadline = time.monotonic() + 120
        while (left := unscheduled()) and time.monotonic() < deadline:
            time.sleep(5)
        # Every order's "received" and "scheduled" events each send one webhook.
        expected = {f"{o}:{status}" for o in orders for status in ("received", "scheduled")}
        deadline = time.monotonic() + 120
        while not expected <= set(receiver.valid) and time.monotonic() < deadline:
            time.sleep(2)
        alive = serve.process.poll() is None
    finally:
        output = serve.stop()
        receiver.shutdown()
        receiver.server_close()
    crashes = output.count("serve: celery exited") + output.count("serve: web exited")
    figures = record(
        "embedded_soak",
        configuration="embedded default (make run: SQLite, filesystem broker, serve)",
        seconds=round(traffic_seconds),
        requests=sum(statuses.values()),
        statuses=dict(statuses),
        orders=len(orders),
        not_scheduled=len(left),
        webhooks_delivered=len(receiver.valid),
        webhook_posts=receiver.posts,
        invalid_signatures=receiver.invalid,
        crashes=crashes,
        unrecoverable_errors=output.count("Unrecoverable error"),
    )
    assert alive and crashes == 0 and figures["unrecoverable_errors"] == 0, output[-4000:]
    assert not [s for s in statuses if s >= 500 or s == 0], statuses
    assert orders and left == []
    assert set(receiver.valid) == expected and receiver.invalid == 0
