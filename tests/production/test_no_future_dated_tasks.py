"""DESIGN.md's reliability rule, enforced: no future-dated work in the broker. No task
of ours is sent with an ETA or a countdown, retries included (`self.retry`, Celery's
`autoretry_for` and `retry_backoff` are countdowns too): future work lives in
PostgreSQL (plan tables, `WebhookDelivery.next_attempt_at`) and beat's sweeps send it
when it is due."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

from atelier.celery import app

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("atelier", "accounts", "configurator", "orders", "production")
# Keywords that put a message in the broker for later, or retry through it.
FUTURE_KEYWORDS = {"countdown", "eta", "retry_backoff", "autoretry_for", "default_retry_delay"}


def our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(PACKAGES)}


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def future_dated_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in FUTURE_KEYWORDS:
            found.append(f"line {node.value.lineno}: {node.arg}=")
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in FUTURE_KEYWORDS:
                    found.append(f"line {key.lineno}: {key.value!r}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "retry"
        ):
            found.append(f"line {node.lineno}: .retry()")
    return sorted(found)


def test_the_check_finds_each_way_of_sending_work_for_later():
    sample = ast.parse(
        "task.apply_async((1,), countdown=5)\n"
        "task.apply_async((1,), eta=when)\n"
        "raise self.retry(exc=exc)\n"
        "shared_task(**{'autoretry_for': (E,), 'retry_backoff': 1})\n"
        "task.delay(1)\n"
    )
    assert [f.split(":")[0] for f in future_dated_calls(sample)] == [
        "line 1",
        "line 2",
        "line 3",
        "line 4",
        "line 4",
    ]


@pytest.mark.parametrize("path", list(source_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_sends_a_task_for_later(path):
    assert future_dated_calls(ast.parse(path.read_text(), filename=str(path))) == []


def test_no_registered_task_retries_through_the_broker():
    tasks = our_tasks()
    assert {"production.tasks.schedule_order", "orders.tasks.deliver_webhook"} <= set(tasks)
    for name, task in tasks.items():
        # Celery keeps these as task attributes only when a task sets them.
        assert not getattr(task, "autoretry_for", ()), name
        assert not getattr(task, "retry_backoff", False), name
        assert task.acks_late, name


def test_the_sweeps_are_on_beats_schedule_every_few_seconds():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    # The webhook sweep is what retries a delivery: its interval bounds the back-off's
    # precision (the shortest back-off is 2 s).
    assert schedule["orders.tasks.sweep_webhook_deliveries"].total_seconds() <= 10
    assert schedule["production.tasks.sweep_received_orders"].total_seconds() <= 60
