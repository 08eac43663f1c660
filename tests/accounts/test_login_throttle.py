"""Log-in throttling: failures counted per account name and per client address in the
shared cache; over a limit the attempt is refused unchecked (429, a form error that reads
the same for every address); Redis as compose runs it, and Redis gone (counted per
process, never a 5xx)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from redis import Redis

from atelier import cache as shared_cache
from atelier.settings import caches
from tests import servers
from tests.accounts.conftest import PASSWORD, link_in, log_in, sign_up, verify
from tests.plugin_services import cache_db_url

pytestmark = pytest.mark.django_db

WRONG = "not the password 000"


@pytest.fixture
def low_limits(settings):
    settings.ATELIER_LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.ATELIER_LOGIN_FAILURES_PER_ADDRESS = 5
    settings.ATELIER_LOGIN_WINDOW_SECONDS = 60
    shared_cache.forget_outages()
    yield settings
    shared_cache.forget_outages()


def fail(times: int, email: str, address: str = "10.0.0.1") -> list[int]:
    return [log_in(Client(), email, WRONG, REMOTE_ADDR=address).status_code for _ in range(times)]


def assert_account_throttle_holds(email: str) -> None:
    assert fail(3, email) == [422, 422, 422]
    # The right password now, from the same and from another address: refused unread.
    for address in ("10.0.0.1", "10.0.0.2"):
        refused = log_in(Client(), email, PASSWORD, REMOTE_ADDR=address)
        assert refused.status_code == 429
        assert "Too many failed attempts. Please wait 1 minutes" in refused.content.decode()


def test_failures_on_one_account_lock_that_account_name_only(low_limits):
    verify(Client(), "ada@example.com")
    verify(Client(), "bob@example.com")
    assert_account_throttle_holds("ada@example.com")
    # Another account from another address is untouched.
    assert log_in(Client(), "bob@example.com", REMOTE_ADDR="10.0.0.9").status_code == 302


def test_an_unknown_address_is_throttled_exactly_like_a_known_one(low_limits):
    verify(Client(), "ada@example.com")
    known = [*fail(3, "ada@example.com", "10.0.0.3"), *fail(1, "ada@example.com", "10.0.0.4")]
    unknown = [
        *fail(3, "nobody@example.com", "10.0.0.5"),
        *fail(1, "nobody@example.com", "10.0.0.6"),
    ]
    assert known == unknown == [422, 422, 422, 429]


def test_one_address_trying_many_accounts_is_refused(low_limits):
    verify(Client(), "ada@example.com")
    statuses = [
        log_in(Client(), f"guess{i}@example.com", WRONG, REMOTE_ADDR="10.0.0.7").status_code
        for i in range(5)
    ]
    assert statuses == [422] * 5
    # Even the right password of a real account, from that address.
    assert log_in(Client(), "ada@example.com", REMOTE_ADDR="10.0.0.7").status_code == 429
    assert log_in(Client(), "ada@example.com", REMOTE_ADDR="10.0.0.8").status_code == 302


def test_a_success_clears_the_account_count(low_limits):
    verify(Client(), "ada@example.com")
    assert fail(2, "ada@example.com") == [422, 422]
    assert log_in(Client(), "ada@example.com", REMOTE_ADDR="10.0.0.1").status_code == 302
    assert fail(2, "ada@example.com") == [422, 422]  # 2, not 4: the success reset it


def test_wrong_passwords_on_a_confirmation_link_count_too(low_limits):
    client = Client()
    sign_up(client, "ada@example.com")
    link = link_in(mail.outbox[-1], "/account/verify/")
    statuses = [client.post(link, {"password": WRONG}).status_code for _ in range(3)]
    assert statuses == [422, 422, 422]
    assert client.post(link, {"password": PASSWORD}).status_code == 429


@pytest.mark.integration
def test_the_throttle_counts_in_redis_as_compose_runs_it(low_limits, redis_url):
    low_limits.CACHES = caches(cache_db_url(redis_url))
    cache.clear()
    verify(Client(), "ada@example.com")
    assert_account_throttle_holds("ada@example.com")
    # The counters are in Redis (what every web process reads), not in this process.
    keys = Redis.from_url(cache_db_url(redis_url)).keys("*accounts:login-failures*")
    assert len(keys) == 2  # the account name's and the address's
    cache.clear()


@pytest.mark.integration
def test_with_redis_gone_log_in_still_works_and_still_counts_per_process(low_limits, caplog):
    low_limits.CACHES = caches(f"redis://127.0.0.1:{servers.free_port()}/1")
    verify(Client(), "ada@example.com")
    assert log_in(Client(), "ada@example.com").status_code == 302
    assert_account_throttle_holds("ada@example.com")
    assert any("unreachable" in r.getMessage() for r in caplog.records if r.name == "atelier.cache")


def test_account_mail_requests_are_limited_and_read_the_same_for_any_address(low_limits):
    low_limits.ATELIER_ACCOUNT_MAILS_PER_ACCOUNT = 2
    verify(Client(), "ada@example.com")
    cache.clear()  # the sign-up above was one such request
    mail.outbox.clear()
    answers = {}
    for email in ("ada@example.com", "nobody@example.com"):
        statuses = [
            Client()
            .post("/account/password/reset/", {"email": email}, REMOTE_ADDR=f"10.1.0.{i}")
            .status_code
            for i in range(3)
        ]
        answers[email] = statuses
    assert answers["ada@example.com"] == answers["nobody@example.com"] == [302, 302, 429]
    assert len(mail.outbox) == 2  # two resets for the real account, none past the limit
    refused = Client().post(
        "/account/signup/", {"email": "ada@example.com", "password": PASSWORD + "x"}
    )
    assert refused.status_code == 429 and "Too many" in refused.content.decode()
