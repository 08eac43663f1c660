"""Planner throughput: orders scheduled per second by real Celery workers on PostgreSQL
and Redis, against the same workers running a no-op task over as many messages.

Starts its own PostgreSQL 15 and Redis (tests/servers.py), migrates, publishes a catalogue
with plenty of capacity and parts (some on batches to come), writes N `received` orders
(copies of one placed through orders.services.place_order), then:

1. no-op: N messages of a task that only counts itself, through `--workers` prefork
   workers of one process each; time from the first send to the last count.
2. schedule: `production.tasks.schedule_order` for each of the N orders through the same
   workers; time from the first send until no order is `received`.

Prints both rates, their ratio, and checks the plan afterwards (nothing over-booked, each
order scheduled once). Targets: >= 50 orders/s and >= 25 % of the no-op rate.

Run: `python benchmarks/planner.py [--orders 5000] [--workers 2]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402
from tests.workers import start_workers, stop_workers  # noqa: E402


def catalogue(today) -> dict:
    from tests.production import catalogue as small

    document = small.document(today, cpu_a_stock=2000, cpu_a_batch=10000, batch_in_days=7)
    for centre in document["work_centres"]:
        centre["minutes_per_day"] = 1440
    document["components"][1].update(
        stock=2000,
        supply=[{"quantity": 10000, "available_on": (today + timedelta(days=3)).isoformat()}],
    )
    document["components"][2]["stock"] = 100000
    return document


def write_orders(count: int) -> list[int]:
    """`count` received orders like the shop places them (one placed for real, the rest
    copied in bulk so that writing them does not dominate the run)."""
    from django.db import transaction

    from orders.models import Order, OrderEvent, OrderLine
    from orders.services import LineRequest, place_order
    from tests.production.catalogue import CPU_A, CPU_B

    templates = []
    for selections in (CPU_A, CPU_B):
        order = place_order(lines=[LineRequest("nb", selections, 1)])
        templates.append((order, order.lines.get()))
    Order.objects.filter(pk__in=[o.pk for o, _ in templates]).delete()  # cascades lines, events
    ids = []
    with transaction.atomic():
        for start in range(0, count, 1000):
            batch = []
            for i in range(start, min(count, start + 1000)):
                order, _ = templates[i % 5 == 4]  # 20 % with processor B
                batch.append(
                    Order(currency=order.currency, total=order.total, priority=int(i % 50 == 0))
                )
            Order.objects.bulk_create(batch)
            lines, events = [], []
            for i, created in enumerate(batch, start=start):
                _, line = templates[i % 5 == 4]
                line.pk, line.order = None, created
                lines.append(
                    OrderLine(
                        **{
                            f.attname: getattr(line, f.attname)
                            for f in OrderLine._meta.concrete_fields
                        }
                    )
                )
                events.append(OrderEvent(order=created, status="received", actor="bench"))
            OrderLine.objects.bulk_create(lines)
            OrderEvent.objects.bulk_create(events)
            ids += [o.pk for o in batch]
    return ids


def wait(done, total: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while done() < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {done()} of {total} done")
        time.sleep(0.05)
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    root.chmod(0o755)  # PostgreSQL runs as its own user below it
    (root / "redis").mkdir()
    pg = redis_server = None
    workers = []
    try:
        pg = servers.start_postgres(root / "pg")
        redis_server = servers.start_redis(root / "redis")
        os.environ.update(
            DATABASE_URL=pg.url,
            CELERY_BROKER_URL=redis_server.url,
            DJANGO_SETTINGS_MODULE="atelier.settings",
            ATELIER_VAR_DIR=str(root / "var"),
        )
        import django

        django.setup()
        import redis
        from django.core.management import call_command
        from django.utils import timezone

        from benchmarks.noop_task import noop
        from configurator.services import import_catalogue
        from orders.models import Order, OrderEvent
        from production.tasks import schedule_order
        from tests.production.plan_checks import plan_problems

        call_command("migrate", verbosity=0)
        import_catalogue(document=catalogue(timezone.localdate()), publish=True)
        ids = write_orders(args.orders)
        n = len(ids)
        workers = start_workers(
            args.workers,
            database=pg.url,
            broker=redis_server.url,
            log_dir=root / "workers",
            include="benchmarks.noop_task",
        )
        counter = redis.Redis.from_url(redis_server.url)

        def noop_round() -> float:
            counter.delete("atelier:bench:noop")
            t0 = time.monotonic()
            for order_id in ids:
                noop.delay(order_id)
            t1 = wait(lambda: int(counter.get("atelier:bench:noop") or 0), n, timeout=600)
            return n / (t1 - t0)

        # The machine is shared: the better of a round before and one after is the
        # baseline (the stricter one for the ratio).
        noop_rate = noop_round()

        t0 = time.monotonic()
        for order_id in ids:
            schedule_order.delay(order_id)
        received = Order.objects.filter(status="received")
        t1 = wait(lambda: n - received.count(), n, timeout=1800)
        rate = n / (t1 - t0)

        noop_rate = max(noop_rate, noop_round())
        problems = plan_problems()
        scheduled = OrderEvent.objects.filter(status="scheduled").count()
        last = Order.objects.order_by("-promised_ship_date").values_list(
            "promised_ship_date", flat=True
        )[0]
        print(
            f"orders: {n}, workers: {args.workers} (prefork, 1 process each), PostgreSQL 15 + Redis"
        )
        print(f"no-op task:     {noop_rate:8.1f} messages/s")
        print(f"schedule_order: {rate:8.1f} orders/s   ({rate / noop_rate:.0%} of no-op)")
        print(f"scheduled events: {scheduled}, plan reaches {last}, problems: {len(problems)}")
        for problem in problems[:10]:
            print("  ", problem)
        ok = rate >= 50 and rate / noop_rate >= 0.25 and not problems and scheduled == n
        print("targets (>= 50 orders/s, >= 25 % of no-op, sound plan):", "met" if ok else "NOT met")
    finally:
        stop_workers(workers)
        from django.db import connections

        connections.close_all()
        for server in (redis_server, pg):
            if server is not None:
                server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
