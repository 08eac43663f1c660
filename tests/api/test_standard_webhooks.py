"""Webhooks signed as the Standard Webhooks specification says, checked by the partner's
own tool: real deliveries (orders.webhooks.attempt_delivery, on the run's PostgreSQL) to
a receiver on loopback, verified with the `standardwebhooks` package. Also: a tampered
body or a stale timestamp is refused, a retry keeps its message id, and the deprecated
X-Atelier-* headers still verify with a secret issued before 0.2.0."""

from __future__ import annotations

import base64
import importlib
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from orders import services, webhooks
from orders.models import WebhookDelivery, WebhookEndpoint, new_webhook_secret
from tests.api.conftest import place_with_callbacks
from tests.reliability.receiver import legacy_signed_event, signed_event

pytestmark = pytest.mark.django_db

secret_migration = importlib.import_module("orders.migrations.0005_webhook_secrets_whsec")

STANDARD_HEADERS = {"webhook-id", "webhook-timestamp", "webhook-signature"}
LEGACY_HEADERS = {"x-atelier-delivery", "x-atelier-timestamp", "x-atelier-signature"}


def deliver_one(client, capture, enqueued, receiver, key: str = "key-1") -> dict:
    place_with_callbacks(client, capture, key=key)
    result = webhooks.attempt_delivery(delivery_id=enqueued[0])
    assert result is not None and result.status_code == 200
    got = receiver.received[-1]
    # HTTP header names are case-insensitive (urllib sends "Webhook-id"): a plain dict by
    # lower-case name, as most frameworks hand them to the partner's code.
    return {**got, "headers": {name.lower(): value for name, value in got["headers"].items()}}


def test_a_delivery_verifies_with_the_standardwebhooks_package(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver)
    headers, body = got["headers"], got["body"]
    assert STANDARD_HEADERS | LEGACY_HEADERS <= set(headers)
    payload = Webhook(endpoint.secret).verify(body, headers)
    assert payload == json.loads(body)
    assert headers["webhook-id"] == payload["id"]
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["webhook-signature"].startswith("v1,")
    assert got["valid"] is True


def test_a_tampered_body_id_or_secret_is_refused(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver)
    headers, body = got["headers"], got["body"]
    tampered = body.replace(b'"received"', b'"shipped"')
    assert tampered != body
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(endpoint.secret).verify(tampered, headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(endpoint.secret).verify(body, {**headers, "webhook-id": "someone-else:received"})
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(new_webhook_secret()).verify(body, headers)
    Webhook(endpoint.secret).verify(body, headers)  # the untouched message still verifies


def test_a_stale_timestamp_is_refused(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    # An attempt stamped 10 minutes ago, as a replay of an old capture would be.
    monkeypatch.setattr(webhooks, "unix_seconds", lambda: int(time.time()) - 600)
    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver)
    assert got["valid"] is False
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(endpoint.secret).verify(got["body"], got["headers"])


def test_a_retry_keeps_the_message_id_and_signs_its_own_timestamp(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    receiver.statuses = [503]
    start = int(time.time())
    monkeypatch.setattr(webhooks, "unix_seconds", lambda: start - 30)
    assert webhooks.attempt_delivery(delivery_id=enqueued[0]).state == "pending"
    WebhookDelivery.objects.update(next_attempt_at=None)
    monkeypatch.setattr(webhooks, "unix_seconds", lambda: start)
    assert webhooks.attempt_delivery(delivery_id=enqueued[0]).state == "delivered"
    first, second = receiver.received
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]
    assert (
        int(second["headers"]["webhook-timestamp"]) - int(first["headers"]["webhook-timestamp"])
        == 30
    )
    assert first["headers"]["webhook-signature"] != second["headers"]["webhook-signature"]
    assert first["valid"] and second["valid"]


def test_the_deprecated_headers_carry_the_same_attempt(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver)
    headers = got["headers"]
    assert headers["x-atelier-timestamp"] == headers["webhook-timestamp"]
    assert headers["x-atelier-delivery"] == str(WebhookDelivery.objects.get().pk)
    key = webhooks.secret_key(secret=endpoint.secret)
    assert legacy_signed_event(headers, got["body"], key) == json.loads(got["body"])["id"]


def test_a_secret_issued_before_0_2_0_keeps_verifying_both_header_sets(
    api_a, partner_a, receiver, enqueued, django_capture_on_commit_callbacks
):
    old_secret = "3f" * 32  # the old form: 64 hex characters, the partner's key as they are
    endpoint = WebhookEndpoint.objects.create(partner=partner_a, url=receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=old_secret)
    secret_migration.wrap(apps, None)
    endpoint.refresh_from_db()
    assert endpoint.secret == "whsec_" + base64.b64encode(old_secret.encode()).decode()
    receiver.secret = endpoint.secret

    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver)
    event_id = json.loads(got["body"])["id"]
    # The partner's pre-0.2.0 check, with the secret they were given then, still passes…
    assert legacy_signed_event(got["headers"], got["body"], old_secret.encode()) == event_id
    # …and the whsec_ form admin shows now verifies the Standard Webhooks headers.
    assert signed_event(got["headers"], got["body"], endpoint.secret) == event_id

    # Migrating again changes nothing; migrating back restores the old secret.
    secret_migration.wrap(apps, None)
    endpoint.refresh_from_db()
    assert webhooks.secret_key(secret=endpoint.secret) == old_secret.encode()
    secret_migration.unwrap(apps, None)
    endpoint.refresh_from_db()
    assert endpoint.secret == old_secret


def test_new_secrets_are_whsec_with_32_random_bytes(partner_a):
    first = WebhookEndpoint.objects.create(partner=partner_a, url="https://a.example/hook")
    second = WebhookEndpoint.objects.create(partner=partner_a, url="https://b.example/hook")
    for endpoint in (first, second):
        assert endpoint.secret.startswith("whsec_")
        assert len(webhooks.secret_key(secret=endpoint.secret)) == 32
    assert first.secret != second.secret
    # Migrating back leaves a whsec_ secret that never had an old form alone.
    secret_migration.unwrap(apps, None)
    first.refresh_from_db()
    assert first.secret.startswith("whsec_")


def test_the_signature_is_the_specifications_and_the_packages():
    # The test vector of the Standard Webhooks reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id, timestamp, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", b'{"test": 2432232314}'
    ours = webhooks.standard_signature(
        key=webhooks.secret_key(secret=secret), message_id=msg_id, timestamp=timestamp, body=body
    )
    assert ours == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    # The package's own signer agrees.
    at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    assert Webhook(secret).sign(msg_id, at, body.decode()) == ours


@pytest.mark.parametrize("secret", ["3f" * 32, "whsec_not base64!", "whsec_"])
def test_a_secret_not_in_whsec_form_is_refused_when_signing(secret):
    with pytest.raises(webhooks.InvalidSecret):
        webhooks.secret_key(secret=secret)


def test_after_a_rotation_both_secrets_verify_until_the_window_closes(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    old = endpoint.secret
    [rotated] = services.rotate_webhook_secrets(endpoint_ids=[endpoint.pk])
    new = rotated.secret
    assert new != old and new.startswith("whsec_") and rotated.previous_secret == old
    receiver.secret = new

    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver)
    headers, body = got["headers"], got["body"]
    assert len(headers["webhook-signature"].split(" ")) == 2
    # A partner still on the old secret and one already on the new both verify.
    assert Webhook(old).verify(body, headers) == Webhook(new).verify(body, headers)
    # The deprecated header has room for one signature: the new secret's.
    key = webhooks.secret_key(secret=new)
    assert legacy_signed_event(headers, body, key) is not None

    # Once the window has closed, only the new secret signs.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    enqueued.clear()
    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver, key="key-2")
    assert len(got["headers"]["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(got["body"], got["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(got["body"], got["headers"])


def test_staff_rotate_a_secret_in_admin(admin_client, endpoint):
    old = endpoint.secret
    response = admin_client.post(
        "/admin/orders/webhookendpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.previous_secret_until > timezone.now() + timedelta(hours=23)
    page = admin_client.get(f"/admin/orders/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret in page.content.decode()


def quickstart_snippets() -> list[str]:
    text = (Path(__file__).parents[2] / "docs" / "partner-quickstart.md").read_text()
    section = text[text.index(". Webhooks\n") :]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_quickstarts_verification_code_accepts_a_delivery_and_refuses_a_tampered_one(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    with_package, by_hand = quickstart_snippets()
    got = deliver_one(api_a, django_capture_on_commit_callbacks, enqueued, receiver)
    headers, body = got["headers"], got["body"]
    tampered = body.replace(b'"received"', b'"shipped"')
    placeholder = '"whsec_…your endpoint secret…"'
    assert placeholder in with_package and placeholder in by_hand
    assert len(by_hand.strip().splitlines()) <= 12  # "ten lines", give or take the blanks

    namespace: dict = {}
    exec(with_package.replace(placeholder, repr(endpoint.secret)), namespace)
    assert namespace["receive"](headers, body) == json.loads(body)
    assert namespace["receive"](headers, tampered) is None

    namespace = {}
    exec(by_hand.replace(placeholder, repr(endpoint.secret)), namespace)
    assert namespace["verify"](headers, body) is True
    assert namespace["verify"](headers, tampered) is False
    stale = {**headers, "webhook-timestamp": str(int(time.time()) - 600)}
    assert namespace["verify"](stale, body) is False
