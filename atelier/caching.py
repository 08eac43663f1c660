"""Per-process caches: one small bounded LRU for every module that keeps answers in memory.

Each cache has a name (its owner, for logs and tests) and a bound, so no process grows
without limit however many catalogue versions it meets over its life. `clear_all()`
empties every cache of the process (tests call it between tests; a publish or a replan
drops only its own cache).

Thread-safe: gunicorn's threads and a worker's pool share a process's caches. A value is
computed outside the lock (two threads may compute the same value once each; both are
right), so a slow miss never blocks readers of other keys.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()

# Every cache made in this process, for clear_all() (weak: a cache made by a test goes
# away with it).
_registry: weakref.WeakSet[BoundedCache] = weakref.WeakSet()
_registry_lock = threading.Lock()


class BoundedCache(Generic[K, V]):
    """A thread-safe mapping of at most `maxsize` entries; the least recently used entry
    is dropped first."""

    def __init__(self, *, name: str, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"cache {name}: maxsize must be at least 1, not {maxsize}")
        self.name = name
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        with _registry_lock:
            _registry.add(self)

    def __repr__(self) -> str:
        return f"<BoundedCache {self.name} {len(self)}/{self.maxsize}>"

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def get(self, key: K, default: V | None = None) -> V | None:
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._entries.move_to_end(key)
            return value  # type: ignore[return-value]

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def get_or_set(self, key: K, make: Callable[[], V]) -> V:
        """The cached value of `key`, or `make()` stored under it."""
        value = self.get(key, _MISSING)  # type: ignore[arg-type]
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        return self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def clear_all() -> None:
    """Empty every cache of this process (tests, between tests)."""
    with _registry_lock:
        caches = list(_registry)
    for cache in caches:
        cache.clear()
