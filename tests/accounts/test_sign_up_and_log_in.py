"""Sign up with an e-mail address, confirm it through the e-mailed link (once, with the
password), log in and out, reset the password (once), and no message that tells anyone
whether an address has an account."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client

from accounts import services
from accounts.models import VerifiedEmail
from tests.accounts.conftest import PASSWORD, link_in, log_in, sign_up, verify

pytestmark = pytest.mark.django_db


def test_sign_up_sends_a_link_and_the_account_waits_for_it(client):
    response = sign_up(client, "Ada@Example.com")
    assert response.status_code == 302 and response["Location"] == "/account/signup/sent/"
    user = User.objects.get()
    assert user.username == user.email == "ada@example.com"
    assert not user.is_active
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"]
    assert "/account/verify/" in mail.outbox[0].body
    # Not confirmed yet: the password alone does not log in.
    assert log_in(client, "ada@example.com").status_code == 422
    assert "_auth_user_id" not in client.session


def test_confirming_with_the_password_activates_logs_in_and_the_link_works_once(client):
    sign_up(client, "ada@example.com")
    link = link_in(mail.outbox[0], "/account/verify/")
    page = client.get(link)
    assert page.status_code == 200 and "ada@example.com" in page.content.decode()

    wrong = client.post(link, {"password": "not it at all 123"})
    assert wrong.status_code == 422
    assert not User.objects.get().is_active

    response = client.post(link, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/"
    user = User.objects.get()
    assert user.is_active
    assert VerifiedEmail.objects.get().email == "ada@example.com"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "Your e-mail address is confirmed." in client.get("/account/").content.decode()

    # The link is spent: neither GET nor POST confirms anything again.
    assert Client().get(link).status_code == 400
    assert Client().post(link, {"password": PASSWORD}).status_code == 400


def test_a_tampered_or_expired_link_is_refused(client, settings):
    sign_up(client, "ada@example.com")
    link = link_in(mail.outbox[0], "/account/verify/")
    assert client.get(link[:-3] + "abc/").status_code == 400
    assert client.get("/account/verify/garbage/").status_code == 400
    settings.ATELIER_VERIFY_MAX_AGE = -1
    assert client.get(link).status_code == 400


def test_a_newer_sign_up_voids_the_older_link():
    client = Client()
    sign_up(client, "ada@example.com")
    old = link_in(mail.outbox[0], "/account/verify/")
    sign_up(client, "ada@example.com", "another long passphrase 9")
    new = link_in(mail.outbox[1], "/account/verify/")
    assert client.get(old).status_code == 400
    assert client.post(new, {"password": "another long passphrase 9"}).status_code == 302


def test_log_in_and_out(client):
    verify(Client(), "ada@example.com")
    response = log_in(client, "ADA@example.com ")
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert "My account" in client.get("/").content.decode()
    # Log-out is a POST (a link or an image cannot log anyone out).
    assert client.get("/account/logout/").status_code == 405
    assert client.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302


def test_log_in_follows_a_safe_next_only(client):
    verify(Client(), "ada@example.com")
    response = client.post(
        "/account/login/?next=/cart/", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert response["Location"] == "/cart/"
    client.post("/account/logout/")
    response = client.post(
        "/account/login/",
        {"email": "ada@example.com", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/account/"


def test_account_pages_need_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/account/")


def test_password_reset_token_works_once(client):
    verify(Client(), "ada@example.com")
    mail.outbox.clear()
    response = client.post("/account/password/reset/", {"email": "ada@example.com"})
    assert response.status_code == 302
    link = link_in(mail.outbox[0], "/account/password/reset/")
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    new = "a completely new passphrase 42"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert log_in(Client(), "ada@example.com", new).status_code == 302
    assert log_in(Client(), "ada@example.com", PASSWORD).status_code == 422

    # The same link again, in a fresh browser and in the same one: no longer valid.
    for browser in (Client(), client):
        again = browser.get(link, follow=True)
        assert "This link no longer works" in again.content.decode()
        assert 'name="new_password1"' not in again.content.decode()


# --- No account enumeration ------------------------------------------------------------


def _page_text(response) -> str:
    # The CSRF token (form field and htmx header) differs per session; nothing else may.
    return re.sub(r"[A-Za-z0-9]{32,}", "CSRF", response.content.decode())


def test_sign_up_reads_the_same_for_a_new_and_an_existing_address():
    verify(Client(), "known@example.com")
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        client = Client()
        response = sign_up(client, email, "some other passphrase 5")
        followed = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], _page_text(followed)))
    assert answers[0] == answers[1]
    # The difference goes only to the mailbox itself.
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "You already have" in mail.outbox[-2].subject + mail.outbox[-1].subject
    assert "already\nhas an account" in bodies["known@example.com"]
    assert "/account/verify/" in bodies["unknown@example.com"]
    # The existing account's password was not changed by the second sign-up.
    assert log_in(Client(), "known@example.com").status_code == 302


def test_password_reset_reads_the_same_for_a_known_and_an_unknown_address():
    verify(Client(), "known@example.com")
    mail.outbox.clear()
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        client = Client()
        response = client.post("/account/password/reset/", {"email": email})
        followed = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], _page_text(followed)))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox] == [["known@example.com"]]


def test_failed_log_ins_read_the_same_whatever_was_wrong():
    verify(Client(), "known@example.com")
    sign_up(Client(), "pending@example.com")  # signed up, never confirmed
    answers = set()
    for email, password in [
        ("known@example.com", "wrong password 123"),
        ("unknown@example.com", "wrong password 123"),
        ("pending@example.com", PASSWORD),
    ]:
        response = log_in(Client(), email, password)
        text = _page_text(response).replace(email, "EMAIL")
        answers.add((response.status_code, text))
    assert len(answers) == 1
    status, text = answers.pop()
    assert status == 422 and "do not match an active account" in text


def test_a_token_for_another_purpose_is_not_a_confirmation(client):
    sign_up(client, "ada@example.com")
    user = User.objects.get()
    forged = signing.dumps({"u": user.pk, "s": "x" * 24}, salt=services.VERIFY_SALT)
    other_salt = signing.dumps({"u": user.pk}, salt="something else")
    assert client.get(f"/account/verify/{forged}/").status_code == 400
    assert client.get(f"/account/verify/{other_salt}/").status_code == 400
