"""Gunicorn settings for Atelier's web workers: `gunicorn -c python:atelier.gunicorn_conf`
(make run, the Docker image, the API benchmark)."""

import gc
import logging

log = logging.getLogger("atelier")


def post_worker_init(worker):
    """Load the compiled products before the first request, then move everything alive
    into the garbage collector's permanent generation: the compiled products are large,
    long-lived object graphs, and every full collection would otherwise walk them again,
    a pause of ~100 ms in the middle of some customer's click."""
    from django.db import DatabaseError, connections

    from configurator.selectors import warm_up

    try:
        loaded = warm_up()
    except DatabaseError:
        log.warning("worker %s: no database yet; products load on first use", worker.pid)
        loaded = 0
    finally:
        connections.close_all()
    gc.collect()
    gc.freeze()
    log.info("worker %s ready: %d compiled products loaded", worker.pid, loaded)
