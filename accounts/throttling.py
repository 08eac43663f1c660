"""Login throttling: failed attempts counted per client address and per account name in
the shared cache (Redis in production, atelier/cache.py), in fixed windows. The same
counters, in their own scope, limit the requests that send account e-mail (sign-up,
password reset) per address typed and per client address, so nobody can use the shop to
flood a mailbox.

- Per account name: the e-mail address as typed (normalised), whether or not an account
  has it, so the limit itself tells nobody which addresses have accounts. Guessing one
  account's password from many addresses stops after `per_account` failures.
- Per client address: one address trying many accounts stops after `per_address`.
- Over either limit, the attempt is refused before the password is checked.
- A success clears the account name's counter (not the address's: an attacker's own
  account must not reset the count of their guesses at others).

Failing safely: on compose's settings the cache is FallbackRedisCache, which answers from
a per-process memory while Redis is away, so the limits still hold per process (looser by
the number of web processes, never off). Any other cache error is logged and the attempt
is judged on the counters that could be read: a cache outage never locks customers out
and never turns a login into a 500.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from atelier.cache import SHARED_CACHE_ERRORS

log = logging.getLogger("atelier.accounts")

PREFIX = "accounts:login-failures"
MAIL_PREFIX = "accounts:mail-requests"


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    window_seconds: int
    prefix: str = PREFIX

    @classmethod
    def from_settings(cls) -> LoginLimits:
        return cls(
            per_account=settings.ATELIER_LOGIN_FAILURES_PER_ACCOUNT,
            per_address=settings.ATELIER_LOGIN_FAILURES_PER_ADDRESS,
            window_seconds=settings.ATELIER_LOGIN_WINDOW_SECONDS,
        )

    @classmethod
    def mail_from_settings(cls) -> LoginLimits:
        """Sign-ups and reset requests (each sends one e-mail) per typed address and per
        client address."""
        return cls(
            per_account=settings.ATELIER_ACCOUNT_MAILS_PER_ACCOUNT,
            per_address=settings.ATELIER_ACCOUNT_MAILS_PER_ADDRESS,
            window_seconds=settings.ATELIER_LOGIN_WINDOW_SECONDS,
            prefix=MAIL_PREFIX,
        )


def _keys(*, address: str, account: str, prefix: str = PREFIX) -> tuple[str, str]:
    # Hashed: raw addresses and e-mails stay out of Redis, and keys stay short.
    name = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
    return f"{prefix}:account:{name}", f"{prefix}:address:{address}"


def _read(key: str) -> int:
    try:
        return int(cache.get(key) or 0)
    except SHARED_CACHE_ERRORS as error:
        log.warning("login throttle could not read its counter (%s); not counted", error)
        return 0


def _bump(key: str, *, window: int) -> None:
    try:
        # add() starts the window (and its expiry) only if no counter runs yet.
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # the window expired between add and incr
            cache.set(key, 1, timeout=window)
    except SHARED_CACHE_ERRORS as error:
        log.warning("login throttle could not count a failure (%s)", error)


def login_blocked(*, address: str, account: str, limits: LoginLimits | None = None) -> bool:
    """Whether a login attempt must be refused unread (too many recent failures)."""
    limits = limits or LoginLimits.from_settings()
    account_key, address_key = _keys(address=address, account=account, prefix=limits.prefix)
    return _read(account_key) >= limits.per_account or _read(address_key) >= limits.per_address


def login_failed(*, address: str, account: str, limits: LoginLimits | None = None) -> None:
    limits = limits or LoginLimits.from_settings()
    for key in _keys(address=address, account=account, prefix=limits.prefix):
        _bump(key, window=limits.window_seconds)


def login_succeeded(*, account: str) -> None:
    account_key, _ = _keys(address="", account=account)
    try:
        cache.delete(account_key)
    except SHARED_CACHE_ERRORS as error:
        log.warning("login throttle could not clear a counter (%s)", error)


def mail_request_refused(*, address: str, account: str) -> bool:
    """Count a request that would send account e-mail to `account`; True if it is over
    the limit (and must send nothing)."""
    limits = LoginLimits.mail_from_settings()
    if login_blocked(address=address, account=account, limits=limits):
        return True
    login_failed(address=address, account=account, limits=limits)
    return False
