"""Warnings about an outage, limited per process: the first failure is logged at once,
then at most one warning per `every_seconds` with how many failures came meanwhile, and
one line when it is over: an outage during a burst of requests is a few lines, not one
per request. atelier.enqueue (a broker that cannot take a send) and atelier.cache (a
shared cache that does not answer) both count their failures here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class OutageLog:
    """Failures counted since the last warning, shared by the process's threads. The
    caller passes `now` (time.monotonic()) and writes the warning itself."""

    every_seconds: float
    last_logged: float = float("-inf")
    unlogged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self) -> None:
        """One more failure that needs no warning of its own."""
        with self.lock:
            self.unlogged += 1

    def failed(self, *, now: float, began: bool = False) -> int | None:
        """Count one failure. When a warning is due (the outage `began` with it, or
        `every_seconds` passed since the last), the number of failures it reports (this
        one included) and the count starts again; None when the warning is not due.

        >>> log = OutageLog(every_seconds=60)
        >>> log.failed(now=0.0), log.failed(now=30.0), log.failed(now=61.0)
        (1, None, 2)
        """
        with self.lock:
            self.unlogged += 1
            if not began and now - self.last_logged < self.every_seconds:
                return None
            count, self.unlogged = self.unlogged, 0
            self.last_logged = now
            return count

    def ended(self) -> int:
        """The failures not reported yet; the next failure is warned of at once."""
        with self.lock:
            count, self.unlogged = self.unlogged, 0
            self.last_logged = float("-inf")
            return count
