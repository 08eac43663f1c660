"""`make run`: the web server and a real Celery worker (with beat) together.

Ctrl-C stops both. On the embedded default the worker uses kombu's filesystem broker,
so nothing else needs to run.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and a Celery worker together (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("ATELIER_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, addr: str, concurrency: int, **options):
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            for key in ("data_folder_in", "processed_folder"):
                os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)
        python = sys.executable
        schedule = os.path.join(settings.VAR_DIR, "celerybeat-schedule")
        processes = [
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "atelier",
                    "worker",
                    "-B",
                    "-s",
                    schedule,
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    str(concurrency),
                ]
            ),
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "gunicorn",
                    "atelier.wsgi",
                    "--config",
                    "python:atelier.gunicorn_conf",
                    "--bind",
                    addr,
                    "--workers",
                    "2",
                    "--access-logfile",
                    "-",
                    "--control-socket",
                    os.path.join(settings.VAR_DIR, "gunicorn.ctl"),
                ]
                if not settings.DEBUG
                else [python, "manage.py", "runserver", addr, "--noreload"]
            ),
        ]
        base = f"http://{addr}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nAtelier is running:\n  shop      {base}/\n  admin     {base}/admin/\n"
                f"  API docs  {base}/api/v1/docs/\n  worker    celery (with beat), "
                f"broker {settings.CELERY_BROKER_URL.split('@')[-1]}\nCtrl-C stops both.\n"
            )
        )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.2)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for p in processes:
                try:
                    p.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
        failed = [
            p.args[2]
            for p in processes
            if p.returncode not in (0, -signal.SIGTERM, None) and not stopping
        ]
        if failed:
            self.stderr.write(f"stopped because a process exited: {failed}")
            sys.exit(1)
