"""atelier.caching: the one bounded per-process cache every module keeps answers in."""

from __future__ import annotations

import threading

import pytest

from atelier import caching
from atelier.caching import BoundedCache


def test_the_least_recently_used_entry_goes_first():
    cache = BoundedCache[str, int](name="test.lru", maxsize=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2


def test_get_or_set_computes_once_and_keeps_falsy_values():
    cache = BoundedCache[str, int | None](name="test.get_or_set", maxsize=4)
    calls = []

    def make():
        calls.append(1)
        return None

    assert cache.get_or_set("k", make) is None
    assert cache.get_or_set("k", make) is None
    assert len(calls) == 1


def test_clear_all_empties_every_cache_of_the_process():
    first = BoundedCache[int, int](name="test.first", maxsize=4)
    second = BoundedCache[int, int](name="test.second", maxsize=4)
    first.put(1, 1)
    second.put(2, 2)
    caching.clear_all()
    assert len(first) == 0 and len(second) == 0


def test_a_bound_below_one_is_refused():
    with pytest.raises(ValueError, match="test.zero"):
        BoundedCache(name="test.zero", maxsize=0)


def test_threads_never_see_more_than_the_bound():
    cache = BoundedCache[int, int](name="test.threads", maxsize=50)

    def fill(offset: int) -> None:
        for i in range(2_000):
            cache.put(offset + i, i)
            cache.get(offset + i // 2)

    threads = [threading.Thread(target=fill, args=(n * 10_000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50
