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
    gc.collect()
    gc.freeze()
    log.info("worker %s ready: %d compiled products loaded", worker.pid, loaded)
