"""`make run`: the web server and a real Celery worker (with beat) together, supervised.

A child that exits is started again after a back-off (1, 2, 4 … s, at most 60 s; back
to 1 s once it has run for a minute), and the restart is logged: a worker that dies
must not take the shop down with it (issue 12: one kombu error in the worker used to
stop everything). Ctrl-C (or SIGTERM) stops both. On the embedded default the worker
uses the filesystem broker under var/broker, so nothing else needs to run.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand

log = logging.getLogger("atelier.serve")

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0
# A child that ran this long before it exited starts again with the first back-off.
STABLE_AFTER = 60.0


@dataclass
class Child:
    """One supervised process: its command, the running process, and when to restart it."""

    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        # Its own process group: when the worker's main process dies, its pool children
        # and embedded beat are ended with it (no second beat after the restart).
        self.process = subprocess.Popen(self.command, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def check(self, *, now: float) -> None:
        """Notice an exit and plan the restart; start it again once its time has come."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restarts += 1
                log.warning("serve: restarting %s (restart %d)", self.name, self.restarts)
                self.start()
            return
        if self.process is None or self.process.poll() is None:
            return
        _signal_group(self.process, signal.SIGKILL)  # whatever it left behind
        if now - self.started_at >= STABLE_AFTER:
            self.backoff = FIRST_BACKOFF
        log.error(
            "serve: %s exited with status %s after %.0f s; restarting it in %.0f s",
            self.name,
            self.process.returncode,
            now - self.started_at,
            self.backoff,
        )
        self.restart_at = now + self.backoff
        self.backoff = min(self.backoff * 2, MAX_BACKOFF)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)

    def wait(self, *, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # the group is gone already


class Command(BaseCommand):
    help = "Run the web server and a Celery worker together, restarting either if it exits (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("ATELIER_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, addr: str, concurrency: int, **options):
        # Logged where the children log: the terminal of `make run`.
        if not log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("[%(asctime)s: %(levelname)s] %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False
        children = [
            Child("celery", self._worker_command(concurrency)),
            Child("web", self._web_command(addr)),
        ]
        for child in children:
            child.start()
        base = f"http://{addr}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nAtelier is running:\n  shop      {base}/\n  admin     {base}/admin/\n"
                f"  API docs  {base}/api/v1/docs/\n  worker    celery (with beat), "
                f"broker {settings.CELERY_BROKER_URL.split('@')[-1]}\nCtrl-C stops both.\n"
            )
        )
        self.stdout.flush()
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                now = time.monotonic()
                for child in children:
                    child.check(now=now)
                time.sleep(0.2)
        finally:
            for child in children:
                child.stop()
            deadline = time.monotonic() + 10
            for child in children:
                child.wait(deadline=deadline)

    @staticmethod
    def _worker_command(concurrency: int) -> list[str]:
        schedule = os.path.join(settings.VAR_DIR, "celerybeat-schedule")
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "atelier",
            "worker",
            "-B",
            "-s",
            schedule,
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
        ]

    @staticmethod
    def _web_command(addr: str) -> list[str]:
        if settings.DEBUG:
            return [sys.executable, "manage.py", "runserver", addr, "--noreload"]
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "atelier.wsgi",
            "--config",
            "python:atelier.gunicorn_conf",
            "--bind",
            addr,
            "--access-logfile",
            "-",
            "--control-socket",
            os.path.join(settings.VAR_DIR, "gunicorn.ctl"),
        ]
