"""The API's rate limit: a sliding-window estimate over two cache counters (O(1) per
request at any rate), checked against a clock the test moves."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from atelier.throttling import AnonymousRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "10/min", "user": "10/min"},
    }
    cache.clear()
    now = [6_000_000.0]  # the start of a minute
    monkeypatch.setattr(AnonymousRateThrottle, "timer", lambda self: now[0])
    yield now
    cache.clear()


def ask(address: str = "10.0.0.1") -> tuple[bool, int | None]:
    request = Request(APIRequestFactory().get("/api/v1/products/", REMOTE_ADDR=address))
    throttle = AnonymousRateThrottle()
    allowed = throttle.allow_request(request, None)
    return allowed, None if allowed else throttle.wait()


def test_the_rate_is_allowed_and_the_next_request_refused_with_a_wait(clock):
    assert [ask()[0] for _ in range(10)] == [True] * 10
    allowed, wait = ask()
    # Next window the full previous one weighs 1, then 0.9 after 6 s: room for one more.
    assert not allowed and wait == 66
    # Refused requests do not use up the allowance, and each caller has its own.
    assert ask("10.0.0.2") == (True, None)


def test_a_full_previous_window_still_counts_early_in_the_next(clock):
    for _ in range(10):
        ask()
    clock[0] += 60  # the next window begins: the last 60 s still hold 10 requests
    allowed, wait = ask()
    assert not allowed and wait >= 1
    clock[0] += 30  # half of the previous window has slid out: ~5 requests fit
    answers = [ask()[0] for _ in range(6)]
    assert answers.count(True) == 5 and answers[-1] is False


@pytest.mark.parametrize("later", [0, 20, 59, 60, 65])
def test_the_wait_it_names_is_enough_and_not_much_more(clock, later):
    for _ in range(10):
        ask()
    clock[0] += later
    allowed, wait = ask()
    assert not allowed
    clock[0] += wait - 1.5
    assert not ask()[0]
    clock[0] += 1.5
    assert ask()[0]


def test_callers_at_once_are_all_counted(clock):
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: ask()[0], range(40)))
    assert answers.count(True) == 10
