"""A serving process's garbage-collector settings (atelier.collector)."""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

import pytest

from atelier import collector, gunicorn_conf


@pytest.fixture
def restored_collector():
    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settle_freezes_what_is_alive_and_raises_the_young_threshold(restored_collector):
    kept = [{"compiled": n} for n in range(1000)]  # a loaded product's long-lived graph
    collector.settle()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)


def test_cycles_are_still_collected_after_settling(restored_collector):
    collector.settle()

    class Node:
        pass

    node = Node()
    node.self = node  # type: ignore[attr-defined]  # a cycle only the collector frees
    gone: list[bool] = []
    weakref.finalize(node, gone.append, True)
    del node
    gc.collect(0)
    assert gone == [True]


def test_a_gunicorn_worker_settles_the_collector_once_its_products_are_loaded(
    restored_collector, monkeypatch
):
    loaded = []
    monkeypatch.setattr("configurator.selectors.warm_up", lambda: loaded.append(1) or 1)
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    gunicorn_conf.post_worker_init(SimpleNamespace(pid=1))
    assert loaded == [1]
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)
