"""Real Celery worker processes (prefork) on the test run's PostgreSQL and Redis schedule
orders placed through orders.services.place_order: each order exactly once, capacity
and stock never over-booked, also with four workers racing on scarce parts."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from atelier.celery import app
from configurator.services import import_catalogue
from orders.models import Order, OrderEvent
from orders.services import LineRequest, place_order
from tests.production import catalogue
from tests.production.plan_checks import plan_problems
from tests.workers import database_url, start_workers, stop_workers

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def scarce_catalogue(today) -> dict:
    """Little stock on hand, the rest in batches to come; assembly fits two a day."""
    document = catalogue.document(today, cpu_a_stock=40, cpu_a_batch=300, batch_in_days=10)
    document["components"][0]["supply"].append(
        {"quantity": 300, "available_on": (today + timedelta(days=30)).isoformat()}
    )
    document["components"][1].update(
        stock=15,
        supply=[{"quantity": 300, "available_on": (today + timedelta(days=5)).isoformat()}],
    )
    return document


def wait_until_none_received(orders: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while Order.objects.filter(status="received").exists():
        if time.monotonic() > deadline:
            left = Order.objects.filter(status="received").count()
            pytest.fail(f"{left} of {orders} orders still received after {timeout:.0f} s")
        time.sleep(0.25)


@pytest.fixture
def workers(redis_url, tmp_path):
    """start(n) -> the worker processes, on this test's database; all stopped afterwards."""
    assert connection.vendor == "postgresql"
    app.control.purge()  # whatever earlier tests left in the queue
    started = []

    def start(count: int):
        started.extend(
            start_workers(
                count,
                database=database_url(connection.settings_dict),
                broker=redis_url,
                log_dir=tmp_path / f"workers-{len(started)}",
            )
        )
        return started

    try:
        yield start
    finally:
        stop_workers(started)


def test_a_worker_schedules_orders_placed_in_the_shop(workers):
    today = timezone.localdate()
    import_catalogue(document=catalogue.document(today), publish=True)
    workers(1)

    orders = [
        place_order(lines=[LineRequest("nb", catalogue.CPU_A, 1)]),
        place_order(lines=[LineRequest("nb", catalogue.CPU_B, 1)]),
        place_order(lines=[LineRequest("nb", catalogue.CPU_B, 5)]),  # only 2 CPU-B exist
    ]

    wait_until_none_received(len(orders), timeout=30)
    statuses = [Order.objects.get(pk=o.pk).status for o in orders]
    assert statuses == ["scheduled", "scheduled", "cancelled"]
    assert Order.objects.get(pk=orders[0].pk).promised_ship_date > today
    assert "CPU-B" in OrderEvent.objects.get(order=orders[2], status="cancelled").note
    assert plan_problems() == []


def test_a_worker_keeps_its_database_connection_between_tasks(workers):
    # Celery's Django fixup closes it around every task unless CELERY_DB_REUSE_MAX is set:
    # a new PostgreSQL backend per task, which cost the planner two thirds of its rate.
    today = timezone.localdate()
    import_catalogue(document=catalogue.document(today), publish=True)
    workers(1)

    def others() -> dict[int, object]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, backend_start FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return dict(cursor.fetchall())

    place_order(lines=[LineRequest("nb", catalogue.CPU_A, 1)])
    wait_until_none_received(1, timeout=30)
    first = others()
    for _ in range(5):
        place_order(lines=[LineRequest("nb", catalogue.CPU_A, 1)])
        wait_until_none_received(1, timeout=30)
    assert Order.objects.filter(status="scheduled").count() == 6
    kept = {pid: start for pid, start in others().items() if first.get(pid) == start}
    assert kept, "the worker opened a new database connection for its later tasks"


def test_four_workers_schedule_500_orders_on_scarce_parts_exactly_once(workers):
    today = timezone.localdate()
    import_catalogue(document=scarce_catalogue(today), publish=True)
    workers(4)
    rng = random.Random(7)

    for i in range(500):
        selections = catalogue.CPU_A if rng.random() < 0.6 else catalogue.CPU_B
        place_order(
            lines=[LineRequest("nb", selections, rng.choice([1, 1, 1, 2]))],
            priority=1 if i % 25 == 0 else 0,
            reference=f"load-{i}",
        )

    wait_until_none_received(500, timeout=120)
    assert Order.objects.filter(status="scheduled").count() == 500
    assert OrderEvent.objects.filter(status="scheduled").count() == 500
    assert plan_problems() == []
    promised = Order.objects.order_by("promised_ship_date").values_list(
        "promised_ship_date", flat=True
    )
    assert promised.last() > today + timedelta(days=30)  # the plan really filled up
