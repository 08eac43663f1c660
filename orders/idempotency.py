"""`Idempotency-Key` for unsafe API calls (IETF draft-ietf-httpapi-idempotency-key-header).

The key row is inserted in the same transaction as the work it guards. The unique
constraint on (partner or user, scope, key) does the rest on PostgreSQL:

- a second request with the key waits on the first one's uncommitted row, then fails to
  insert and replays the stored answer once the first commits (or, if the first rolled
  back, inserts the row itself and does the work);
- if the wait exceeds LOCK_WAIT the caller gets 409 "in progress" and may retry;
- the same key with a different request body is refused (422);
- keys are remembered for KEY_LIFETIME; an expired key is forgotten and may be reused.

A failed request (a problem answer) rolls its key row back, so the client may correct
its request and send it again with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from atelier import errors
from orders.models import IdempotencyKey, Order

KEY_LIFETIME = timedelta(hours=24)
LOCK_WAIT = "10s"
MAX_KEY_LENGTH = 200
LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict
    replayed: bool


Perform = Callable[[], tuple[int, dict, Order | None]]


def fingerprint(payload: object) -> str:
    """One hash for equal JSON requests, whatever their key order or spacing."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str | None, *, required: bool) -> str | None:
    if key is None or key == "":
        if required:
            raise errors.IdempotencyKeyRequired(
                "Send an Idempotency-Key header (e.g. a UUID) so that a retried request "
                "cannot create a second order."
            )
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise errors.IdempotencyKeyRequired(
            f"The Idempotency-Key header is longer than {MAX_KEY_LENGTH} characters."
        )
    return key


def run_once(
    *, key: str, scope: str, request_hash: str, perform: Perform, partner=None, user=None
) -> Outcome:
    """Run `perform` once per (caller, scope, key); replay its answer afterwards."""
    owner = {"partner": partner} if partner is not None else {"user": user, "partner": None}
    try:
        with transaction.atomic():
            _limit_lock_wait()
            row = _claim(owner=owner, key=key, scope=scope, request_hash=request_hash)
            if isinstance(row, Outcome):
                return row
            status, body, order = perform()
            # Stored as plain JSON (decimals and dates already strings) and replayed as is.
            body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            row.response_status, row.response_body, row.order = status, body, order
            row.save(update_fields=["response_status", "response_body", "order"])
            return Outcome(status=status, body=body, replayed=False)
    except OperationalError as exc:
        if getattr(exc.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
            raise errors.IdempotencyInProgress(
                "Another request with this Idempotency-Key is still running; retry shortly."
            ) from exc
        raise


def _claim(*, owner: dict, key: str, scope: str, request_hash: str) -> IdempotencyKey | Outcome:
    """Insert the key row (ours to fill) or return the stored answer of an earlier request."""
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    **owner, key=key, scope=scope, request_hash=request_hash
                )
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(**owner, key=key, scope=scope).first()
        if existing is None:
            continue  # the request holding it rolled back: try to insert again
        if existing.created_at < timezone.now() - KEY_LIFETIME:
            existing.delete()
            continue
        if existing.request_hash != request_hash:
            raise errors.IdempotencyMismatch(
                "This Idempotency-Key was already used with a different request body; "
                "use a new key for a new request."
            )
        if existing.response_status is None:
            break
        # The body is saved with the status in one UPDATE, so it is there once the status is.
        return Outcome(
            status=existing.response_status, body=existing.response_body or {}, replayed=True
        )
    raise errors.IdempotencyInProgress(
        "Another request with this Idempotency-Key is still running; retry shortly."
    )


def _limit_lock_wait() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
