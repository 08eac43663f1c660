"""Fixtures of the security tests: the demo catalogue published inside the test's own
transaction (so transactional tests elsewhere in the run cannot take it away), clean
throttle counters, and row counts to prove that a refused write left nothing behind."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.cache import cache

from atelier import caching
from configurator import selectors
from tests.demo import demo_published_until_done

# Markup that must never come back unescaped from a page that echoes it.
XSS_PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


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
    caching.clear_all()
    yield
    cache.clear()


@pytest.fixture(scope="package")
def _demo_published(django_db_setup, django_db_blocker):
    """The demo catalogue, published once for this package's (rolled back) DB tests and
    deleted again afterwards, so tests elsewhere still start from an empty catalogue."""
    with django_db_blocker.unblock(), demo_published_until_done():
        yield


@pytest.fixture
def demo(_demo_published, db):
    """The published demo catalogue."""
    return selectors.published_version()
