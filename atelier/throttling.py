"""Rate limits of the API: one bucket per partner (whatever token it uses), one per
logged-in user, one per anonymous client address. Over the limit: 429 with Retry-After.

Rates are read when a request is throttled, not at import, so `override_settings` and
the environment (ATELIER_ANON_RATE, ATELIER_PARTNER_RATE) both take effect.
"""

from __future__ import annotations

import math

from django.core.cache.backends.base import BaseCache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class _WindowCounter:
    """Counts a caller's requests in fixed windows of the rate's duration with the cache's
    atomic `incr`, and adds the previous window's count weighted by how much of it still
    lies within the last `duration` seconds (the sliding-window estimate).

    DRF's SimpleRateThrottle keeps the time of every request instead: at 6,000/min that is
    a 6,000-entry list read and written whole on every request, and two requests at once
    both read the same list, so one of them goes uncounted. This costs two cache calls
    whatever the rate, and concurrent requests are all counted.
    """

    # Set by DRF's SimpleRateThrottle, which every throttle here also derives from.
    cache: BaseCache
    duration: int
    num_requests: int

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window, offset = divmod(self.timer(), self.duration)
        current = f"{self.key}:{int(window)}"
        previous = self.cache.get(f"{self.key}:{int(window) - 1}", 0)
        count = self._incr(current)
        if previous * (1 - offset / self.duration) + count <= self.num_requests:
            return True
        try:
            self.cache.decr(current)  # a refused request does not use up the allowance
        except ValueError:
            pass  # the window's counter expired meanwhile: nothing left to give back
        self._wait = self._retry_after(previous, count - 1, offset)
        return False

    def _incr(self, key: str) -> int:
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request
            if self.cache.add(key, 1, self.duration * 2):
                return 1
            return self.cache.incr(key)

    def _retry_after(self, previous: int, used: int, offset: float) -> float:
        """Seconds until one more request fits under the estimate."""
        limit, duration = self.num_requests, self.duration
        if used < limit and previous:
            # Later in this window the previous one weighs less: when does it fit?
            at = duration * (1 - (limit - used - 1) / previous)
            if at <= duration:
                return max(1.0, at - offset)
        # Next window: this window's count becomes the previous one.
        at = duration * (1 - (limit - 1) / used) if used else 0
        return max(1.0, duration - offset + max(0.0, at))

    def wait(self):
        return math.ceil(self._wait)


class AnonymousRateThrottle(_LiveRates, _WindowCounter, AnonRateThrottle):
    """Anonymous callers (the shop's customers, trying products), by client address."""


class PartnerRateThrottle(_LiveRates, _WindowCounter, SimpleRateThrottle):
    """Authenticated callers: a partner's tokens share the partner's bucket."""

    scope = "user"  # the "user" rate is ATELIER_PARTNER_RATE in settings

    def get_cache_key(self, request, view):
        user = request.user
        # A principal may name its bucket (orders.authentication's partner principal:
        # all of a partner's tokens share one), so this plumbing knows no app's classes.
        if getattr(user, "throttle_ident", None):
            ident = user.throttle_ident
        elif user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


API_THROTTLES = [AnonymousRateThrottle, PartnerRateThrottle]
