import os

import pytest
from hypothesis import settings

from tests.plugin_services import ci, skip_unless_servers

# CI runs the same examples every time: a red run must be reproducible, and a rare
# counterexample found while developing is kept as a regression test instead.
settings.register_profile("ci", derandomize=True, print_blob=True)
if ci():
    settings.load_profile("ci")


# Under `pytest -n 2 --dist loadgroup` (make test) these run in two groups, one after
# another within each: the fault tests (tests/reliability) and the other heavy tests
# (embedded `make run` processes, the soak, Celery workers, a browser). Each group stays
# on one worker while the other worker takes the other group, and the quick tests fill
# in. Both groups take about the same time (~400 s each alone, measured on main), so
# neither worker idles long. Every xdist worker has its own PostgreSQL and Redis
# (tests/plugin_services.py): a fault test that stops "the" Redis stops only its own.
HEAVY = ("integration", "slow", "e2e")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    missing = os.environ.get("ATELIER_TEST_SERVERS_MISSING")
    for item in items:
        if any(mark in item.keywords for mark in HEAVY):
            faults = item.path.parent.name == "reliability"
            item.add_marker(pytest.mark.xdist_group("faults" if faults else "heavy"))
        if "integration" in item.keywords and missing:
            # Never a silent skip in CI: a missing server fails the run there.
            if ci():
                item.add_marker(pytest.mark.usefixtures("_fail_missing_servers"))
            else:
                item.add_marker(pytest.mark.skip(reason=f"no test servers: {missing}"))


@pytest.fixture
def _fail_missing_servers():
    pytest.fail(
        f"integration test needs PostgreSQL and Redis: {os.environ.get('ATELIER_TEST_SERVERS_MISSING')}"
    )


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("ATELIER_TEST_REDIS_URL")
    if not url:
        skip_unless_servers("no Redis server for this run")
    return url
