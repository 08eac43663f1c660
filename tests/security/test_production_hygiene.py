"""Production as docker-compose.yml deploys it: every long-running service comes back
when it dies, no service loads demo data or sets a password, and `bootstrap` without
ATELIER_DEMO changes nothing (the compose file is read, not run: no Docker here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command

from configurator.models import CatalogueVersion

ROOT = Path(__file__).resolve().parents[2]
ONE_SHOT = {"migrate"}


@pytest.fixture(scope="module")
def compose() -> dict:
    # safe_load resolves the x-app anchor and its `<<` merges as Docker Compose does.
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_long_running_service_restarts_unless_stopped(compose):
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", name
        else:
            assert service.get("restart") == "unless-stopped", name


def test_no_service_loads_demo_data_or_touches_a_password(compose):
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        assert "ATELIER_DEMO" not in environment, name
        command = " ".join(service.get("command") or [])
        assert not re.search(r"\b(bootstrap|createsuperuser|changepassword)\b", command), name
    assert compose["services"]["migrate"]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--no-input",
    ]


def test_the_web_server_runs_with_atelier_gunicorn_settings(compose):
    # atelier/gunicorn_conf.py raises limit_request_line and answers its errors as
    # problems; the image's default command must use it as compose's does.
    assert "python:atelier.gunicorn_conf" in compose["services"]["web"]["command"]
    assert "python:atelier.gunicorn_conf" in (ROOT / "Dockerfile").read_text()


def test_compose_runs_redis_as_the_reliability_rules_ask(compose):
    redis = compose["services"]["redis"]["command"]
    assert redis[redis.index("--appendonly") + 1] == "yes"
    assert redis[redis.index("--maxmemory-policy") + 1] == "noeviction"
    env = compose["x-app"]["environment"]
    assert env["CACHE_URL"].startswith("redis://") and env["CELERY_BROKER_URL"].startswith(
        "redis://"
    )


@pytest.mark.django_db
def test_bootstrap_without_atelier_demo_changes_nothing(settings, tmp_path):
    settings.ATELIER_DEMO = False
    settings.VAR_DIR = tmp_path
    published = CatalogueVersion.objects.filter(status="published").count()
    users = get_user_model().objects.count()
    call_command("bootstrap")
    assert CatalogueVersion.objects.filter(status="published").count() == published
    assert get_user_model().objects.count() == users
    assert not (tmp_path / "admin-password.txt").exists()


@pytest.mark.django_db
def test_bootstrap_with_atelier_demo_loads_the_demo_and_a_staff_login(settings, tmp_path, capsys):
    settings.ATELIER_DEMO = True
    settings.VAR_DIR = tmp_path
    # (On a fresh database it also imports the demo: tests/integration/test_embedded_run.py.)
    call_command("bootstrap")
    assert CatalogueVersion.objects.filter(status="published").exists()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    password = (tmp_path / "admin-password.txt").read_text().strip()
    assert admin.check_password(password)
    assert f"Staff login: admin / {password}" in capsys.readouterr().out


def test_compose_sends_account_mail_by_smtp_configured_from_the_environment(compose):
    env = compose["x-app"]["environment"]
    assert env["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    for name in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        assert env[name].startswith("${" + name), name  # from the deployer's environment
    assert env["ATELIER_SITE_URL"].startswith("${ATELIER_SITE_URL")
