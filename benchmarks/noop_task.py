"""The baseline task of benchmarks/planner.py: a message round trip through the same
broker and workers that does nothing but count itself (one Redis INCR, so the benchmark
can tell when all have run)."""

import os

import redis
from celery import shared_task

_client = None


@shared_task(acks_late=True)
def noop(order_id: int) -> None:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    _client.incr("atelier:bench:noop")
