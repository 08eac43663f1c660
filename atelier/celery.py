"""The Celery app: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atelier.settings")

app = Celery("atelier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **kwargs) -> None:
    """What Django does around a request: close a connection that failed (so a retry
    after a database restart connects afresh) or outlived CONN_MAX_AGE; keep the rest.
    Not for a task run eagerly: it runs inside its caller's connection and transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect
def _health_checked_connections(**kwargs) -> None:
    """Workers keep their connection for hours between tasks (CELERY_DB_REUSE_MAX), so
    after a database restart the first task would meet a dead one, fail and be retried.
    Check it with one `SELECT 1` before each task's first query instead (Django's
    CONN_HEALTH_CHECKS, switched on in worker processes only: web requests skip the
    round trip)."""
    from django.db import connections

    for alias in connections:
        connections.settings[alias]["CONN_HEALTH_CHECKS"] = True
