"""CPU time of the single-drop reads (`necessary.SingleDrops`) inside `configure()`, per click.

    .venv/bin/python benchmarks/single_drops.py TREE PRODUCT

TREE is the source tree to time (e.g. /work/base1 or this checkout); PRODUCT one of the
products `benchmarks/engine_ab.py` prepares (45, 90, ind, renault: run it once first, it
stores them under var/bench-ab/). Clicks 20-200 of the benchmark sequence are timed with
the process's CPU clock after the first 20; prints the mean configure() time and the mean
time spent building `SingleDrops` and answering `picks`. Run two trees alternately, a few
times each: on a loaded machine only ratios of the same minutes mean anything.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("ATELIER_VAR_DIR", ROOT / "var")) / "bench-ab"


def main() -> None:
    tree, product = sys.argv[1], sys.argv[2]
    sys.path.insert(0, tree)
    from configurator.engine import configure, necessary

    compiled = pickle.loads((CACHE / f"{product}.pickle").read_bytes())
    clicks = json.loads((CACHE / f"{product}.clicks.json").read_text())[:200]
    spent = [0.0]
    cls = necessary.SingleDrops
    picks, init = cls.picks, cls.__init__

    def timed_picks(self, target):
        started = time.process_time()
        try:
            return picks(self, target)
        finally:
            spent[0] += time.process_time() - started

    def timed_init(self, passes):
        started = time.process_time()
        try:
            init(self, passes)
        finally:
            spent[0] += time.process_time() - started

    cls.picks, cls.__init__ = timed_picks, timed_init
    for selections in clicks[:20]:
        configure(compiled, selections)
    spent[0], total = 0.0, 0.0
    for selections in clicks[20:]:
        started = time.process_time()
        configure(compiled, selections)
        total += time.process_time() - started
    n = len(clicks) - 20
    print(
        f"{product} {tree}: configure {total / n * 1e3:.2f} ms,"
        f" single drops {spent[0] / n * 1e3:.2f} ms (CPU, mean of {n} clicks)"
    )


if __name__ == "__main__":
    main()
