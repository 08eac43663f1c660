"""Rate limits of the API: one bucket per partner (whatever token it uses), one per
logged-in user, one per anonymous client address. Over the limit: 429 with Retry-After.

Rates are read when a request is throttled, not at import, so `override_settings` and
the environment (ATELIER_ANON_RATE, ATELIER_PARTNER_RATE) both take effect.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from orders.authentication import PartnerPrincipal


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(_LiveRates, AnonRateThrottle):
    """Anonymous callers (the shop's customers, trying products), by client address."""


class PartnerRateThrottle(_LiveRates, SimpleRateThrottle):
    """Authenticated callers: a partner's tokens share the partner's bucket."""

    scope = "user"  # the "user" rate is ATELIER_PARTNER_RATE in settings

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, PartnerPrincipal):
            ident = f"partner-{user.partner.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


API_THROTTLES = [AnonymousRateThrottle, PartnerRateThrottle]
