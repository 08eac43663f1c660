"""Fixtures of the security tests: the demo catalogue published inside the test's own
transaction (so transactional tests elsewhere in the run cannot take it away), clean
throttle counters, and row counts to prove that a refused write left nothing behind."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError, RestrictedError

from configurator import selectors, shop
from configurator.services import import_catalogue

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configurator" / "demo" / "catalogue.json"
_DEMO_DOCUMENT = json.loads(DEMO.read_text(encoding="utf-8"))

# The demo Notebook 14's defaults with 32 GB: complete, valid, not a standard product.
NB14 = {
    "cpu": ["u5"],
    "memory": ["32gb"],
    "storage": ["512gb"],
    "display": ["fhd"],
    "graphics": ["integrated"],
    "battery": ["54wh"],
    "adapter": ["65w"],
    "keyboard": ["std-de"],
    "os": ["win11home"],
    "colour": ["platinum"],
    "warranty": ["1y"],
}

# Markup that must never come back unescaped from a page that echoes it.
XSS_PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def demo_document() -> dict:
    return copy.deepcopy(_DEMO_DOCUMENT)


def row_counts(*app_labels: str) -> dict[str, int]:
    """Rows per model of the given apps (default: every Atelier app)."""
    labels = app_labels or ("configurator", "orders", "production")
    return {
        model._meta.label: model.objects.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Throttle counters live in the cache; compiled products are cached per process by
    # version pk, and tests publish their own versions.
    cache.clear()
    selectors._cache.clear()
    shop._start_prices.clear()
    yield
    cache.clear()


@pytest.fixture(scope="package")
def _demo_published(django_db_setup, django_db_blocker):
    """The demo catalogue, published once for this package's (rolled back) DB tests and
    deleted again afterwards, so tests elsewhere still start from an empty catalogue."""
    with django_db_blocker.unblock():
        tops = _top_keys()
        import_catalogue(document=demo_document(), publish=True)
    yield
    with django_db_blocker.unblock():
        _delete_rows_after(tops)


def _models():
    return [
        model
        for label in ("orders", "production", "configurator")
        for model in apps.get_app_config(label).get_models()
    ]


def _top_keys() -> dict:
    return {model: model.objects.aggregate(top=Max("pk"))["top"] or 0 for model in _models()}


def _delete_rows_after(tops: dict) -> None:
    pending = list(tops.items())
    for _ in range(len(pending)):  # PROTECTed rows go once the rows pointing at them have
        blocked = []
        for model, top in pending:
            try:
                with transaction.atomic():
                    model.objects.filter(pk__gt=top).delete()
            except (ProtectedError, RestrictedError, IntegrityError):
                blocked.append((model, top))
        if not blocked:
            return
        pending = blocked


@pytest.fixture
def demo(_demo_published, db):
    """The published demo catalogue."""
    return selectors.published_version()
