"""configure() per click in two source trees, same clicks, same minutes: ratios, not guesses.

    .venv/bin/python benchmarks/engine_ab.py --base /work/main [--products 45,90,ind,renault]
        [--clicks 100] [--rounds 2] [--clock wall|cpu]

Each product is compiled once (by this tree) and pickled under var/bench-ab/ with its
click sequence (the random clicks of benchmarks/engine.py, seed 7); then every round runs
one process per tree, alternating, each timing `configure()` on the same clicks after a
warm-up. Two timings per click:

- full: `configure()` as the shop calls it (explain_resolutions=False, as the API);
- no-reasons: the same call with `explain.minimal_support` and the excluded options' rule
  cores stubbed out (states, prices, deltas and resolutions still computed in full): the
  part of a click outside the reasons.

`--clock cpu` times with the process's CPU time instead of the wall clock: on a machine
loaded far beyond its cores, waiting for a core no longer counts (cache and memory
contention still do).

Every process also digests every answer (states, deltas, resolutions; reasons in full
mode) and the digests of the two trees must be equal: the answers did not change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("ATELIER_VAR_DIR", ROOT / "var")) / "bench-ab"


def _prepare(product: str) -> None:
    """Compile `product` with this tree and store it with its clicks (once)."""
    pk, sq = CACHE / f"{product}.pickle", CACHE / f"{product}.clicks.json"
    if pk.exists() and sq.exists():
        return
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import engine as bench  # benchmarks/engine.py: products and click sequences

    from configurator.engine import compile_product, product_from_document
    from tests.engine_samples import generated_document, industrial_document

    if product == "renault":
        doc = json.loads(bench.RENAULT.read_text())["products"][0]
    elif product == "ind":
        doc = industrial_document()
    elif product == "90":
        doc = generated_document(seed=7, subsystems=18)
    else:
        doc = generated_document(seed=7)
    compiled = compile_product(product_from_document(doc, "EUR"))
    clicks = [
        s
        for s, _, _ in bench.click_sequences(
            compiled, random.Random(7), 400, len(doc["groups"]) + 2
        )
    ]
    CACHE.mkdir(parents=True, exist_ok=True)
    pk.write_bytes(pickle.dumps(compiled))
    sq.write_text(json.dumps(clicks))


def _worker(tree: str, product: str, mode: str, clicks: int) -> None:
    """Time configure() with `tree` first on sys.path; print one JSON line."""
    sys.path.insert(0, tree)
    from configurator.engine import configure

    module = sys.modules["configurator.engine.configure"]
    if mode == "no-reasons":
        module.minimal_support = lambda *args, **kwargs: []  # type: ignore[attr-defined]
        module._Session.option_reasons = lambda self, lits, support: ()  # type: ignore[attr-defined]
    compiled = pickle.loads((CACHE / f"{product}.pickle").read_bytes())
    sequence = json.loads((CACHE / f"{product}.clicks.json").read_text())[:clicks]
    for selections in sequence[:10]:
        configure(compiled, selections)
    clock = time.process_time if os.environ.get("ENGINE_AB_CLOCK") == "cpu" else time.perf_counter
    times, digest = [], hashlib.sha256()
    for selections in sequence:
        started = clock()
        result = configure(compiled, selections)
        times.append(clock() - started)
        for group in result.groups:
            for o in group.options:
                reasons = o.reasons if mode == "full" else ()
                digest.update(
                    repr((group.code, o.code, o.state, o.delta, o.resolution, reasons)).encode()
                )
        digest.update(repr((result.price, result.valid, result.conflicts)).encode())
    times.sort()
    print(
        json.dumps(
            {
                "median": statistics.median(times) * 1000,
                "p95": times[min(len(times) - 1, int(0.95 * len(times)))] * 1000,
                "digest": digest.hexdigest()[:12],
                "load": os.getloadavg()[0],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the other source tree (e.g. /work/main)")
    parser.add_argument("--products", default="45,90,ind,renault")
    parser.add_argument("--modes", default="no-reasons,full")
    parser.add_argument("--clicks", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        tree, product, mode = args.worker
        _worker(tree, product, mode, args.clicks)
        return
    os.environ["ENGINE_AB_CLOCK"] = args.clock  # read by the workers
    trees = {"base": str(Path(args.base).resolve()), "this": str(ROOT)}
    print(
        f"base {trees['base']}, this {trees['this']}, {args.clicks} clicks,"
        f" median / p95 ms ({args.clock} clock)"
    )
    for product in args.products.split(","):
        _prepare(product)
        for mode in args.modes.split(","):
            runs: dict[str, list[dict]] = {"base": [], "this": []}
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--base",
                            args.base,
                            "--clicks",
                            str(args.clicks),
                            "--worker",
                            tree,
                            product,
                            mode,
                        ],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                    runs[name].append(json.loads(out.strip().splitlines()[-1]))
            digests = {run["digest"] for name in runs for run in runs[name]}
            cells = []
            for name in ("base", "this"):
                cells.append(
                    name
                    + " "
                    + ", ".join(f"{r['median']:.1f} / {r['p95']:.1f}" for r in runs[name])
                )
            ratio = statistics.median(r["median"] for r in runs["this"]) / statistics.median(
                r["median"] for r in runs["base"]
            )
            loads = [r["load"] for name in runs for r in runs[name]]
            print(
                f"{product:8} {mode:10} {' | '.join(cells)} | median ratio {ratio:.2f}"
                f" | load {min(loads):.1f}-{max(loads):.1f}"
                f" | answers {'identical' if len(digests) == 1 else 'DIFFER'}"
            )


if __name__ == "__main__":
    main()
