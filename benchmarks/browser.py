"""Click to updated page on the configure page, in Chromium, against a baseline in the
same run: the whole-fragment swap the regions replaced, or another checkout (main).

    python benchmarks/browser.py [--clicks 100] [--orders 200] [--workers 1]
        [--modes regions full full-nosettle] [--baseline DIR] [--root DIR]

Starts a real server on a fresh SQLite file: migrate, the demo catalogue published and
`--orders` orders placed and scheduled first (as benchmarks/shop.py, so the ship-date
estimate reads a plan with booked days), then gunicorn as `make run` and compose run it
(the checkout's own atelier.gunicorn_conf: worker class, threads, keep-alive) on
loopback. Debian's Chromium (Playwright, /usr/bin/chromium, the e2e tests' launch
arguments), desktop viewport 1280×900.

A click is a real mouse click (Playwright) on an option of a demo product's configure
page: in each group in turn the next option that is available and not picked, or "Apply
the change" when a conflict waits; `--clicks` clicks per mode, spread over the demo
products, the same sequence in every mode (the server answers the same states).
Measured in the page: from the click event to the first frame painted after htmx has
swapped and settled the answer (`htmx:afterSettle`, then a requestAnimationFrame and a
task after it: the frame with the new state has been rendered). Also split: request
(send → answer received: server and network), swap and settle, paint; and the request
split again by the update's Resource Timing entry (queue in the browser, TCP connect,
time to first byte, download, last byte → htmx's beforeSwap) beside the server's own
time per update from gunicorn's access log (%(D)s), with how many clicks found their
connection open.

Modes, the same clicks each, interleaved product by product:
- regions: the page as it is: the update answers only the regions whose digest changed,
  as out-of-band swaps morphed into the page, settle 0 ms (configurator/shop/regions.py).
- full: the page before regions: the `shown` field dropped from each request, so the
  server answers the whole configurator, swapped as one outerHTML with htmx's default
  20 ms settle.
- full-nosettle: the whole configurator with settle 0 ms: how much of that is the settle
  delay alone.
- baseline (with `--baseline DIR`): another checkout, e.g. main
  (`git -C /work/main archive HEAD | tar -x -C DIR`), served beside this one by its own
  gunicorn (its own atelier.gunicorn_conf) on its own fresh SQLite with the same orders;
  its page measured as it is. The ratios are then to it, else to `full`.

Prints median and p95 per mode and the ratios to the baseline. `--root DIR --modes
regions` serves another checkout instead of this one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402

MODES = ("regions", "full", "full-nosettle")
BASELINE = "full"

# In the page before its scripts: the mode's tweaks and the timestamps of each click.
MEASURE = """
(() => {
  const bench = (window.__bench = {mode: "regions", results: [], click: null});
  // The update's own Resource Timing entry: where "request" goes.
  const timing = (click) => {
    const entries = performance.getEntriesByType("resource")
      .filter((e) => e.initiatorType === "xmlhttprequest" && e.name.includes("/update"));
    performance.clearResourceTimings();
    const e = entries[entries.length - 1];
    if (!e) return {};
    return {
      queue: e.fetchStart - click.send,
      connect: e.connectEnd - e.connectStart,
      ttfb: e.responseStart - e.requestStart,
      download: e.responseEnd - e.responseStart,
      handoff: click.answer - e.responseEnd,
      reused: e.connectStart === e.fetchStart && e.connectEnd === e.fetchStart,
    };
  };
  document.addEventListener("click", (event) => {
    if (!event.target.closest || !event.target.closest("#configurator")) return;
    bench.click = {start: performance.now(), send: 0, answer: 0, swapped: 0, done: false, bytes: 0};
  }, true);
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-Bench-Mode"] = bench.mode;  // the server's time per mode (access log)
    if (bench.mode.startsWith("full")) delete event.detail.parameters.shown;
  });
  document.addEventListener("htmx:beforeSend", () => {
    if (bench.click) bench.click.send = performance.now();
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!bench.click) return;
    bench.click.answer = performance.now();
    bench.click.bytes = event.detail.xhr.responseText.length;
    if (bench.mode === "full") event.detail.swapOverride = "outerHTML";
    if (bench.mode === "full-nosettle") event.detail.swapOverride = "outerHTML settle:0ms";
  });
  document.addEventListener("htmx:afterSwap", () => {
    if (bench.click && !bench.click.swapped) bench.click.swapped = performance.now();
  });
  document.addEventListener("htmx:afterSettle", () => {
    const click = bench.click;
    if (!click || click.done) return;
    click.done = true;
    const settled = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      const painted = performance.now();
      bench.results.push({
        total: painted - click.start,
        request: click.answer - click.send,
        swap: settled - click.answer,
        paint: painted - settled,
        bytes: click.bytes,
        ...timing(click),
      });
    }, 0));
  });
})();
"""

# The next click: in the groups in turn, the next available option not picked; or apply
# the change a conflict proposes. Returns a CSS selector.
NEXT_CLICK = """
(step) => {
  const resolve = document.querySelector(".conflict button[value=resolve]");
  if (resolve) return ".conflict button[value=resolve]";
  const undo = document.querySelector(".conflict button[value=undo]");
  if (undo) return ".conflict button[value=undo]";
  let slots = [...document.querySelectorAll(".group-slot")];
  if (!slots.length) slots = [...document.querySelectorAll("fieldset.group")];  // --root: older page
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[(step + i) % slots.length];
    const inputs = [...slot.querySelectorAll(".choice.is-available > input.choice-input")]
      .filter((input) => !input.checked);
    if (inputs.length) return "#" + inputs[step % inputs.length].id;
  }
  return null;
}
"""


def prepare(env: dict[str, str], orders: int, root: Path) -> list[str]:
    """Migrate, publish the demo catalogue with its pictures (as `make run` does: the
    command reads the media/ folder beside the JSON), place `orders` orders; the product
    codes."""
    script = f"""
import json, django
django.setup()
from django.core.management import call_command
from configurator import shop
from configurator.selectors import published_version
from orders.services import LineRequest, place_order
call_command("migrate", verbosity=0)
call_command("import_catalogue", {str(root / "configurator/demo/catalogue.json")!r}, publish=True, verbosity=0)
version = published_version()
codes = [p["code"] for p in version.document["products"]]
for i in range({orders}):
    code = codes[i % len(codes)]
    place_order(lines=[LineRequest(code, shop.default_selections(version, code), 1 + i % 3)])
print(json.dumps(codes))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {timeout} s")


def run_clicks(page, base: str, code: str, mode: str, clicks: int) -> list[dict]:
    page.goto(f"{base}/p/{code}/")
    page.wait_for_load_state("load")
    page.wait_for_function("window.htmx && document.getElementById('configurator')")
    page.evaluate(f"window.__bench.mode = {mode!r}; window.__bench.results = []")
    for step in range(clicks):
        selector = page.evaluate(NEXT_CLICK, step)
        if selector is None:
            break
        page.click(selector)
        page.wait_for_function(f"window.__bench.results.length > {step}", timeout=20_000)
        # Let the page go idle (focus restored, autofocus, any timers) before the next.
        page.wait_for_timeout(30)
    return page.evaluate("window.__bench.results")


# The mode (the page's X-Bench-Mode header), the method, the path and the server's time
# in microseconds.
ACCESS_FORMAT = "%({x-bench-mode}i)s %(m)s %(U)s %(D)s"


def server_times(log: Path) -> dict[str, list[float]]:
    """The server's time (ms) per update, by mode, from gunicorn's access log."""
    out: dict[str, list[float]] = {}
    for line in log.read_text().splitlines():
        mode, method, path, micros = line.split()
        if method == "POST" and path.endswith("/update/") and mode != "-":
            out.setdefault(mode, []).append(int(micros) / 1000)
    return out


def percentile95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def start_server(
    *, root: Path, orders: int, workers: int
) -> tuple[subprocess.Popen, Path, str, list[str]]:
    """A fresh SQLite file prepared by `root`'s code and gunicorn serving `root` as
    `make run` and compose run it (its own atelier.gunicorn_conf), on loopback: the
    process, its work folder, its base URL and the demo product codes."""
    work = Path(tempfile.mkdtemp(prefix="atelier-browser-bench-"))
    if root != ROOT and (ROOT / "package.json").exists() and not (root / "node_modules").exists():
        # An exported checkout has no npm packages installed: lend it this one's
        # (a checkout from before package.json carries its own copies in static/vendor).
        (root / "node_modules").symlink_to(ROOT / "node_modules")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "ATELIER_VAR_DIR": str(work),
        "DJANGO_SETTINGS_MODULE": "atelier.settings",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "HOME": str(work),
    }
    env.pop("DEBUG", None)
    port = servers.free_port()
    try:
        codes = prepare(env, orders, root)
        server = subprocess.Popen(
            servers.gunicorn_command(
                port,
                workers=workers,
                options=(
                    "--access-logfile",
                    str(work / "access.log"),
                    "--access-logformat",
                    ACCESS_FORMAT,
                ),
            ),
            env=env,
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return server, work, f"http://127.0.0.1:{port}", codes


def stop_server(server: subprocess.Popen, work: Path) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=100, help="measured clicks per mode")
    parser.add_argument("--orders", type=int, default=200, help="orders in the plan first")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout served beside --root (its own gunicorn and SQLite), its "
        "page measured as mode 'baseline', interleaved with the others; the ratios are "
        "then to it",
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    modes = [*args.modes, *(["baseline"] if args.baseline else [])]
    reference = "baseline" if args.baseline else BASELINE
    started: list[tuple[subprocess.Popen, Path]] = []
    try:
        server, work, base, codes = start_server(
            root=args.root.resolve(), orders=args.orders, workers=args.workers
        )
        started.append((server, work))
        bases = dict.fromkeys(args.modes, base)
        logs = {"": work / "access.log"}
        if args.baseline:
            other, other_work, bases["baseline"], _ = start_server(
                root=args.baseline.resolve(), orders=args.orders, workers=args.workers
            )
            started.append((other, other_work))
            logs["baseline"] = other_work / "access.log"
        for url in set(bases.values()):
            wait_until_up(url + "/")
        per_product = [
            args.clicks // len(codes) + (i < args.clicks % len(codes)) for i in range(len(codes))
        ]
        results: dict[str, list[dict]] = {mode: [] for mode in modes}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=servers.CHROMIUM_PATH,
                args=servers.CHROMIUM_ARGS,
            )
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(MEASURE)
            page = context.new_page()
            page.set_default_timeout(20_000)
            for code in codes:  # warm: the worker's compiled products, templates, browser cache
                for mode in modes:
                    run_clicks(page, bases[mode], code, mode, 3)
            for code, clicks in zip(codes, per_product, strict=True):
                for mode in modes:  # interleaved, so drift hits every mode alike
                    results[mode].extend(run_clicks(page, bases[mode], code, mode, clicks))
            browser.close()
        server_ms: dict[str, list[float]] = {}
        for log in logs.values():
            server_ms.update(server_times(log))
    finally:
        for server, work in started:
            stop_server(server, work)

    base_median = (
        statistics.median(r["total"] for r in results[reference]) if reference in results else None
    )
    print(
        f"Chromium, gunicorn {args.workers} worker(s), SQLite, {args.orders} orders planned; "
        f"demo products {', '.join(codes)}"
    )
    print()
    print(
        f"| mode | clicks | median ms | p95 ms | median / {reference} | request ms | swap+settle ms | paint ms | answer bytes |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for mode in modes:
        rows = results[mode]
        totals = [r["total"] for r in rows]
        med = statistics.median(totals)
        ratio = f"{med / base_median:.2f}x" if base_median else "-"
        print(
            f"| {mode} | {len(rows)} | {med:.1f} | {percentile95(totals):.1f} | {ratio} | "
            f"{statistics.median(r['request'] for r in rows):.1f} | "
            f"{statistics.median(r['swap'] for r in rows):.1f} | "
            f"{statistics.median(r['paint'] for r in rows):.1f} | "
            f"{statistics.median(r['bytes'] for r in rows):.0f} |"
        )
    print()
    print(
        "Where the request goes (medians, ms): send → fetch start in the browser (queue), "
        "TCP connect (0 on a kept-alive connection), request sent → first byte (TTFB), "
        "download, last byte → htmx's beforeSwap (handoff); the server's own time from "
        "gunicorn's access log."
    )
    print()
    print("| mode | queue | connect | TTFB | server | download | handoff | connections reused |")
    print("|---|---|---|---|---|---|---|---|")
    for mode in modes:
        rows = [r for r in results[mode] if "ttfb" in r]
        if not rows:
            continue
        cells = [
            f"{statistics.median(r[key] for r in rows):.1f}" for key in ("queue", "connect", "ttfb")
        ]
        server = server_ms.get(mode)
        cells.append(f"{statistics.median(server):.1f}" if server else "-")
        cells += [
            f"{statistics.median(r[key] for r in rows):.1f}" for key in ("download", "handoff")
        ]
        reused = sum(1 for r in rows if r["reused"])
        print(f"| {mode} | {' | '.join(cells)} | {reused} of {len(rows)} |")
    if "regions" in results:
        median = statistics.median(r["total"] for r in results["regions"])
        print()
        print(f"Target median < 40 ms: {'met' if median < 40 else 'MISSED'} ({median:.1f} ms)")


if __name__ == "__main__":
    main()
