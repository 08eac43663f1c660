"""The Celery tasks, run eagerly: thin, idempotent, retried only on named errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from atelier.celery import app
from orders.models import Order
from production import services, tasks
from production.services import scheduling

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_sweep_resends_an_order_stuck_in_received(place, eager, settings):
    settings.ATELIER_SCHEDULE_BATCH = 1  # so each order is scheduled by its own task only
    stuck, fresh = place(), place()
    Order.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert tasks.sweep_received_orders.delay().get() == 1

    assert Order.objects.get(pk=stuck.pk).status == "scheduled"
    assert Order.objects.get(pk=fresh.pk).status == "received"


def test_the_task_retries_a_capacity_race_and_then_schedules(place, eager, monkeypatch):
    order = place()
    real, calls = scheduling.schedule_order, []

    def racing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise services.CapacityRace("a day filled up")
        return real(**kwargs)

    # The task calls the writer module itself (production.tasks sits below the services door).
    monkeypatch.setattr(scheduling, "schedule_order", racing)

    assert tasks.schedule_order.delay(order.pk).get() == "scheduled"
    assert len(calls) == 2


def test_the_task_for_an_unknown_order_does_nothing(published, eager):
    assert tasks.schedule_order.delay(10**9).get() is None


def test_only_lock_timeouts_deadlocks_and_lost_connections_are_retryable():
    class PgError(Exception):
        def __init__(self, pgcode):
            self.pgcode = pgcode

    def wrapped(pgcode):
        exc = OperationalError("x")
        exc.__cause__ = PgError(pgcode)
        return exc

    assert tasks.retryable(wrapped("55P03"))  # lock_not_available
    assert tasks.retryable(wrapped("40P01"))  # deadlock_detected
    assert tasks.retryable(wrapped("08006"))  # connection_failure
    assert not tasks.retryable(wrapped("42P01"))  # undefined_table: a bug, not a race
