"""The shared cache (Redis in production, `CACHE_URL`) with a per-process fallback, so a
Redis outage slows nothing down and breaks nothing (DESIGN.md, reliability rules).

Who reads the cache: the API's rate limits (atelier/throttling.py). Sessions live in the
database and the published catalogue is kept per process, so they never touch Redis.
Whatever reads it through Django's cache API gets this behaviour:

- A call that meets a Redis error (refused, timed out, loading, out of memory under
  `noeviction`) is answered by a local in-memory cache instead, and Redis is left alone
  for `FALLBACK_RETRY_SECONDS` (default 5): during an outage a request costs no
  connection attempt, and after it the next call past that time uses Redis again.
  Throttles then count per process, a looser limit for a few seconds, never a 5xx.
- The outage is logged once when it begins, then at most once per `FALLBACK_LOG_SECONDS`
  (default 60) with the number of calls served locally meanwhile, and once when Redis is
  back: not one line per request.

Settings (atelier/settings.py) pick this backend whenever CACHE_URL is set.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from atelier.outage_log import OutageLog

log = logging.getLogger("atelier.cache")

# ConnectionError, TimeoutError, BusyLoadingError and ResponseError ("OOM command not
# allowed" under noeviction) are all RedisErrors; redis-py wraps socket errors in them.
SHARED_CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError,)
LOCAL_MAX_ENTRIES = 10_000


@dataclass
class CacheOutage:
    """What one process knows about one shared cache: whether to skip it, and the calls
    served locally since the outage was last logged. One per cache location, shared by the
    process's threads."""

    location: str
    retry_seconds: float
    log_seconds: float
    down_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    log: OutageLog = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.log = OutageLog(every_seconds=self.log_seconds)

    @property
    def served_locally(self) -> int:
        """Calls answered by the local cache since the outage was last logged."""
        return self.log.unlogged

    def skip(self, *, now: float) -> bool:
        if now < self.down_until:
            self.log.count()
            return True
        return False

    def failed(self, *, error: Exception, now: float) -> None:
        with self.lock:
            began = self.down_until == 0.0
            self.down_until = now + self.retry_seconds
        served = self.log.failed(now=now, began=began)
        if served is None:
            return
        log.warning(
            "shared cache %s unreachable (%s: %s); this process uses its own cache "
            "(%d calls so far) and tries again every %.0f s",
            self.location,
            type(error).__name__,
            error,
            served,
            self.retry_seconds,
        )

    def answered(self) -> None:
        if self.down_until == 0.0:
            return  # the common case: no lock, nothing to do
        with self.lock:
            if self.down_until == 0.0:
                return
            self.down_until = 0.0
            served = self.log.ended()
        log.warning("shared cache %s is back (%d calls were served locally)", self.location, served)


_outages: dict[str, CacheOutage] = {}
_outages_lock = threading.Lock()


def outage_of(*, location: str, retry_seconds: float, log_seconds: float) -> CacheOutage:
    """The process's one record for this cache location (Django builds a backend object
    per thread; they must agree on whether Redis is away)."""
    with _outages_lock:
        outage = _outages.get(location)
        if outage is None:
            outage = _outages[location] = CacheOutage(
                location=location, retry_seconds=retry_seconds, log_seconds=log_seconds
            )
        return outage


def forget_outages() -> None:
    """Start from "Redis is up" (tests)."""
    with _outages_lock:
        _outages.clear()


class FallbackRedisCache(RedisCache):
    """Django's RedisCache, answered from a per-process LocMemCache while Redis is away."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        retry_seconds = float(options.pop("FALLBACK_RETRY_SECONDS", 5))
        log_seconds = float(options.pop("FALLBACK_LOG_SECONDS", 60))
        super().__init__(server, {**params, "OPTIONS": options})
        location = server if isinstance(server, str) else ",".join(server)
        self.outage = outage_of(
            location=location, retry_seconds=retry_seconds, log_seconds=log_seconds
        )
        # LocMemCache keeps its data per name, so every thread's backend shares it.
        self.local = LocMemCache(
            f"atelier-fallback:{location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES},
            },
        )

    def _call(self, name: str, *args, **kwargs):
        now = time.monotonic()
        if not self.outage.skip(now=now):
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except SHARED_CACHE_ERRORS as error:
                self.outage.failed(error=error, now=now)
            else:
                self.outage.answered()
                return result
        return getattr(self.local, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        self.local.clear()
        return self._call("clear")
