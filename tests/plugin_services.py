"""A pytest plugin, loaded before pytest-django: start the test run's own PostgreSQL and
Redis, and point Django's settings at them through DATABASE_URL / CELERY_BROKER_URL.

- DATABASE_URL already set: use it (e.g. a developer's own server).
- ATELIER_TEST_SERVERS=0: no servers (fast unit runs); integration tests then skip,
  or fail when CI=true.
- A binary missing: fall back to SQLite; with CI=true that is an error instead.

Under pytest-xdist (`-n 2`) every worker starts its own pair and the controller none: the
fault tests stop and restart "the" PostgreSQL and Redis, which must then be that worker's
alone. (Measured here: starting a pair costs each worker ~2 s, in parallel.) On servers
given through DATABASE_URL / CELERY_BROKER_URL, pytest-django already gives each worker
its own test database; each worker also gets its own Redis database numbers.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests import servers

_started: list = []

# Redis database numbers a worker uses on a shared Redis: the broker's, then the cache's
# (the fault tests put CACHE_URL one above the broker's). Worker gwN gets 2N and 2N+1 of
# Redis's default 16 databases.
REDIS_DBS_PER_WORKER = 2


def ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def xdist_worker_number() -> int | None:
    """N of this xdist worker `gwN`, or None outside one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else None


def _xdist_controller(early_config) -> bool:
    """True in the process that only hands tests to xdist workers (it runs none)."""
    if xdist_worker_number() is not None:
        return False
    # As xdist decides it (xdist/plugin.py): `-n N` (N > 0, or auto), or `--tx` with `--dist`.
    options = early_config.known_args_namespace
    workers = getattr(options, "numprocesses", None)
    tx, dist = getattr(options, "tx", None), getattr(options, "dist", "no")
    return bool(workers) or (bool(tx) and dist != "no")


def redis_url_for_worker(url: str) -> str:
    """`url` with the database number of this xdist worker (unchanged outside xdist)."""
    number = xdist_worker_number()
    if number is None:
        return url
    base, _, db = url.rpartition("/")
    first = int(db or 0) + REDIS_DBS_PER_WORKER * number
    return f"{base}/{first}"


def cache_db_url(broker_url: str) -> str:
    """The Redis database the cache uses beside the broker's `broker_url` (compose puts
    the broker in db 0 and CACHE_URL in db 1; under xdist, the worker's next one)."""
    base, _, db = broker_url.rpartition("/")
    return f"{base}/{int(db or 0) + 1}"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Tests publish and read at once, and roll versions back between them: every read of
    # the published catalogue checks the database (the click paths' cache is tested alone).
    os.environ.setdefault("ATELIER_CATALOGUE_MAX_AGE", "0")
    if os.environ.get("ATELIER_TEST_SERVERS", "1") == "0":
        return
    if _xdist_controller(early_config):
        # Each worker starts its own servers; CI stops here, with a plain message, when
        # they cannot (a worker's own error would only show as a crashed node).
        missing = [] if os.environ.get("DATABASE_URL") else servers.missing_binaries()
        if missing and ci():
            raise pytest.UsageError(f"CI needs PostgreSQL and Redis for the tests: {missing}")
        return
    if os.environ.get("DATABASE_URL"):
        for name in ("CELERY_BROKER_URL", "ATELIER_TEST_REDIS_URL"):
            if os.environ.get(name, "").startswith("redis://"):
                os.environ[name] = redis_url_for_worker(os.environ[name])
        return
    try:
        pg = servers.start_postgres()
        _started.append(pg)
        redis = servers.start_redis()
        _started.append(redis)
    except (servers.ServerUnavailable, OSError) as exc:
        _stop_all()
        if ci():
            raise pytest.UsageError(f"CI needs PostgreSQL and Redis for the tests: {exc}") from exc
        os.environ["ATELIER_TEST_SERVERS_MISSING"] = str(exc)
        return
    os.environ["DATABASE_URL"] = pg.url
    os.environ["CELERY_BROKER_URL"] = redis.url
    os.environ["ATELIER_TEST_REDIS_URL"] = redis.url
    os.environ["ATELIER_TEST_PG_ROOT"] = str(pg.root)
    os.environ["ATELIER_TEST_PG_PORT"] = str(pg.port)


def _stop_all() -> None:
    while _started:
        server = _started.pop()
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def pytest_unconfigure(config):
    _stop_all()  # only what this process started


def skip_unless_servers(reason: str) -> None:
    """Skip a test that needs the run's own servers; in CI that is a failure instead."""
    if ci():
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)
