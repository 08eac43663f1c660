"""`make run`'s processes for a test: `manage.py serve` on the embedded default (SQLite,
the filesystem broker under var/), in a var/ of the test's own, stopped by its PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of `make run`: none of the servers the test run points at."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    env.update(ATELIER_VAR_DIR=str(var_dir), DEBUG="false", **extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout


def partner_token(env: dict[str, str], *, name: str, webhook_url: str = "") -> tuple[str, str]:
    """(API token, webhook secret) of a new partner, with a webhook endpoint if given."""
    script = (
        "from orders.models import Partner, WebhookEndpoint; "
        "from orders.services import issue_token; "
        f"p, _ = Partner.objects.get_or_create(name={name!r}); "
        f"e = WebhookEndpoint.objects.create(partner=p, url={webhook_url!r}) "
        f"if {webhook_url!r} else None; "
        "print(issue_token(partner=p)[1], e.secret if e else '')"
    )
    token, _, secret = manage(env, "shell", "-c", script).strip().splitlines()[-1].partition(" ")
    return token, secret


@dataclass
class Serve:
    """A running `manage.py serve`; its output goes to `log`."""

    process: subprocess.Popen
    base: str
    log: Path

    @classmethod
    def start(cls, env: dict[str, str], log: Path) -> Serve:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        serve = cls(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + 90
        while serve.get("/api/v1/products/")[0] != 200:
            if time.monotonic() > deadline or process.poll() is not None:
                serve.stop()
                raise RuntimeError(f"serve did not answer:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)
        return serve

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict | str]:
        """(status, parsed JSON or text); 0 when the server could not be reached."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw, kind = response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            status, raw, kind = exc.code, exc.read(), exc.headers
        except OSError:
            return 0, ""
        if "json" in (kind.get("Content-Type") or ""):
            return status, json.loads(raw)
        return status, raw.decode(errors="replace")

    def get(self, path: str, **headers: str) -> tuple[int, dict | str]:
        return self.request("GET", path, headers=headers)

    def children(self) -> dict[int, str]:
        """PID → command line of serve's direct children."""
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == self.process.pid:
                found[int(entry.name)] = cmdline
        return found

    def worker_pid(self) -> int | None:
        return next((pid for pid, cmd in self.children().items() if " celery " in cmd), None)

    def stop(self) -> str:
        """Ctrl-C, as a user would; its output."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        return self.log.read_text()
