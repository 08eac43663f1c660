"""Account workflows: sign up, confirm the e-mail address, claim guest orders.

The protocol (why it is safe):
- Sign-up takes an e-mail address and a password and always answers the same ("check
  your inbox"); what differs goes by e-mail only to the address itself: a new or still
  unconfirmed account gets a confirmation link, an existing one a note that it exists.
- The link is a signed token (django.core.signing, salted) that expires after
  ATELIER_VERIFY_MAX_AGE seconds and is bound to the account's password hash and active
  flag, so it works once and a newer sign-up for the same address voids older links.
- Confirming asks for the password chosen at sign-up. Holding the link proves the
  mailbox, the password proves the person who signed up: someone who signs up with
  another person's address cannot have that person confirm it for them (account
  pre-hijacking), and a mail scanner that follows links confirms nothing.
- Confirmation activates the account, records the VerifiedEmail (unique: one account per
  address, ever) and claims the guest orders placed with that address. Later guest orders
  with the address are claimed at each login. The claim is one conditional UPDATE
  (`WHERE user IS NULL`), so an order once claimed never moves to another account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from accounts import mail
from accounts.models import VerifiedEmail
from orders.models import Order

VERIFY_SALT = "atelier.accounts.verify-email"


class InvalidLink(Exception):
    """A confirmation link that is malformed, expired, or already used."""


@dataclass(frozen=True)
class Confirmed:
    user: User
    claimed_orders: int


def normalise_email(email: str) -> str:
    """The one spelling of an address used as the login name and for matching orders."""
    return email.strip().lower()


def _state(user) -> str:
    # Changes when the password changes or the account is activated: a used or
    # superseded link stops working.
    value = f"{user.pk}|{user.password}|{user.is_active}|{user.email}"
    return salted_hmac(VERIFY_SALT, value).hexdigest()[:24]


def verification_token(*, user) -> str:
    return signing.dumps({"u": user.pk, "s": _state(user)}, salt=VERIFY_SALT)


def user_for_token(*, token: str):
    """The unconfirmed account a link belongs to; InvalidLink if it is bad, expired or used."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.ATELIER_VERIFY_MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is one
        raise InvalidLink from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidLink
    user = get_user_model().objects.filter(pk=data["u"], is_active=False).first()
    if user is None or data.get("s") != _state(user):
        raise InvalidLink
    return user


def sign_up(*, email: str, password: str) -> None:
    """Start an account for `email`, or tell the address's owner it already has one.
    Answers nothing: the caller shows the same page whatever happened here."""
    email = normalise_email(email)
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=email, email=email, password=password, is_active=False
                )
        except IntegrityError:  # the same address signed up at the same moment
            user = User.objects.get(username=email)
        else:
            mail.send_verification(email=email, token=verification_token(user=user))
            return
    pending = not user.is_active and not VerifiedEmail.objects.filter(user=user).exists()
    if pending:
        # A new sign-up for an unconfirmed address: the newest password and link count.
        user.set_password(password)
        user.save(update_fields=["password"])
        mail.send_verification(email=email, token=verification_token(user=user))
        return
    make_password(password)  # the same work as the other paths, so timing tells nothing
    mail.send_already_registered(email=email)


def confirm_email(*, token: str, password: str) -> Confirmed | None:
    """Activate the account behind a confirmation link if `password` is its password;
    None if it is not. Raises InvalidLink for a bad, expired or used link."""
    user = user_for_token(token=token)
    if not user.check_password(password):
        return None
    User = get_user_model()
    with transaction.atomic():
        # Conditional: two confirmations at once activate (and record) it once.
        if not User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
            raise InvalidLink
        VerifiedEmail.objects.create(user=user, email=normalise_email(user.email))
    user.is_active = True
    return Confirmed(user=user, claimed_orders=claim_guest_orders(user=user))


def claim_guest_orders(*, user) -> int:
    """Attach the guest orders placed with the account's verified address; the number
    attached. Partners' orders are theirs and are never claimed."""
    verified = VerifiedEmail.objects.filter(user=user).values_list("email", flat=True).first()
    if verified is None:
        return 0
    return Order.objects.filter(
        user__isnull=True, partner__isnull=True, customer_email__iexact=verified
    ).update(user=user)


def create_verified_account(*, email: str, password: str):
    """An active account with a confirmed address at once (staff tools and tests)."""
    email = normalise_email(email)
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=email, email=email, password=password, is_active=True
        )
        VerifiedEmail.objects.create(user=user, email=email)
    claim_guest_orders(user=user)
    return user
