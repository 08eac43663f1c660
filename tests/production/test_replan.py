"""Replanning the build-to-order plan: promises kept, progress reported, runs recorded."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command

from orders.models import Order
from orders.services import cancel_order
from production import services
from production.models import PlanEntry, ReplanRun
from tests.plugin_services import skip_unless_servers
from tests.production.plan_checks import plan_problems

pytestmark = pytest.mark.django_db


def test_replan_moves_work_into_freed_capacity_and_keeps_every_promise(place, today):
    orders = [services.schedule_order(order_id=place().pk) for _ in range(5)]
    for order in orders[:2]:  # today's assembly is free again
        cancel_order(order=order, actor="customer")
    promises = {o.pk: o.promised_ship_date for o in orders[2:]}
    before = {
        pk: max(PlanEntry.objects.filter(order_id=pk).values_list("day", flat=True))
        for pk in promises
    }
    seen = []

    summary = services.replan(on_progress=lambda done, total: seen.append((done, total)))

    assert summary.moved >= 1 and summary.orders == 3
    after = {
        pk: max(PlanEntry.objects.filter(order_id=pk).values_list("day", flat=True))
        for pk in promises
    }
    assert all(after[pk] <= before[pk] for pk in promises)
    assert min(after.values()) == today
    for order in Order.objects.filter(pk__in=promises):
        assert order.status == "scheduled"
        assert order.promised_ship_date == promises[order.pk]
    assert plan_problems() == []
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_replan_of_a_tight_plan_moves_nothing(place):
    for _ in range(4):
        services.schedule_order(order_id=place().pk)
    before = list(PlanEntry.objects.order_by("pk").values_list("order_id", "day", "minutes"))

    summary = services.replan()

    assert summary.moved == 0
    assert (
        list(PlanEntry.objects.order_by("pk").values_list("order_id", "day", "minutes")) == before
    )


def test_a_replan_run_records_its_outcome_and_runs_once(place):
    services.schedule_order(order_id=place().pk)
    run = ReplanRun.objects.create(requested_by="staff")

    done = services.run_replan(run_id=run.pk)
    again = services.run_replan(run_id=run.pk)

    assert done.status == again.status == ReplanRun.Status.DONE
    assert done.done == done.total > 0 and done.percent == 100
    assert "every promise kept" in done.message
    assert again.finished_at == done.finished_at


def test_starting_a_replan_while_one_is_queued_returns_that_one(
    published, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("production.tasks.replan_task.delay", lambda run_id: sent.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.start_replan(requested_by="a")
    second = services.start_replan(requested_by="b")

    assert first.pk == second.pk
    assert sent == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_staff_asking_at_the_same_moment_queue_one_replan(published, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_unless_servers("needs PostgreSQL (SQLite serialises every writer already)")
    monkeypatch.setattr("production.tasks.replan_task.delay", lambda run_id: None)
    create = ReplanRun.objects.create
    barrier = threading.Barrier(4)

    def slow_create(**fields):
        time.sleep(0.3)  # widen the window between "none active" and the insert
        return create(**fields)

    monkeypatch.setattr(ReplanRun.objects, "create", slow_create)

    def ask(name):
        barrier.wait()
        try:
            return services.start_replan(requested_by=name).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        runs = set(pool.map(ask, "abcd"))

    assert len(runs) == 1
    assert ReplanRun.objects.count() == 1


def test_starting_a_replan_again_resends_a_queued_run_whose_message_was_lost(
    published, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(run_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr("production.tasks.replan_task.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        lost = services.start_replan(requested_by="a")  # no 500: the run is committed
    sent = []
    monkeypatch.setattr("production.tasks.replan_task.delay", lambda run_id: sent.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        again = services.start_replan(requested_by="b")

    assert again.pk == lost.pk and again.status == "queued"
    assert sent == [lost.pk]


def test_the_replan_command_draws_a_progress_bar_and_records_the_run(place):
    services.schedule_order(order_id=place().pk)
    out = io.StringIO()

    call_command("replan", stdout=out)

    text = out.getvalue()
    assert "100%" in text and "[########" in text and "every promise kept" in text
    assert ReplanRun.objects.get().status == ReplanRun.Status.DONE
