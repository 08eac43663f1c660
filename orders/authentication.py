"""`Authorization: Token …` for partners: the token is looked up by its SHA-256."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from orders.models import ApiToken, hash_token

LAST_USED_PRECISION = timedelta(minutes=5)


class PartnerTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("partner").filter(key_hash=hash_token(key)).first()
        now = timezone.now()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This token has expired.")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            # At most one write per token every few minutes, not one per request.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The request's user is the partner (a partner sees only its own orders).
        return (PartnerPrincipal(token.partner), token)


class PartnerPrincipal:
    """The authenticated caller when a partner token is used."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, partner):
        self.partner = partner
        # Throttles key on pk: one bucket per partner.
        self.pk = self.id = f"partner-{partner.pk}"
        # atelier.throttling's bucket: one per partner, whichever token is used.
        self.throttle_ident = f"partner-{partner.pk}"

    def __str__(self) -> str:
        return f"partner:{self.partner.name}"
