"""Send a Celery task once the caller's transaction has committed, and never let a broker
outage reach the caller: the row is committed before anything is sent, so a failed send
costs latency, not work. Each kind of work has a sweep that re-sends what a failed send
(or a crash between commit and send) left behind: `received` orders
(production.tasks.sweep_received_orders), due webhook deliveries
(orders.tasks.sweep_webhook_deliveries), a queued replan (the next request re-sends it).

Failed sends are logged once, then at most once a minute with how many failed meanwhile:
an outage during a burst of orders is a few lines, not one per order.
"""

from __future__ import annotations

import logging
import time

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import RedisError

from atelier.outage_log import OutageLog

log = logging.getLogger("atelier.enqueue")

# kombu turns the transport's connection errors (refused, timed out, reset) into its
# OperationalError once the publish retry policy gives up; the filesystem transport's are
# OSErrors; RedisError covers a Redis that answers but refuses (loading, OOM).
BROKER_ERRORS: tuple[type[Exception], ...] = (BrokerUnreachable, OSError, RedisError)
LOG_EVERY_SECONDS = 60.0


class _FailedSends:
    """How many sends failed since the last warning, per process."""

    def __init__(self) -> None:
        self.log = OutageLog(every_seconds=LOG_EVERY_SECONDS)

    def record(self, *, task: str, args: tuple, error: Exception) -> None:
        count = self.log.failed(now=time.monotonic())
        if count is None:
            return
        log.warning(
            "broker unreachable (%s: %s): could not send %s%r; %d send(s) failed since the "
            "last warning, the sweeps will re-send them",
            type(error).__name__,
            error,
            task,
            args,
            count,
        )

    def reset(self) -> None:
        self.log.ended()


failed_sends = _FailedSends()


def send(task: Task, *args) -> bool:
    """`task.delay(*args)`; False (logged) when the broker cannot take it."""
    try:
        task.delay(*args)
    except BROKER_ERRORS as error:
        failed_sends.record(task=task.name, args=args, error=error)
        return False
    return True


def send_on_commit(task: Task, *args) -> None:
    """Send `task(*args)` after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(task, *args), robust=True)
