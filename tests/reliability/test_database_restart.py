"""PostgreSQL restarts while workers schedule: every transaction it cut off rolls back
whole, the workers reconnect by themselves (the same processes) and finish, and no order
is half-scheduled: a scheduled order has its plan entries and its reservations, any other
order has neither."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections

from configurator.services import import_catalogue
from orders.models import Order, OrderEvent
from orders.services import LineRequest, place_order
from tests.plugin_services import skip_unless_servers
from tests.reliability.conftest import (
    NB14,
    all_problems,
    count,
    orders_to_place,
    over_booked,
    plentiful_catalogue,
    record,
    run_servers,
    sweep_until_settled,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def server_started_at():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]


def test_workers_recover_from_a_database_restart_and_half_schedule_nothing(workers):
    postgres, _ = run_servers()
    if postgres is None:
        skip_unless_servers("this run did not start its own PostgreSQL, so it may not restart it")
    total = orders_to_place(600)
    import_catalogue(document=plentiful_catalogue(), publish=True)
    for i in range(total):
        place_order(lines=[LineRequest("nb14", NB14, 1)], reference=f"pg-{i}", actor="test")
    pool = workers.start(2, loglevel="INFO")  # INFO: their retries show in the log
    started = time.monotonic()

    wait_for(lambda: count("scheduled") >= total // 4, timeout=120, what="a quarter scheduled")
    wait_for(
        lambda: any(w.holds_plan_lock() for w in pool),
        timeout=60,
        what="a worker inside a transaction",
        poll=0,
    )
    scheduled_before = count("scheduled")
    booted = server_started_at()
    down = time.monotonic()
    postgres.restart()  # fast shutdown: every session is cut off mid-transaction
    downtime = time.monotonic() - down
    connections.close_all()  # this process's own connection died with the server too
    assert server_started_at() > booted, "the server did not restart"

    resent = sweep_until_settled(timeout=180, workers=workers)
    elapsed = time.monotonic() - started

    logs = "\n".join(w.log.read_text() for w in pool)
    figures = record(
        "database_restart",
        orders_placed=total,
        scheduled_before_restart=scheduled_before,
        restart_seconds=round(downtime, 2),
        scheduled=count("scheduled"),
        lost=Order.objects.exclude(status="scheduled").count(),
        duplicated=OrderEvent.objects.filter(status="scheduled").count() - count("scheduled"),
        half_scheduled=len(all_problems()),
        over_booked_components=over_booked(),
        resent_by_sweep=resent,
        task_retries=logs.count("; retrying in"),
        tasks_failed=logs.count("raised unexpected"),
        workers_alive=f"{sum(w.alive for w in pool)} of {len(pool)}",
        seconds_total=round(elapsed, 1),
    )
    assert all(w.alive for w in pool), workers.errors()
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert figures["over_booked_components"] == 0 and figures["tasks_failed"] == 0
    assert all_problems() == []
