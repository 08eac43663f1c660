"""The embedded default (`make run`) plans on SQLite: the same services, in a process of
its own, on a fresh SQLite file (the suite's database is PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite"
from configurator.services import import_catalogue
from orders.models import Order
from orders.services import LineRequest, cancel_order, place_order
from production import services
from tests.production import catalogue
from tests.production.plan_checks import plan_problems
import_catalogue(document=catalogue.document(timezone.localdate()), publish=True)
orders = [place_order(lines=[LineRequest("nb", catalogue.CPU_A, 1)]) for _ in range(6)]
services.schedule_order(order_id=orders[0].pk)
cancel_order(order=Order.objects.get(pk=orders[1].pk), actor="customer")
services.replan()
statuses = sorted(Order.objects.values_list("status", flat=True))
assert statuses == ["cancelled"] + ["scheduled"] * 5, statuses
assert plan_problems() == [], plan_problems()
print("ok")
"""


def test_scheduling_cancelling_and_replanning_work_on_sqlite(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'atelier.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "ATELIER_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "atelier.settings",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
