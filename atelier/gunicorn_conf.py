"""Gunicorn settings for Atelier's web workers: `gunicorn -c python:atelier.gunicorn_conf`
(make run, the Docker image, the API benchmark)."""

import json
import logging
import os

from gunicorn import util

from atelier import collector

log = logging.getLogger("atelier")


def usable_cores() -> int:
    """The cores this process may run on: its CPU set where the system says (Linux, so a
    container's cpuset), else the machine's count (macOS has no sched_getaffinity)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# Threads with keep-alive (gunicorn's gthread worker), not the sync worker: that one
# closed the connection after every answer, so the browser connected anew for each click
# of the configure page (issue 15; benchmarks/README.md, "Issue 15, stop 12"). An idle
# kept-alive connection waits in the worker's poller, not in a thread, so keep-alive needs
# no more threads than requests served at once.
worker_class = "gthread"
# Two threads per worker, not four (benchmarks/README.md, "API, stop 13"): the engine's
# work holds the GIL, so four threads of one worker took turns on one core and a configure
# call's time in the worker reached 35 ms at p99 (4–6 ms on sync workers), the API at the
# edge of its targets; with two, its p99 in the worker was a sixth to a half of four's in
# the same minutes. The second thread still answers while the first waits on the database.
# And not one: gthread hands a new connection to a thread that waits up to 5 s for its
# first bytes, so with one thread a connection opened and not used yet (a browser's spare
# one) held up every other connection of that worker for 5 s; one thread also lost up to
# two thirds of the order endpoint's throughput on a busy machine. The app is built for
# threads (atelier/caching.py, atelier/cache.py).
threads = 2
# One worker per core this process may run on (the container's CPU set, not the host's
# count): with the GIL a worker uses about one core, and four workers on two cores served
# no more configure calls than two in the neighbouring minutes (benchmarks/README.md,
# "API, stop 13"). WEB_CONCURRENCY or --workers overrides it. Each thread keeps its own
# database connection (CONN_MAX_AGE): the server holds up to workers × threads of them,
# so the default stops at MAX_DEFAULT_WORKERS: a container without a CPU set sees every
# core of a big host, and 64 workers would hold 128 connections, past PostgreSQL's
# default max_connections (100) before the Celery workers take theirs.
MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    return min(usable_cores(), MAX_DEFAULT_WORKERS)


workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
# A customer's clicks come seconds apart: keep the connection that long, so the next click
# finds it open. `timeout` still restarts a worker whose main loop stops answering the
# arbiter; a request that runs long no longer takes its whole worker down with it.
keepalive = 15

# gunicorn answers a request line longer than this itself (414), before Django sees it;
# its default, 4094, did so for URLs Django should judge. 8190 is the most it allows
# short of "unlimited" (which lets a client make a worker buffer any amount). Django
# refuses URLs past ATELIER_MAX_URL_BYTES (8000) with a 414 problem
# (atelier/url_length.py); what is longer still gets write_problem's 414 below.
limit_request_line = 8190

PROBLEM_BASE = "https://atelier.example/problems/"  # as atelier.problems (not imported:
# this file is read by gunicorn's master before Django is set up)
_PROBLEM_TYPES = {
    400: "bad-request",
    403: "permission-denied",
    414: "uri-too-long",
    417: "expectation-failed",
    431: "header-fields-too-large",
    500: "server-error",
    501: "not-implemented",
}


def write_problem(sock, status_int, reason, mesg):
    """gunicorn's error answer (a request it could not parse: a request line past
    limit_request_line, too many or too large headers, …) as problem+json, as every
    other error of Atelier is, instead of its HTML page."""
    body = json.dumps(
        {
            "type": PROBLEM_BASE + _PROBLEM_TYPES.get(status_int, "bad-request"),
            "title": reason,
            "status": status_int,
            "detail": (mesg or reason)[:200],
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


# The worker calls util.write_error by name at the time of the error: point it here.
util.write_error = write_problem


def post_worker_init(worker):
    """Load the compiled products before the first request, then settle the garbage
    collector (`atelier.collector`): the compiled products are large, long-lived object
    graphs, and every full collection would otherwise walk them again, a pause of ~100 ms
    in the middle of some customer's click."""
    from django.db import connections

    from configurator.selectors import warm_up

    try:
        loaded = warm_up()
    except Exception:  # noqa: BLE001 - a worker that cannot warm up still serves
        # (no database yet, not migrated, a stored form that will not load): products
        # then load on first use, and that click shows the error, not a dead server.
        log.warning("worker %s: products load on first use", worker.pid, exc_info=True)
        loaded = 0
    finally:
        connections.close_all()
    collector.settle()
    log.info("worker %s ready: %d compiled products loaded", worker.pid, loaded)
