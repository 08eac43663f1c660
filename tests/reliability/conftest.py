"""Fault tests on real servers: real Celery worker processes (each in its own process
group, so `kill -9` takes the prefork child with it) on the run's PostgreSQL and Redis,
the sweep called as beat would call it, and the checks every test ends with.

Figures of each run are written to $ATELIER_VAR_DIR/reliability/<test>.json (and printed)
for docs/reliability.md.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.db.models import Count
from redis.exceptions import ConnectionError as RedisConnectionError

from atelier.celery import app
from atelier.settings import caches
from orders.models import Order, OrderEvent, OrderLine
from production import tasks
from production.models import Component, PlanEntry, Reservation
from tests import plugin_services, servers
from tests.demo import NB14, demo_document  # noqa: F401
from tests.production.plan_checks import plan_problems
from tests.workers import database_url, worker_command, worker_env

ROOT = Path(__file__).resolve().parents[2]


def plentiful_catalogue(**stock: int) -> dict:
    """The demo catalogue with every component in deep stock (so every order can be
    built), except `stock` ({sku: n}), which also gets no supply to come."""
    document = copy.deepcopy(demo_document())
    for component in document["components"]:
        if component["sku"] in stock:
            component["stock"] = stock[component["sku"]]
            component["supply"] = []
        else:
            component["stock"] = 1_000_000
    return document


# --- worker processes ---------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path
    application_name: str

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def holds_plan_lock(self) -> bool:
        """Whether one of its database sessions holds the plan-shard advisory lock, i.e.
        it is inside a scheduling transaction right now."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = %s",
                [self.application_name],
            )
            return cursor.fetchone()[0] > 0


@dataclass
class Workers:
    """Celery workers of this test, on its database and the run's broker."""

    database: str
    broker: str
    var_dir: Path
    cache: str = ""
    started: list[Worker] = field(default_factory=list)
    beats: list[subprocess.Popen] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        extra = {"ATELIER_VAR_DIR": str(self.var_dir)}
        if self.cache:
            extra["CACHE_URL"] = self.cache  # as docker-compose.yml sets it
        return worker_env(database=self.database, broker=self.broker, **extra)

    def start_beat(self, *, every: int = 5) -> subprocess.Popen:
        """One `celery beat`, as compose runs it, with both sweeps every `every` s."""
        env = {
            **self.env(),
            "ATELIER_SWEEP_SECONDS": str(every),
            "ATELIER_WEBHOOK_SWEEP_SECONDS": str(every),
        }
        beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "atelier",
                "beat",
                "--loglevel",
                "INFO",
                "-s",
                str(self.var_dir / "celerybeat-schedule"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(self.var_dir / f"beat{len(self.beats)}.log").open("w"),
            start_new_session=True,
        )
        self.beats.append(beat)
        return beat

    def start(self, count: int = 1, *, loglevel: str = "WARNING") -> list[Worker]:
        env = self.env()
        new = []
        for _ in range(count):
            i = len(self.started)
            log = self.var_dir / f"w{i}.log"
            node = f"w{i}-{os.getpid()}@{socket.gethostname()}"
            # Its database sessions carry its name, so a test can see what it holds.
            env["DATABASE_URL"] = f"{self.database}?application_name=atelier-w{i}"
            process = subprocess.Popen(
                worker_command(node, loglevel=loglevel),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
                start_new_session=True,  # its own process group: kill -9 takes the child too
            )
            worker = Worker(node, process, log, f"atelier-w{i}")
            self.started.append(worker)
            new.append(worker)
        self._wait_ready(new)
        return new

    def _wait_ready(self, workers: list[Worker], timeout: float = 60) -> None:
        # At log level WARNING a worker does not say "ready": ask it over its broker.
        deadline = time.monotonic() + timeout
        for worker in workers:
            while " ready." not in worker.log.read_text() and not self._answers(worker):
                if not worker.alive or time.monotonic() > deadline:
                    self.stop_all()
                    raise RuntimeError(f"{worker.name} did not start:\n{worker.log.read_text()}")

    def _answers(self, worker: Worker) -> bool:
        # A probe of its own each time: the app's pooled connections may have died with
        # an earlier test's Redis stop.
        probe = Celery(broker=self.broker, set_as_current=False)
        try:
            return bool(probe.control.ping(destination=[worker.name], timeout=0.5))
        except (OSError, RedisConnectionError):
            return False
        finally:
            probe.close()

    def kill(self, worker: Worker) -> None:
        """kill -9 the worker and its prefork child, as a machine failure would."""
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)

    def stop_all(self, timeout: float = 20) -> None:
        for beat in self.beats:
            if beat.poll() is None:
                os.killpg(beat.pid, signal.SIGTERM)
                beat.wait(10)
        for worker in self.started:
            if worker.alive:
                os.killpg(worker.process.pid, signal.SIGTERM)  # warm shutdown
        deadline = time.monotonic() + timeout
        for worker in self.started:
            try:
                worker.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait(5)

    def errors(self) -> str:
        """What the workers logged at ERROR or worse (tracebacks included)."""
        return "\n".join(
            f"--- {w.name}\n{w.log.read_text()}"
            for w in self.started
            if "ERROR" in w.log.read_text() or "CRITICAL" in w.log.read_text()
        )


@pytest.fixture(params=["embedded", "redis"], ids=["embedded-cache", "redis-cache"])
def cache_url(request, redis_url, settings) -> str:
    """The cache of this run: in-process (the embedded default), or CACHE_URL on Redis as
    docker-compose.yml sets it (for this process, and for the workers it starts)."""
    if request.param == "embedded":
        return ""
    url = redis_url.rpartition("/")[0] + "/1"
    settings.CACHES = caches(url)  # exactly what atelier.settings makes of CACHE_URL
    return url


@pytest.fixture
def workers(redis_url, cache_url, tmp_path) -> Workers:
    assert connection.vendor == "postgresql", "fault tests need the run's PostgreSQL"
    app.control.purge()  # messages earlier tests left in the queue
    pool = Workers(
        database=database_url(connection.settings_dict),
        broker=redis_url,
        var_dir=tmp_path,
        cache=cache_url,
    )
    (tmp_path / "staticfiles").mkdir(exist_ok=True)
    try:
        yield pool
    finally:
        pool.stop_all()
        app.control.purge()


def run_servers() -> tuple[servers.Postgres | None, servers.Redis | None]:
    """The PostgreSQL and Redis this test run started (None when it did not start them)."""
    pg = next((s for s in plugin_services._started if isinstance(s, servers.Postgres)), None)
    redis = next((s for s in plugin_services._started if isinstance(s, servers.Redis)), None)
    if pg is None and os.environ.get("ATELIER_TEST_PG_ROOT"):
        pg = servers.Postgres(
            root=Path(os.environ["ATELIER_TEST_PG_ROOT"]),
            port=int(os.environ["ATELIER_TEST_PG_PORT"]),
        )
    return pg, redis


# --- waiting and sweeping -----------------------------------------------------------------


def count(status: str) -> int:
    return Order.objects.filter(status=status).count()


def wait_for(predicate, *, timeout: float, what: str, poll: float = 0.2) -> float:
    """Seconds it took `predicate()` to become true; fails the test after `timeout`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)
    return time.monotonic() - start


def sweep_until_settled(*, timeout: float, workers: Workers | None = None) -> int:
    """Call the sweep, as beat would every ATELIER_SWEEP_SECONDS, until no order is left
    `received`; returns how many times it re-sent an order. The sweep only re-sends orders
    older than production.tasks.SWEEP_AFTER, so this can take that long."""
    resent = 0
    start = time.monotonic()
    while Order.objects.filter(status="received").exists():
        if time.monotonic() - start > timeout:
            left = count("received")
            logs = workers.errors()[-4000:] if workers else ""
            pytest.fail(f"{left} orders still received after {timeout:.0f} s\n{logs}")
        resent += tasks.sweep_received_orders()
        time.sleep(2)
    return resent


# --- what must hold at the end ------------------------------------------------------------


def order_problems() -> list[str]:
    """Per order: scheduled exactly once; a scheduled order has its plan entries and every
    part of its bill of materials reserved, nothing more; any other order holds nothing."""
    problems = []
    events = dict(
        OrderEvent.objects.filter(status="scheduled")
        .values("order_id")
        .annotate(n=Count("id"))
        .values_list("order_id", "n")
    )
    entries = set(PlanEntry.objects.values_list("order_id", flat=True).distinct())
    held: dict[tuple[int, str], int] = defaultdict(int)
    for line_id, sku, quantity in Reservation.objects.values_list(
        "order_line_id", "component__sku", "quantity"
    ):
        held[(line_id, sku)] += quantity
    wanted: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    for line in OrderLine.objects.filter(standard_sku=""):
        for sku, per_unit in (line.bom or {}).items():
            wanted[line.order_id][(line.pk, sku)] = int(per_unit) * line.quantity
    line_order = dict(OrderLine.objects.values_list("pk", "order_id"))
    held_by_order: dict[int, dict] = defaultdict(dict)
    for (line_id, sku), quantity in held.items():
        held_by_order[line_order[line_id]][(line_id, sku)] = quantity
    for order_id, status in Order.objects.values_list("pk", "status"):
        scheduled_events = events.get(order_id, 0)
        if status == "scheduled":
            if scheduled_events != 1:
                problems.append(f"order {order_id}: {scheduled_events} scheduled events")
            if order_id not in entries:
                problems.append(f"order {order_id}: scheduled without plan entries")
            if held_by_order.get(order_id, {}) != wanted.get(order_id, {}):
                problems.append(f"order {order_id}: reservations differ from its parts")
        else:
            if scheduled_events and status == "received":
                problems.append(f"order {order_id}: received but has a scheduled event")
            if order_id in entries:
                problems.append(f"order {order_id}: {status} but holds plan entries")
            if order_id in held_by_order:
                problems.append(f"order {order_id}: {status} but holds reservations")
    return problems


def over_booked() -> int:
    """Components reserved beyond stock (the CheckConstraint should make this 0)."""
    return sum(1 for c in Component.objects.all() if not 0 <= c.reserved <= c.stock)


def all_problems() -> list[str]:
    return order_problems() + plan_problems()


def record(name: str, **figures) -> dict:
    """Keep a run's figures for docs/reliability.md."""
    out = Path(settings.VAR_DIR) / "reliability"
    out.mkdir(parents=True, exist_ok=True)
    figures = {"test": name, "at": time.strftime("%Y-%m-%d %H:%M:%S"), **figures}
    (out / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(f"\n{name}: {json.dumps(figures, default=str)}")
    return figures


def orders_to_place(default: int) -> int:
    """ATELIER_RELIABILITY_ORDERS overrides the number of orders of the load tests."""
    return int(os.environ.get("ATELIER_RELIABILITY_ORDERS", default))
