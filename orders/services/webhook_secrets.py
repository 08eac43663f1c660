"""Rotating a webhook endpoint's signing secret without a gap.

The new secret signs at once; the old one keeps signing too, as a second `v1,` signature
in `webhook-signature` (the Standard Webhooks way: a receiver accepts any one that
matches), until `previous_secret_until`. The partner installs the new secret within that
window and nothing fails to verify in between. The deprecated X-Atelier-Signature has room
for one signature only: it is made with the new secret from the moment of rotation.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from orders.models import WebhookEndpoint, new_webhook_secret

ROTATION_OVERLAP = timedelta(hours=24)


def rotate_webhook_secrets(
    *, endpoint_ids: list[int], overlap: timedelta = ROTATION_OVERLAP
) -> list[WebhookEndpoint]:
    """A new secret for each endpoint; its current one keeps signing for `overlap`.

    Rotating again inside the window drops the oldest secret: only the one just replaced
    goes on signing. Rows are locked in id order, so two rotations at once queue up.
    """
    until = timezone.now() + overlap
    with transaction.atomic():
        endpoints = list(
            WebhookEndpoint.objects.select_for_update().filter(pk__in=endpoint_ids).order_by("pk")
        )
        for endpoint in endpoints:
            endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, until
            endpoint.secret = new_webhook_secret()
            endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoints
