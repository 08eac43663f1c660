"""Webhook deliveries: create them for a status change, sign and send them, retry.

A delivery is a row (PostgreSQL is the record); Celery only carries "try delivery N, now".
A failed attempt writes its next attempt (`next_attempt_at`, back-off 2, 4, 8 … s),
`attempts` and `last_error` on the row and ends; beat's sweep (`due_deliveries`, every
ATELIER_WEBHOOK_SWEEP_SECONDS) hands due rows to the workers. No ETA or countdown task
ever sits in the broker: Redis redelivers those after its visibility timeout, and a
worker holding them unacknowledged when Redis went away exited in kombu's restore
(issue 12). Sending starts by claiming the row with a conditional UPDATE that leases it,
so a task redelivered by the broker, a duplicate from the sweep and a late one can never
POST the same delivery twice at once, and a delivered delivery is never sent again.

Signatures follow the Standard Webhooks specification (standardwebhooks.com), so partners
verify with the `standardwebhooks` package or any of its ports (docs/partner-quickstart.md):

    webhook-id: <event id, the payload's "id": the same on every retry of the event>
    webhook-timestamp: <Unix seconds of this attempt>
    webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">

keyed with the bytes of the endpoint's `whsec_<base64>` secret after the prefix. For a
while after a rotation (orders.services.webhook_secrets) the previous secret signs too:
two space-separated `v1,` signatures, any one of which verifies.

Deprecated, sent alongside for one release (0.2.0; gone in 0.3.0):
`X-Atelier-Delivery` (the delivery's row id), `X-Atelier-Timestamp` (the same seconds),
`X-Atelier-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">` with the same key.
Secrets issued before 0.2.0 were 64 hex characters used as the key's bytes; migration
0005 wrapped each as `whsec_` + base64(those characters), so the key, and both
signatures, stay what those partners already verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import OrderEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("atelier.webhooks")

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
# While one worker sends, the row is leased past the send's timeout.
LEASE = timedelta(seconds=TIMEOUT_SECONDS + 50)
# This much earlier than next_attempt_at still counts as due (the sweep's and the
# worker's clocks may differ a little), well below the shortest back-off (2 s), so a
# duplicate task right after a failure finds it not due.
EARLY = timedelta(milliseconds=500)
USER_AGENT = "Atelier-Webhooks/1"

# Named retryable failures: the receiver is down, slow or unreachable.
RETRYABLE_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class AttemptResult:
    state: str
    status_code: int | None
    retry_in: int | None = None


SECRET_PREFIX = "whsec_"
# The release that stops sending the X-Atelier-* headers (documented to partners).
LEGACY_HEADERS_REMOVED_IN = "0.3.0"


class InvalidSecret(ValueError):
    """A stored endpoint secret that is not `whsec_<base64>`."""


def unix_seconds() -> int:
    """This attempt's `webhook-timestamp` (receivers refuse one more than 5 minutes off)."""
    return int(time.time())


def secret_key(*, secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret, decoded as the specification (and the
    `standardwebhooks` package) does: the bytes the base64 after the prefix stands for."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSecret("webhook secrets start with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as exc:
        raise InvalidSecret("webhook secret is not base64 after whsec_") from exc
    if not key:
        raise InvalidSecret("webhook secret is empty")
    return key


def standard_signature(*, key: bytes, message_id: str, timestamp: str, body: bytes) -> str:
    """The `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.

    >>> standard_signature(key=b"k", message_id="m", timestamp="1", body=b"{}")
    'v1,5HDAuTkTpxOhkrk9bBHzAsIh9dH985cPnRX2CFqL5iI='
    """
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def legacy_signature(*, key: bytes, timestamp: str, body: bytes) -> str:
    """The deprecated `X-Atelier-Signature` value: `sha256=<hex HMAC of "timestamp.body">`."""
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signing_secrets(*, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The endpoint's secret, then its previous one while a rotation's window is open."""
    secrets = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and now < until:
        secrets.append(endpoint.previous_secret)
    return secrets


def signed_headers(
    *, secrets: list[str], message_id: str, delivery_id: int, timestamp: str, body: bytes
) -> dict[str, str]:
    """Both header sets of one attempt, over the same body. `webhook-signature` holds one
    `v1,` signature per secret, space-separated, as the specification allows; the
    deprecated X-Atelier-Signature is made with the first (current) secret only."""
    keys = [secret_key(secret=secret) for secret in secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": " ".join(
            standard_signature(key=key, message_id=message_id, timestamp=timestamp, body=body)
            for key in keys
        ),
        # Deprecated: gone in LEGACY_HEADERS_REMOVED_IN.
        "X-Atelier-Delivery": str(delivery_id),
        "X-Atelier-Timestamp": timestamp,
        "X-Atelier-Signature": legacy_signature(key=keys[0], timestamp=timestamp, body=body),
    }


def event_payload(event: OrderEvent) -> dict:
    order = event.order
    return {
        # Unique per order and status (one event per status): receivers dedupe on it.
        "id": f"{order.public_id}:{event.status}",
        "type": "order.status_changed",
        "created_at": event.at.isoformat(),
        "data": {
            "order": {
                "id": str(order.public_id),
                "status": event.status,
                "reference": order.reference,
                "currency": order.currency,
                "total": f"{order.total:.2f}",
                "promised_ship_date": order.promised_ship_date.isoformat()
                if order.promised_ship_date
                else None,
            },
            "event": {"status": event.status, "at": event.at.isoformat(), "actor": event.actor},
        },
    }


def create_deliveries(*, event: OrderEvent) -> list[int]:
    """One delivery per active endpoint of the order's partner (once per event, however
    often this runs); returns the ids created now, to be enqueued after commit."""
    if event.order.partner_id is None:
        return []
    payload = event_payload(event)
    created = []
    now = timezone.now()
    for endpoint in WebhookEndpoint.objects.filter(partner_id=event.order.partner_id, active=True):
        delivery, fresh = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event=event,
            # Due now: if enqueueing is lost, the sweep sends it.
            defaults={"payload": payload, "next_attempt_at": now},
        )
        if fresh:
            created.append(delivery.pk)
    return created


def _claim(delivery_id: int, now) -> bool:
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY))
        .update(next_attempt_at=now + LEASE)
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A webhook is POSTed to the registered URL only; a redirect is a failed delivery.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(65536)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except RETRYABLE_ERRORS as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


def attempt_delivery(*, delivery_id: int) -> AttemptResult | None:
    """Send one delivery once, if it is due and nobody else is sending it.

    None when there was nothing to do (delivered, failed for good, or leased by another
    worker). Retryable failures (no connection, timeout, 5xx) stay pending with their
    next attempt `retry_in` seconds ahead (2, 4, 8, … by attempt) for the sweep, until
    MAX_ATTEMPTS; other answers fail it for good.
    """
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    attempts = delivery.attempts + 1
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=delivery_id).update(state=WebhookDelivery.State.FAILED)
        return AttemptResult(state=WebhookDelivery.State.FAILED, status_code=None)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(
            secrets=signing_secrets(endpoint=endpoint, now=timezone.now()),
            # The event's id: stable across retries, so receivers dedupe on it.
            message_id=delivery.payload["id"],
            delivery_id=delivery.pk,
            timestamp=str(unix_seconds()),
            body=body,
        ),
    }
    started = time.monotonic()
    status_code, error = _post(endpoint.url, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    retryable = status_code is None or status_code >= 500
    if status_code is not None and 200 <= status_code < 300:
        state, retry_in, next_at = WebhookDelivery.State.DELIVERED, None, None
    elif retryable and attempts < MAX_ATTEMPTS:
        retry_in = 2**attempts
        state, next_at = WebhookDelivery.State.PENDING, timezone.now() + timedelta(seconds=retry_in)
    else:
        state, retry_in, next_at = WebhookDelivery.State.FAILED, None, None
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery_id=delivery_id, status_code=status_code, error=error, duration_ms=duration_ms
        )
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            state=state, attempts=attempts, next_attempt_at=next_at, last_error=error
        )
    if state != WebhookDelivery.State.DELIVERED:
        log.info("webhook delivery %s attempt %s: %s", delivery_id, attempts, error)
    return AttemptResult(state=state, status_code=status_code, retry_in=retry_in)


def due_deliveries(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come: retries after back-off, lost enqueues."""
    return list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
