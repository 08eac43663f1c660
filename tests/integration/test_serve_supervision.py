"""`manage.py serve` supervises `make run`'s processes: a Celery worker killed with -9 is
started again (logged, after a back-off) while the web server goes on answering, and
the new worker schedules the orders."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import pytest

from tests.demo import NB14
from tests.integration.embedded import Serve, embedded_env, manage, partner_token

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ORDER = {"lines": [{"product": "nb14", "selections": NB14, "quantity": 1}]}


def test_a_killed_worker_is_restarted_and_the_web_server_keeps_answering(tmp_path):
    env = embedded_env(tmp_path / "var", ATELIER_SWEEP_SECONDS="5")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "bootstrap")
    token, _ = partner_token(env, name="Supervised")
    auth = {"Authorization": f"Token {token}"}
    serve = Serve.start(env, tmp_path / "serve.log")
    statuses: list[int] = []
    done = threading.Event()

    def keep_asking():
        while not done.is_set():
            statuses.append(serve.get("/api/v1/products/nb14/")[0])
            time.sleep(0.2)

    asker = threading.Thread(target=keep_asking)
    try:
        deadline = time.monotonic() + 30
        while (first := serve.worker_pid()) is None:
            assert time.monotonic() < deadline, "serve started no worker"
            time.sleep(0.2)
        asker.start()
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while (second := serve.worker_pid()) in (None, first):
            assert time.monotonic() < deadline, serve.log.read_text()[-3000:]
            time.sleep(0.2)
        status, order = serve.request(
            "POST", "/api/v1/orders/", ORDER, {**auth, "Idempotency-Key": str(uuid.uuid4())}
        )
        assert status == 201, order
        deadline = time.monotonic() + 90
        while (state := serve.get(f"/api/v1/orders/{order['id']}/", **auth)[1])[
            "status"
        ] != "scheduled":
            assert time.monotonic() < deadline, f"order still {state['status']}"
            time.sleep(1)
        assert state["promised_ship_date"]
    finally:
        done.set()
        if asker.is_alive():
            asker.join()
        output = serve.stop()
    assert second != first
    assert "serve: celery exited with status -9" in output
    assert "serve: restarting celery" in output
    # The web server answered throughout, before, during and after the restart.
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
