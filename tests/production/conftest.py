"""Fixtures of the production tests: the small catalogue published, and orders placed
through orders.services.place_order (the path the shop and the API take)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from atelier import caching
from configurator.services import import_catalogue
from orders.services import LineRequest, place_order
from tests.production import catalogue


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def published(db, today):
    import_catalogue(document=catalogue.document(today), publish=True)
    caching.clear_all()
    yield
    caching.clear_all()


@pytest.fixture
def place(published):
    """place(selections, quantity=1, priority=0) -> Order, as the shop would place it."""

    def _place(selections=catalogue.CPU_A, quantity: int = 1, priority: int = 0):
        return place_order(
            lines=[LineRequest(product="nb", selections=selections, quantity=quantity)],
            priority=priority,
        )

    return _place
