"""Start and stop PostgreSQL 15 and Redis from their Debian binaries, on loopback.

PostgreSQL refuses to run as root, so the cluster is initialised and started as the
`postgres` user (MACHINE-NOTES.md). Every server is stopped by its PID or pg_ctl.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Debian's Chromium, never a downloaded browser, as the e2e tests and
# benchmarks/browser.py launch it through Playwright (MACHINE-NOTES.md).
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class ServerUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(port: int, *, workers: int, options: tuple[str, ...] = ()) -> list[str]:
    """gunicorn as serve, the Dockerfile and compose run it (atelier.gunicorn_conf), on
    loopback `port` with `workers` workers."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "atelier.wsgi",
        "--config",
        "python:atelier.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *options,
    ]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class Postgres:
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/atelier"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]),
            check=check,
            capture_output=True,
            text=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root / 'sock'} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self.pg_ctl("-l", str(self.root / "postgres.log"), "-w", "-t", "30", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()


def missing_binaries() -> list[str]:
    """What start_postgres and start_redis would miss, named for the error message."""
    missing = []
    if not (PG_BIN / "initdb").exists():
        missing.append(f"PostgreSQL 15 binaries in {PG_BIN} (Debian: postgresql)")
    if not Path(REDIS_SERVER).exists():
        missing.append("redis-server (Debian: redis-server)")
    return missing


def start_postgres(root: Path | None = None) -> Postgres:
    if not (PG_BIN / "initdb").exists():
        raise ServerUnavailable(
            f"PostgreSQL 15 binaries not found in {PG_BIN} (Debian: postgresql)"
        )
    root = Path(root or tempfile.mkdtemp(prefix="atelier-pg-"))
    for sub in ("data", "sock"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "postgres.log").touch()
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        for path in (root / "data", root / "sock", root / "postgres.log"):
            shutil.chown(path, "postgres", "postgres")
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    server = Postgres(root=root, port=free_port())
    server.start()
    subprocess.run(
        [
            str(PG_BIN.parent / "bin" / "createdb")
            if (PG_BIN / "createdb").exists()
            else "createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "postgres",
            "atelier",
        ],
        check=True,
        capture_output=True,
    )
    return server


@dataclass
class Redis:
    root: Path
    port: int
    process: subprocess.Popen | None = None
    # docker-compose.yml's Redis keeps an append-only file; the test run's keeps nothing.
    appendonly: bool = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--dir",
                str(self.root),
                "--maxmemory-policy",
                "noeviction",
                "--logfile",
                str(self.root / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise ServerUnavailable("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_redis(root: Path | None = None, *, appendonly: bool = False) -> Redis:
    if not Path(REDIS_SERVER).exists():
        raise ServerUnavailable("redis-server not found (Debian: redis-server)")
    root = Path(root or tempfile.mkdtemp(prefix="atelier-redis-"))
    root.mkdir(parents=True, exist_ok=True)
    server = Redis(root=root, port=free_port(), appendonly=appendonly)
    server.start()
    return server
