"""Partner API under load, as ratios to a bare DRF endpoint served the same way.

    python benchmarks/api.py [--seconds 20] [--users 32] [--workers 2] [--threads N [N ...]]

Starts its own PostgreSQL (tests/servers.py), migrates it, publishes the demo catalogue,
creates a partner with a token and one order, then runs gunicorn (atelier.gunicorn_conf,
gthread workers since issue 15) on loopback with ATELIER_BENCH_ENDPOINTS=1, which adds
the baseline `/api/v1/_bench/row`: bare DRF reading one row (no auth, no throttle).
Locust, headless in its own process, then drives each endpoint in turn with `--users`
concurrent clients that never wait:

- baseline: GET /api/v1/_bench/row
- configure: POST /api/v1/products/nb14/configure, a mid-way configuration (anonymous,
  as the shop's customers call it; throttled, at a rate set too high to bite)
- order: GET /api/v1/orders/{id}/ with a partner token (token lookup, the partner's
  queryset, lines and events prefetched)

Prints requests per second, p50 and p99 of each, and each as a ratio to the baseline.
Rate limits are raised so that the benchmark measures work, not 429s.

`--threads 4 2` compares thread counts in the same minutes: one gunicorn per value (each
with `--threads N`, overriding atelier.gunicorn_conf's) on the same database, and each
phase driven against one after the other before the next phase, so that a load that
comes and goes on a shared machine falls on both.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402
from tests.demo import NB14  # noqa: E402

CONFIGURE_BODY = {"selections": {"cpu": ["u7"], "memory": ["32gb"], "display": ["oled"]}}
ORDER_SELECTIONS = NB14

LOCUSTFILE = textwrap.dedent(
    """
    import json
    import os

    from locust import FastHttpUser, constant, task

    PHASE = os.environ["BENCH_PHASE"]
    TOKEN = os.environ["BENCH_TOKEN"]
    ORDER = os.environ["BENCH_ORDER"]
    BODY = os.environ["BENCH_CONFIGURE_BODY"]


    class Client(FastHttpUser):
        # 0: saturation (throughput). > 0: clients that pause like people (latency).
        wait_time = constant(float(os.environ.get("BENCH_THINK", "0")))

        @task
        def call(self):
            if PHASE == "baseline":
                self.client.get("/api/v1/_bench/row", name="baseline")
            elif PHASE == "configure":
                self.client.post(
                    "/api/v1/products/nb14/configure",
                    data=BODY,
                    headers={"Content-Type": "application/json"},
                    name="configure",
                )
            else:
                self.client.get(
                    f"/api/v1/orders/{ORDER}/",
                    headers={"Authorization": f"Token {TOKEN}"},
                    name="order",
                )
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> dict:
    """Migrate, publish the demo, create a partner token and one order (in a child
    process, so this one never holds Django state the server could disagree with)."""
    script = textwrap.dedent(
        f"""
        import json, django
        django.setup()
        from django.core.management import call_command
        call_command("migrate", verbosity=0)
        from configurator.services import import_catalogue
        from orders import services
        from orders.models import Partner
        document = json.loads(open({str(ROOT / "configurator" / "demo" / "catalogue.json")!r}).read())
        import_catalogue(document=document, publish=True)
        partner = Partner.objects.create(name="Bench")
        _, raw = services.issue_token(partner=partner, name="bench")
        order = services.place_order(
            lines=[services.LineRequest(product="nb14", selections={ORDER_SELECTIONS!r}, quantity=2)],
            reference="BENCH", partner=partner, actor="bench",
        )
        print(json.dumps({{"token": raw, "order": str(order.public_id)}}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout} s")


def warm_up(base: str, token: str, order: str, workers: int) -> None:
    """Every worker loads the compiled product and opens its DB connection first."""
    body = json.dumps(CONFIGURE_BODY).encode()
    for _ in range(10 * workers):
        urllib.request.urlopen(f"{base}/api/v1/_bench/row").read()
        request = urllib.request.Request(
            f"{base}/api/v1/products/nb14/configure",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request).read()
        request = urllib.request.Request(
            f"{base}/api/v1/orders/{order}/", headers={"Authorization": f"Token {token}"}
        )
        urllib.request.urlopen(request).read()


def server_times(access_log: Path, start: int) -> list[float]:
    """Milliseconds the workers spent on each request logged after byte `start`."""
    with open(access_log, "rb") as handle:
        handle.seek(start)
        return sorted(float(line.split()[1]) for line in handle if line.strip())


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def run_phase(
    phase: str,
    *,
    base: str,
    access_log: Path,
    env: dict,
    users: int,
    seconds: int,
    work: Path,
    think: float = 0,
) -> dict:
    start = access_log.stat().st_size
    locustfile = work / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    prefix = work / f"{access_log.stem}-{phase}-{think}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "5",
        ],
        env={**env, "BENCH_PHASE": phase, "BENCH_THINK": str(think)},
        cwd=work,
        check=False,  # locust exits 1 when any request failed; the counts say so below
        timeout=seconds + 60,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == phase)
    served = server_times(access_log, start)
    return {
        "server_p50": percentile(served, 0.50),
        "server_p99": percentile(served, 0.99),
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p99": float(row["99%"]),
    }


def start_gunicorn(
    *, env: dict, port: int, workers: int, threads: int | None, access_log: Path
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "atelier.wsgi:application",
            "--config",
            "python:atelier.gunicorn_conf",
            "--workers",
            str(workers),
            *(["--threads", str(threads)] if threads else []),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            # Each request's path and time in the worker (ms): the service time,
            # without the wait in the listen queue that the client's figures include.
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(U)s %(M)s",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(access_log.with_suffix(".err"), "w"),  # noqa: SIM115 - closed with the process
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="per endpoint")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--think", type=float, default=0.25, help="pause of paced clients, s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        help="threads per worker; several values: one server each, phases interleaved "
        "(default: atelier.gunicorn_conf's)",
    )
    args = parser.parse_args()
    settings: list[int | None] = args.threads or [None]

    work = Path(tempfile.mkdtemp(prefix="atelier-api-bench-"))
    pg = servers.start_postgres()
    running: list[subprocess.Popen] = []
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "atelier.settings",
            "DATABASE_URL": pg.url,
            "ATELIER_VAR_DIR": str(work / "var"),
            "ATELIER_BENCH_ENDPOINTS": "1",
            "ATELIER_ANON_RATE": "100000000/min",
            "ATELIER_PARTNER_RATE": "100000000/min",
            "LOG_LEVEL": "ERROR",
            "DEBUG": "0",
        }
        env.pop("CACHE_URL", None)
        (work / "var" / "broker" / "queue").mkdir(parents=True)
        (work / "var" / "broker" / "processed").mkdir(parents=True)
        seed = prepare(env)
        env.update(
            BENCH_TOKEN=seed["token"],
            BENCH_ORDER=seed["order"],
            BENCH_CONFIGURE_BODY=json.dumps(CONFIGURE_BODY),
        )
        targets = {}
        for threads in settings:
            port = free_port()
            access_log = work / f"threads-{threads or 'conf'}.log"
            running.append(
                start_gunicorn(
                    env=env, port=port, workers=args.workers, threads=threads, access_log=access_log
                )
            )
            targets[threads] = (f"http://127.0.0.1:{port}", access_log)
        for base, _ in targets.values():
            wait_until_up(f"{base}/api/v1/_bench/row")
            warm_up(base, seed["token"], seed["order"], args.workers)
        results: dict = {threads: {} for threads in settings}
        paced: dict = {threads: {} for threads in settings}
        # Little's law: closed-loop clients that never pause measure queueing, not
        # service (latency = users / throughput). The same 32 clients pausing
        # --think seconds between calls show the latency a caller actually meets.
        for think, into in ((0.0, results), (args.think, paced)):
            for phase in ("baseline", "configure", "order"):
                for threads, (base, access_log) in targets.items():
                    into[threads][phase] = run_phase(
                        phase,
                        base=base,
                        access_log=access_log,
                        env=env,
                        users=args.users,
                        seconds=args.seconds,
                        work=work,
                        think=think,
                    )
    finally:
        for gunicorn in running:
            gunicorn.send_signal(signal.SIGTERM)
        for gunicorn in running:
            try:
                gunicorn.wait(15)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        pg.stop()
        shutil.rmtree(pg.root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)

    for threads in settings:
        report(
            results=results[threads],
            paced=paced[threads],
            args=args,
            threads=f"{threads} threads each" if threads else "threads as atelier.gunicorn_conf",
        )
    if len(settings) > 1:
        first = results[settings[0]]
        print(f"\nconfigure against {settings[0]} threads, same minutes:")
        for threads in settings[1:]:
            other = results[threads]
            print(
                f"  {threads} threads: configure req/s "
                f"{other['configure']['rps'] / first['configure']['rps']:.2f}x; ÷ baseline "
                f"{other['configure']['rps'] / other['baseline']['rps']:.2f} against "
                f"{first['configure']['rps'] / first['baseline']['rps']:.2f}"
            )
    rows = [row for each in (results, paced) for table in each.values() for row in table.values()]
    if any(row["failures"] for row in rows):
        sys.exit("some requests failed (see the 'failed' column)")


def report(*, results: dict, paced: dict, args: argparse.Namespace, threads: str) -> None:
    base_row = results["baseline"]
    print(
        f"\ngunicorn {args.workers} workers, {threads}, PostgreSQL, locust {args.users} "
        f"users, {args.seconds} s per endpoint, {os.cpu_count()} CPUs shared by server and load"
    )
    print(
        f"{'endpoint':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'req/s ×':>10}{'p50 ×':>8}{'p99 ×':>8}{'server p50':>12}{'server p99':>12}"
        f"{'failed':>8}"
    )
    for phase, row in results.items():
        print(
            f"{phase:<11}{row['rps']:>9.0f}{row['p50']:>9.0f}{row['p99']:>9.0f}"
            f"{row['rps'] / base_row['rps']:>10.2f}{row['p50'] / base_row['p50']:>8.2f}"
            f"{row['p99'] / base_row['p99']:>8.2f}{row['server_p50']:>12.1f}"
            f"{row['server_p99']:>12.1f}{row['failures']:>8}"
        )
    print(f"the same {args.users} clients pausing {args.think} s between calls (latency):")
    print(
        f"{'endpoint':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'server p50':>12}{'server p99':>12}{'failed':>8}"
    )
    for phase, row in paced.items():
        print(
            f"{phase:<11}{row['rps']:>9.0f}{row['p50']:>9.0f}{row['p99']:>9.0f}"
            f"{row['server_p50']:>12.1f}{row['server_p99']:>12.1f}{row['failures']:>8}"
        )


if __name__ == "__main__":
    main()
