"""Webhook secrets become Standard Webhooks' `whsec_<base64 of the key>`, and an endpoint
keeps its previous secret for a while after a rotation.

A secret issued before was 64 hex characters, used as the HMAC key's bytes as they
stand. Rather than issue new keys (every partner would have to change theirs on the day
of the upgrade), each is wrapped: `whsec_` + base64(those 64 characters). Decoding the
wrapped form gives back the very bytes the partner already holds, so the deprecated
X-Atelier-Signature keeps verifying with the old secret, and the same partner can verify
the new webhook-signature with the whsec_ form shown in admin (or compute it themselves).
"""

import base64
import binascii

from django.db import migrations, models

import orders.models

PREFIX = "whsec_"


def wrap(apps, schema_editor):
    Endpoint = apps.get_model("orders", "WebhookEndpoint")
    for endpoint in Endpoint.objects.exclude(secret__startswith=PREFIX).only("pk", "secret"):
        wrapped = PREFIX + base64.b64encode(endpoint.secret.encode()).decode()
        Endpoint.objects.filter(pk=endpoint.pk).update(secret=wrapped)


def unwrap(apps, schema_editor):
    # Back to the old form where it came from one; a whsec_ secret issued since keeps
    # its form (its key's random bytes are not text the old code could use as they are).
    Endpoint = apps.get_model("orders", "WebhookEndpoint")
    for endpoint in Endpoint.objects.filter(secret__startswith=PREFIX).only("pk", "secret"):
        try:
            raw = base64.b64decode(endpoint.secret.removeprefix(PREFIX), validate=True)
            old = raw.decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            continue
        if len(old) == 64 and all(c in "0123456789abcdef" for c in old):
            Endpoint.objects.filter(pk=endpoint.pk).update(secret=old)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_quotes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(
                default=orders.models.new_webhook_secret,
                editable=False,
                max_length=100,
            ),
        ),
        migrations.RunPython(wrap, unwrap),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
