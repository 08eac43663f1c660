"""Production settings pass Django's deployment checklist (`check --deploy`), and the
protections it asks for are really switched on: run in a subprocess with the environment
production uses, so nothing of the test run's own settings leaks in."""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "atelier.settings",
        "ATELIER_VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "false",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "ALLOWED_HOSTS": "shop.example",
        "ATELIER_HTTPS": "1",
        "ATELIER_REQUIRE_SECRET_KEY": "1",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_https_is_not_declared(tmp_path):
    # The control: the checklist does notice missing protections.
    env = production_env(tmp_path, ATELIER_HTTPS="0")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path, SECRET_KEY="")
    result = manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PROBE = """
import json
from django.conf import settings
from django.test import Client
from rest_framework.settings import api_settings

client = Client(HTTP_HOST="shop.example")
plain = client.get("/api/v1/nothing")
secure = client.get("/api/v1/nothing", secure=True)
evil = client.get("/api/v1/nothing", secure=True, HTTP_HOST="evil.example")
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "HSTS": settings.SECURE_HSTS_SECONDS,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "num_proxies": api_settings.NUM_PROXIES,
    "parsers": [p.__module__ + "." + p.__name__ for p in api_settings.DEFAULT_PARSER_CLASSES],
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security", ""),
               secure.get("X-Content-Type-Options", ""), secure.get("Referrer-Policy", "")],
    "evil_host": evil.status_code,
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    tmp_path = tmp_path_factory.mktemp("deploy")
    result = manage(production_env(tmp_path), "shell", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_to_https(production):
    status, location = production["plain"]
    assert status == 301 and location.startswith("https://shop.example/")


def test_production_answers_with_hsts_and_hardening_headers(production):
    status, hsts, nosniff, referrer = production["secure"]
    assert status == 404
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert nosniff == "nosniff" and referrer == "same-origin"


def test_production_cookies_are_secure_and_debug_is_off(production):
    assert production["DEBUG"] is False
    assert production["HSTS"] >= 31536000
    assert production["session_secure"] and production["csrf_secure"]
    assert production["session_httponly"]


def test_production_refuses_unknown_hosts(production):
    assert production["evil_host"] == 400


def test_production_api_hardening_is_on(production):
    assert production["num_proxies"] == 0  # X-Forwarded-For is not believed
    assert production["parsers"] == ["atelier.parsers.JSONParser"]
