"""How many gunicorn workers and threads the web server runs, as gunicorn resolves
atelier/gunicorn_conf.py (`--print-config`): one worker per core the process may run on,
two threads each, keep-alive; WEB_CONCURRENCY or --workers overrides the count; and make
run, the Dockerfile and compose leave the count to the configuration instead of fixing one
(benchmarks/README.md, "API, stop 13")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from atelier import gunicorn_conf
from atelier.management.commands.serve import Command as Serve

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def resolved(*options: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The settings gunicorn runs with for this configuration and these options."""
    env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
    env.update(environ or {})
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--print-config",
            "--config",
            "python:atelier.gunicorn_conf",
            *options,
            "atelier.wsgi",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    settings = {}
    for line in out.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            settings[name.strip()] = value.strip()
    return settings


def test_one_worker_per_usable_core_with_two_threads_and_keep_alive():
    settings = resolved()
    assert settings["workers"] == str(min(len(os.sched_getaffinity(0)), 8))
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] == "2"
    assert settings["keepalive"] == "15"


def test_where_the_system_has_no_cpu_sets_the_machines_cores_count(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity")  # as on macOS
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert gunicorn_conf.usable_cores() == 6


def test_a_big_host_without_a_cpu_set_gets_at_most_eight_workers(monkeypatch):
    """Two database connections per worker: 64 cores' worth would pass PostgreSQL's
    default max_connections (100)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    assert gunicorn_conf.default_workers() == 8
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert gunicorn_conf.default_workers() == 2


def test_web_concurrency_or_the_command_line_sets_the_count():
    assert resolved(environ={"WEB_CONCURRENCY": "3"})["workers"] == "3"
    assert resolved("--workers", "5")["workers"] == "5"


def test_make_run_the_image_and_compose_leave_the_count_to_the_configuration(settings):
    settings.DEBUG = False  # serve runs gunicorn, not runserver
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dockerfile_cmd = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    commands = {
        "compose": compose["services"]["web"]["command"],
        "Dockerfile": json.loads(dockerfile_cmd.removeprefix("CMD")),
        "make run": Serve._web_command("127.0.0.1:8000"),
    }
    for where, command in commands.items():
        assert "python:atelier.gunicorn_conf" in command, where
        assert "--workers" not in command and "-w" not in command, where
