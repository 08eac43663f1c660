"""Partners' API tokens: issued (only their SHA-256 stored) and revoked."""

from __future__ import annotations

from django.utils import timezone

from orders.models import ApiToken, Partner, hash_token


def issue_token(
    *, partner: Partner, name: str = "default", expires_at=None, token: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """A new API token for `partner`: (the stored token, the raw token to show once).

    Only the SHA-256 of the raw token is stored. `token` may be an unsaved instance to
    fill (the admin's add form); otherwise one is created.
    """
    raw = ApiToken.new_raw_token()
    token = token or ApiToken()
    token.partner, token.name, token.expires_at = partner, name, expires_at
    token.prefix, token.key_hash = raw[:8], hash_token(raw)
    token.save(force_insert=True)
    return token, raw


def revoke_tokens(*, token_ids: list[int]) -> int:
    """Revoke tokens (idempotent: already revoked ones keep their first revocation time)."""
    return ApiToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
