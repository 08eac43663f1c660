"""A pytest plugin, loaded before pytest-django: start the test run's own PostgreSQL and
Redis, and point Django's settings at them through DATABASE_URL / CELERY_BROKER_URL.

- DATABASE_URL already set: use it (e.g. a developer's own server).
- ATELIER_TEST_SERVERS=0: no servers (fast unit runs); integration tests then skip,
  or fail when CI=true.
- A binary missing: fall back to SQLite; with CI=true that is an error instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests import servers

_started: list = []


def ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Tests publish and read at once, and roll versions back between them: every read of
    # the published catalogue checks the database (the click paths' cache is tested alone).
    os.environ.setdefault("ATELIER_CATALOGUE_MAX_AGE", "0")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller started the servers; env is inherited
    if os.environ.get("ATELIER_TEST_SERVERS", "1") == "0" or os.environ.get("DATABASE_URL"):
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
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _stop_all()


def skip_unless_servers(reason: str) -> None:
    """Skip a test that needs the run's own servers; in CI that is a failure instead."""
    if ci():
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)
