"""The garbage collector's settings for a process that serves clicks.

A worker holds its compiled products (hundreds of MB of arrays and long-lived object
graphs) and, as it serves, per-process caches that grow to tens of thousands of small
objects (reasons, option states, table revisions). With CPython's default thresholds a
click allocating a few thousand containers triggers several young collections, each
walking the survivors not yet promoted, and now and then a full collection walking
everything: on the Renault model ~7 ms of collection per click on average, single full
collections of 100–260 ms (benchmarks/README.md, stop 14). What lives at start-up is
moved out of the collector's sight, and young collections run ~70 times less often.
Cycles are still collected, only later; the memory they hold meanwhile is bounded by the
threshold (50,000 container allocations).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 20)


def settle() -> None:
    """Collect once, freeze what is alive (the compiled products just loaded) and raise
    the thresholds. Call it when a serving process has loaded what it keeps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
