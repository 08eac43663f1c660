"""Start and stop real Celery worker processes (prefork) against a given database and
broker, for the worker integration test and the planner benchmark. Each worker is
stopped by its PID: a warm shutdown first, a kill if it does not go."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for Django's settings of a connection (e.g. pytest-django's test DB)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def worker_env(*, database: str, broker: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process on `database` and `broker`."""
    return {
        **os.environ,
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "DJANGO_SETTINGS_MODULE": "atelier.settings",
        "PYTHONPATH": str(ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **extra,
    }


def worker_command(name: str, *, loglevel: str, options: tuple[str, ...] = ()) -> list[str]:
    """`celery worker` with one prefork child, named `name`, without gossip or mingle."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "atelier",
        "worker",
        "--concurrency",
        "1",
        "-n",
        name,
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        *options,
    ]


def start_workers(
    count: int,
    *,
    database: str,
    broker: str,
    log_dir: Path,
    queues: str = "celery",
    include: str = "",
) -> list[subprocess.Popen]:
    """`count` worker processes of one prefork child each, ready to consume when this
    returns (each has said so in its log)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = worker_env(database=database, broker=broker)
    workers = []
    for i in range(count):
        log = log_dir / f"worker-{i}.log"
        workers.append(
            subprocess.Popen(
                worker_command(
                    f"atelier-test-{os.getpid()}-{i}@%h",
                    loglevel="INFO",
                    options=(
                        "-P",
                        "prefork",
                        "-Q",
                        queues,
                        "--without-heartbeat",
                        "--logfile",
                        str(log),
                        *(["--include", include] if include else []),
                    ),
                ),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(log_dir / f"worker-{i}.err", "w"),  # noqa: SIM115 - closed with the process
            )
        )
    deadline = time.monotonic() + 60
    for i, worker in enumerate(workers):
        log = log_dir / f"worker-{i}.log"
        while "ready." not in (log.read_text() if log.exists() else ""):
            if worker.poll() is not None or time.monotonic() > deadline:
                stop_workers(workers)
                err = (log_dir / f"worker-{i}.err").read_text()[-3000:]
                raise RuntimeError(f"worker {i} did not start:\n{err}")
            time.sleep(0.1)
    return workers


def stop_workers(workers: list[subprocess.Popen], timeout: float = 20) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the task in hand
    deadline = time.monotonic() + timeout
    for worker in workers:
        try:
            worker.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
