"""`Authorization: Token …` for partners: the token is looked up by its SHA-256."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from orders.models import ApiToken, hash_token


class PartnerTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("partner")
            .filter(key_hash=hash_token(key))
            .first()
        )
        now = timezone.now()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This token has expired.")
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

    def __str__(self) -> str:
        return f"partner:{self.partner.name}"
