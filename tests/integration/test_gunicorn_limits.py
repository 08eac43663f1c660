"""Over-long URLs through gunicorn, configured as serve, the Dockerfile and compose run it
(`--config python:atelier.gunicorn_conf`): a URL gunicorn's default would have refused
with its HTML page reaches Django; past ATELIER_MAX_URL_BYTES Django answers a 414
problem; past gunicorn's own ceiling gunicorn answers, also as problem+json. And the
connection stays open between requests (threads with keep-alive), without an idle
connection, kept alive or newly opened, holding up anyone else's request."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.servers import free_port, gunicorn_command

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    var = tmp_path_factory.mktemp("gunicorn")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    env.update(ATELIER_VAR_DIR=str(var), DEBUG="false", HOME=str(var))
    port = free_port()
    process = subprocess.Popen(
        gunicorn_command(port, workers=1, options=("--control-socket", str(var / "gunicorn.ctl"))),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(var / "gunicorn.log").open("w"),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/api/v1/nothing")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((var / "gunicorn.log").read_text()) from None
                time.sleep(0.3)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def get(port: int, target: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_urls_longer_than_gunicorns_default_reach_django(gunicorn):
    status, content_type, body = get(gunicorn, "/api/v1/nothing?q=" + "x" * 6000)
    assert (status, content_type) == (404, "application/problem+json")
    assert json.loads(body)["type"].endswith("/not-found")


def test_urls_past_the_django_limit_are_414_problems(gunicorn):
    status, content_type, body = get(gunicorn, "/api/v1/products/?q=" + "x" * 8100)
    assert (status, content_type) == (414, "application/problem+json")
    assert json.loads(body)["limit"] == 8000


@pytest.mark.parametrize("length", [9000, 100_000])
def test_urls_past_gunicorns_ceiling_are_414_problems_too(gunicorn, length):
    status, content_type, body = get(gunicorn, "/api/v1/products/?q=" + "x" * length)
    assert (status, content_type) == (414, "application/problem+json")
    problem = json.loads(body)
    assert problem["status"] == 414 and problem["type"].endswith("/uri-too-long")
    assert "limit" not in problem  # gunicorn's answer (atelier.gunicorn_conf), not Django's


def test_gunicorns_other_refusals_are_problems(gunicorn):
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=20)
    try:
        connection.putrequest("GET", "/api/v1/products/")
        connection.putheader("X-Big", "y" * 20_000)  # past limit_request_field_size
        connection.endheaders()
        response = connection.getresponse()
        status, content_type = response.status, response.getheader("Content-Type")
        body = json.loads(response.read())
    finally:
        connection.close()
    assert status in (400, 431) and content_type == "application/problem+json"
    assert body["status"] == status


def test_the_connection_stays_open_between_requests(gunicorn):
    # The configure page's clicks reuse the browser's connection instead of connecting
    # anew each time (issue 15): the same socket answers one request after another.
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=20)
    try:
        sockets = []
        for _ in range(3):
            connection.request("GET", "/api/v1/nothing")
            response = connection.getresponse()
            response.read()
            assert response.status == 404
            assert not response.will_close, response.getheaders()
            sockets.append(connection.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)

        # While that connection sits idle and open, another client is answered at once by
        # the same single worker: an idle connection waits in the poller, not in a thread.
        started = time.monotonic()
        status, _, _ = get(gunicorn, "/api/v1/nothing")
        assert status == 404
        assert time.monotonic() - started < 5
    finally:
        connection.close()


def test_a_connection_opened_and_not_used_does_not_hold_up_others(gunicorn):
    # Browsers open a spare connection ahead of need and may send nothing on it for a
    # while. gthread hands a new connection to a thread, which waits up to 5 s for its
    # first bytes: with one thread per worker that wait held up every other request of the
    # worker (atelier/gunicorn_conf.py, threads). The worker here is the only one.
    spare = socket.create_connection(("127.0.0.1", gunicorn), timeout=20)
    try:
        time.sleep(0.3)  # accepted and handed to a thread by now
        started = time.monotonic()
        status, _, _ = get(gunicorn, "/api/v1/nothing")
        assert status == 404
        assert time.monotonic() - started < 4  # held up, it waits out the 5 s
    finally:
        spare.close()
