"""Fixtures of the shop's page tests: the shop test catalogue published, and helpers that
post the configure form the way the browser does."""

from __future__ import annotations

import pytest

from atelier import caching
from configurator.services import import_catalogue
from tests.shop.catalogue import catalogue

# The notebook's default completion (also the standard product NB14-U5-16-FHD).
DEFAULTS = {
    "cpu": ["u5"],
    "memory": ["16gb"],
    "display": ["fhd"],
    "battery": ["54wh"],
}


def literals(selections: dict[str, list[str]]) -> str:
    return " ".join(f"{g}.{o}" for g, picks in selections.items() for o in picks)


def form_data(
    selections: dict, *, order: dict | None = None, last_good: dict | None = None, **extra
):
    """The configure form as a browser posts it: one field per group, the hidden pick
    order and last valid configuration, plus any button or text field in `extra`."""
    data = {
        f"g-{group}": picks if len(picks) != 1 else picks[0] for group, picks in selections.items()
    }
    data["order"] = literals(order if order is not None else selections)
    data["last_good"] = literals(last_good if last_good is not None else selections)
    data.update(extra)
    return data


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Per-process caches keyed by version pk: tests publish their own versions.
    caching.clear_all()
    yield


@pytest.fixture
def published(db):
    return import_catalogue(document=catalogue(), publish=True).version
