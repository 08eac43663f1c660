"""Celery tasks of production: thin, take ids, idempotent, `acks_late`.

Retries happen only on named, retryable errors (a lock wait that timed out, a deadlock
victim, a serialization failure, a dropped connection, a plan counter that refused an
update); every retry re-reads the order under its row lock, so a retry or a redelivery
that finds the work done changes nothing. No task is ever sent with an ETA or a
countdown, retries included: the plan tables hold future work, and
`sweep_received_orders` re-sends what a lost message, a crash between commit and send or
a task out of retries left behind.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError, close_old_connections, connection

from orders.models import Order
from production import selectors, services
from production.plan_store import PlanRace

log = logging.getLogger("atelier.production")

# SQLSTATEs worth another try: serialization_failure, deadlock_detected, lock_not_available,
# query_canceled (statement/lock timeout), admin/crash shutdown, cannot_connect_now.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"}
SWEEP_AFTER = timedelta(seconds=30)
SWEEP_BATCH = 1000


class DatabaseBusy(Exception):
    """A retryable database error (lock timeout, deadlock, lost connection)."""


def retryable(exc: Exception) -> bool:
    if isinstance(exc, InterfaceError):
        return True  # the connection is gone; Celery's Django fixup opens a new one
    cause = exc.__cause__
    code = getattr(cause, "pgcode", None)
    if code is not None:
        return code in RETRYABLE_SQLSTATES or code.startswith("08")
    if cause is not None and type(cause).__module__.startswith("psycopg2"):
        return True  # OperationalError without a SQLSTATE: the server went away
    return "database is locked" in str(exc)  # SQLite's busy timeout


# Retries wait in the task, not in the broker. Celery's `retry_backoff` (and
# `self.retry(countdown=…)`) sends the task again with an ETA: the worker holds that
# message unacknowledged until it is due, Redis redelivers it after its visibility
# timeout (a second run), and workers holding such messages when Redis went away exited in
# kombu's restore of unacknowledged messages (issue 12). The errors retried here clear in
# well under a few seconds (a lock released, a deadlock victim chosen, the database back
# from a restart), so the task pauses in place (about 0.5, 1, 2, 4 s) and calls the
# service again. Out of attempts, it gives up: the order is still `received` in
# PostgreSQL and the sweep re-sends it; a replan run is marked failed for staff to retry.
PAUSES = (0.5, 1.0, 2.0, 4.0)


def _close_broken_connections() -> None:
    """What atelier.celery does between tasks, between attempts: drop a connection the
    error left unusable, so the next attempt connects afresh. Not inside a caller's
    transaction (a task run eagerly): that connection is the caller's."""
    if not connection.in_atomic_block:
        close_old_connections()


def _call_once(service, **kwargs):
    try:
        return service(**kwargs)
    except (OperationalError, InterfaceError) as exc:
        if retryable(exc):
            raise DatabaseBusy(str(exc)) from exc
        raise


def _call(service, **kwargs):
    """`service(**kwargs)`, called again after each of PAUSES while it fails with a
    retryable error; the last failure is raised (`PlanRace` or `DatabaseBusy`)."""
    for pause in (*PAUSES, None):
        try:
            return _call_once(service, **kwargs)
        except (PlanRace, DatabaseBusy) as exc:
            if pause is None:
                raise
            wait = pause * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not secrecy
            log.info("%s: %s; retrying in %.1f s", service.__name__, exc, wait)
            _close_broken_connections()
            time.sleep(wait)


@shared_task(acks_late=True)
def schedule_order(order_id: int) -> str | None:
    """Place order `order_id` into the build-to-order plan (see scheduling.schedule_order)."""
    try:
        order = _call(services.schedule_order, order_id=order_id)
    except Order.DoesNotExist:
        log.warning("schedule_order: order %s does not exist", order_id)
        return None
    except (PlanRace, DatabaseBusy) as exc:
        # Still `received` in PostgreSQL: the sweep re-sends it (SWEEP_AFTER).
        log.warning("schedule_order: order %s left to the sweep: %s", order_id, exc)
        return None
    return order.status


@shared_task(acks_late=True)
def sweep_received_orders() -> int:
    """Re-send scheduling of orders left `received` for over half a minute (their message
    was lost, or the process died between commit and send). Duplicates are harmless."""
    ids = selectors.received_orders_waiting(older_than=SWEEP_AFTER, limit=SWEEP_BATCH)
    for order_id in ids:
        schedule_order.delay(order_id)
    if ids:
        log.info("sweep re-sent scheduling of %d received orders", len(ids))
    return len(ids)


class ReplanTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Out of retries (or a bug): the run must not stay "running" for ever.
        services.fail_replan(run_id=args[0] if args else kwargs["run_id"], message=str(exc))


@shared_task(base=ReplanTask, acks_late=True)
def replan_task(run_id: int) -> str:
    """Carry out ReplanRun `run_id`, its progress recorded on the run for staff to watch."""
    return _call(services.run_replan, run_id=run_id).status
