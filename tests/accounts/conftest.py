"""Fixtures of the account tests: the shop catalogue published, clean throttle counters,
account e-mails read from Django's test outbox, and helpers to sign up and log in the
way the browser does."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.shop.conftest import _fresh_caches, published  # noqa: F401 (fixtures)

PASSWORD = "correct horse battery staple 7"


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    settings.ATELIER_SITE_URL = "http://testserver"
    cache.clear()
    yield
    cache.clear()


def link_in(message, path_start: str) -> str:
    """The path of the first link to `path_start` in an e-mail."""
    found = re.search(r"http://testserver(" + re.escape(path_start) + r"\S+)", message.body)
    assert found, message.body
    return found.group(1)


def sign_up(client, email: str, password: str = PASSWORD):
    return client.post("/account/signup/", {"email": email, "password": password})


def verify(client, email: str, password: str = PASSWORD):
    """Sign up and confirm through the link of the e-mail, as a customer does."""
    mail.outbox.clear()
    assert sign_up(client, email, password).status_code == 302
    link = link_in(mail.outbox[-1], "/account/verify/")
    response = client.post(link, {"password": password})
    assert response.status_code == 302, response.content.decode()[:800]
    return response


def log_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/account/login/", {"email": email, "password": password}, **extra)
