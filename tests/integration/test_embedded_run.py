"""`make run`'s embedded default, as a user meets it: SQLite, kombu's filesystem broker and
a real Celery worker started by `manage.py serve`, no server of any kind. An order placed
in the shop comes back scheduled with a promised ship date."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.integration.embedded import embedded_env, manage
from tests.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _order_state(env, public_id):
    script = (
        "from orders.models import Order; import json; "
        f"o = Order.objects.get(public_id='{public_id}'); "
        "print(json.dumps([o.status, str(o.promised_ship_date)]))"
    )
    return json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])


def test_make_run_serves_the_shop_and_its_worker_schedules_orders(tmp_path):
    env = embedded_env(
        tmp_path / "var",
        ATELIER_SWEEP_SECONDS="5",
        ATELIER_DEMO="1",  # as `make run` sets it
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    login = manage(env, "bootstrap")
    assert re.search(r"Staff login: admin / \S+", login)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--addr", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        deadline = time.monotonic() + 60
        while True:
            try:
                page = opener.open(base + "/api/v1/products/nb14/", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert json.loads(page)["code"] == "nb14"
        for path in ("/", "/admin/login/", "/api/v1/docs/"):
            assert opener.open(base + path, timeout=10).status == 200
        # The demo's pictures (loaded by bootstrap) are served by `make run` itself, with
        # a year's cache: no broken image on the shop's first page.
        shop = opener.open(base + "/", timeout=10).read().decode()
        pictures = re.findall(r'src="(/media/[^"]+)"', shop)
        assert len(pictures) == 3
        for src in pictures:
            picture = opener.open(base + src, timeout=10)
            assert picture.status == 200
            assert picture.headers["Content-Type"] == "image/svg+xml"
            assert picture.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        # Order the standard-configuration notebook through the API as a session user
        # would through the shop: the worker must schedule it.
        selections = json.loads((ROOT / "configurator/demo/catalogue.json").read_text())[
            "standard_products"
        ][0]["selections"]
        token_script = (
            "from orders.models import Partner; from orders.services import issue_token; "
            "p, _ = Partner.objects.get_or_create(name='Embedded'); "
            "print(issue_token(partner=p)[1])"
        )
        token = manage(env, "shell", "-c", token_script).strip().splitlines()[-1]
        body = json.dumps(
            {
                "lines": [{"product": "nb14", "selections": selections, "quantity": 1}],
                "reference": "embedded",
            }
        ).encode()
        request = urllib.request.Request(
            base + "/api/v1/orders/",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": "embedded-1",
            },
        )
        created = json.loads(opener.open(request, timeout=30).read())
        assert created["status"] == "received"
        deadline = time.monotonic() + 60
        while (state := _order_state(env, created["id"]))[0] != "scheduled":
            assert time.monotonic() < deadline, f"order still {state[0]} after 60 s"
            time.sleep(1)
        assert state[1] != "None"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
    assert "Atelier is running" in output
    assert f"http://127.0.0.1:{port}/admin/" in output
