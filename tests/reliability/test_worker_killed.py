"""kill -9 of a Celery worker in the middle of scheduling: the orders it held are not
lost (their transaction rolls back, the sweep re-sends them) and none is scheduled twice."""

from __future__ import annotations

import time

import pytest

from configurator.services import import_catalogue
from orders.models import Order, OrderEvent
from orders.services import LineRequest, place_order
from production.models import PlanEntry, Reservation
from tests.reliability.conftest import (
    NB14,
    all_problems,
    count,
    orders_to_place,
    over_booked,
    plentiful_catalogue,
    record,
    sweep_until_settled,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_killed_mid_schedule_loses_and_duplicates_no_order(workers):
    total = orders_to_place(1000)
    import_catalogue(document=plentiful_catalogue(), publish=True)

    started = time.monotonic()
    for i in range(total):
        place_order(lines=[LineRequest("nb14", NB14, 1)], reference=f"kill-{i}", actor="test")
    placed_in = time.monotonic() - started
    assert count("received") == total  # nobody consumes yet: the queue holds them all

    _, victim = workers.start(2)
    # Once a third is planned, kill one worker at a moment it is inside a scheduling
    # transaction (holding the plan lock), with the prefork child doing the work.
    wait_for(lambda: count("scheduled") >= total // 3, timeout=180, what="a third scheduled")
    wait_for(victim.holds_plan_lock, timeout=60, what="the victim inside a transaction", poll=0)
    workers.kill(victim)
    scheduled_at_kill = count("scheduled")
    workers.start(1)

    resent = sweep_until_settled(timeout=240, workers=workers)
    elapsed = time.monotonic() - started

    scheduled = count("scheduled")
    events = OrderEvent.objects.filter(status="scheduled").count()
    figures = record(
        "worker_killed",
        orders_placed=total,
        scheduled=scheduled,
        scheduled_when_killed=scheduled_at_kill,
        lost=Order.objects.exclude(status="scheduled").count(),
        duplicated=events - scheduled,
        over_booked_components=over_booked(),
        resent_by_sweep=resent,
        plan_entries=PlanEntry.objects.count(),
        reservations=Reservation.objects.count(),
        seconds_to_place=round(placed_in, 1),
        seconds_total=round(elapsed, 1),
    )
    assert Order.objects.count() == total
    assert figures["lost"] == 0 and scheduled == total
    assert figures["duplicated"] == 0 and figures["over_booked_components"] == 0
    assert all_problems() == []
