"""Quotes: issued (priced now, numbered, frozen), accepted into an order at their prices,
withdrawn or extended by staff.

Locks, in this order, inside one transaction:
1. the quote's row (`SELECT … FOR UPDATE`) while it is accepted, withdrawn or extended;
2. then, for an accepted quote, what placing an order takes (standard stock rows).
Issuing locks only the year's QuoteSequence row, to draw the next number.

Accepting is guarded three times in the database: the row lock (a second acceptance waits,
then finds the quote accepted), the conditional update `WHERE status = 'issued' AND
order IS NULL AND valid_until > now`, and the one-to-one quote → order (one order per
quote, whatever else goes wrong).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from atelier import errors
from orders.models import Order, Quote, QuoteLine, QuoteSequence
from orders.notifications import email_quote_issued
from orders.pricing import LineRequest
from orders.services.placing import Customer, FrozenLine, commit_order, price_now
from production import promise


def issue_quote(
    *,
    lines: Sequence[LineRequest],
    reference: str = "",
    partner=None,
    user=None,
    actor: str = "shop",
) -> Quote:
    """Price `lines` against the published catalogue (as an order would be), estimate the
    ship date, and issue a numbered quote valid for settings.QUOTE_VALID_DAYS. An account
    holder's quote is e-mailed to them (a link to its page) after commit. Raises the
    ordering DomainErrors for a line that cannot be ordered."""
    if (partner is None) == (user is None):
        raise ValueError("A quote belongs to exactly one partner or one account holder.")
    priced = price_now(lines)
    total = sum((line.line_total for line in priced), Decimal("0.00"))
    estimated = promise.estimate(lines=[line.to_plan for line in priced])
    issued_at = timezone.now()
    with transaction.atomic():
        quote = Quote.objects.create(
            number=_next_number(issued_at),
            partner=partner,
            user=user,
            reference=reference,
            currency=priced[0].catalogue_version.currency,
            total=total,
            estimated_ship_date=estimated,
            issued_at=issued_at,
            valid_until=issued_at + timedelta(days=settings.QUOTE_VALID_DAYS),
        )
        QuoteLine.objects.bulk_create(
            QuoteLine(quote=quote, position=i, line_total=line.line_total, **line.record_fields())
            for i, line in enumerate(priced)
        )
        if user is not None:
            quote_id = quote.pk
            transaction.on_commit(lambda: email_quote_issued(quote_id=quote_id), robust=True)
    return quote


def _next_number(issued_at: datetime) -> str:
    """'Q-2026-000123': the year (the plant's calendar) and its next number, drawn under
    the year's row lock in the caller's transaction."""
    year = timezone.localtime(issued_at).year
    QuoteSequence.objects.get_or_create(year=year)
    QuoteSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = QuoteSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"Q-{year}-{last:06d}"


def frozen_lines(quote: Quote) -> list[FrozenLine]:
    """The quote's lines as the order will store them: its catalogue versions and prices."""
    return [
        FrozenLine.of_record(line)
        for line in quote.lines.select_related("catalogue_version").order_by("position")
    ]


def ship_date_if_accepted(*, quote: Quote) -> date | None:
    """The ship date an order of the quote placed now would be promised (capable-to-
    promise, the same answer accepting gives the order): shown before the customer
    confirms. None when it cannot be built from the parts there are or are expected."""
    return promise.estimate(lines=[line.to_plan for line in frozen_lines(quote)])


def check_acceptable(quote: Quote, *, now: datetime) -> None:
    """Raise the reason a quote cannot be accepted at `now` (expired, withdrawn, accepted)."""
    state = quote.effective_status(now=now)
    if state == Quote.Status.ACCEPTED:
        order_id = (
            Order.objects.filter(pk=quote.order_id).values_list("public_id", flat=True).first()
            if quote.order_id is not None
            else None
        )
        raise errors.QuoteAlreadyAccepted(
            f"Quote {quote.number} was accepted on {quote.accepted_at:%Y-%m-%d %H:%M %Z}; "
            "it became an order once and cannot become another.",
            extra={"quote": quote.number, "order": str(order_id) if order_id else None},
        )
    if state == Quote.Status.WITHDRAWN:
        raise errors.QuoteWithdrawn(
            f"Quote {quote.number} was withdrawn; ask for a new quote.",
            extra={"quote": quote.number},
        )
    if state == Quote.Status.EXPIRED:
        raise errors.QuoteExpired(
            f"Quote {quote.number} expired at {quote.valid_until.isoformat()}; ask for a "
            "new quote.",
            extra={"quote": quote.number, "valid_until": quote.valid_until.isoformat()},
        )


def accept_quote(*, quote: Quote, actor: str, customer: Customer | None = None) -> Order:
    """Turn a valid quote into an order at its prices and frozen catalogue versions, with
    the ship date capable-to-promise gives now; the order is scheduled and announced as
    any placed order is. Raises QuoteExpired, QuoteWithdrawn or QuoteAlreadyAccepted (and
    OutOfStock when a quoted standard product has sold out since)."""
    with transaction.atomic():
        locked = (
            Quote.objects.select_for_update(of=("self",)).select_related("user").get(pk=quote.pk)
        )
        now = timezone.now()
        check_acceptable(locked, now=now)
        if customer is None and locked.user is not None:
            customer = Customer(name=locked.user.get_full_name(), email=locked.user.email)
        order = commit_order(
            lines=frozen_lines(locked),
            reference=locked.reference,
            partner=locked.partner,
            user=locked.user,
            customer=customer,
            actor=actor,
            note=f"accepted quote {locked.number}",
        )
        accepted = Quote.objects.filter(
            pk=locked.pk, status=Quote.Status.ISSUED, order__isnull=True, valid_until__gt=now
        ).update(status=Quote.Status.ACCEPTED, order=order, accepted_at=now)
        if accepted != 1:  # the row lock makes this unreachable; the guard stays
            raise errors.QuoteAlreadyAccepted(f"Quote {locked.number} is no longer open.")
    return order


def withdraw_quotes(*, quote_ids: Sequence[int]) -> int:
    """Withdraw issued quotes (expired ones too); accepted ones stay accepted. Waits on a
    quote being accepted, then leaves it alone. Returns how many were withdrawn."""
    return Quote.objects.filter(pk__in=list(quote_ids), status=Quote.Status.ISSUED).update(
        status=Quote.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )


def extend_quotes(*, quote_ids: Sequence[int], days: int) -> int:
    """Make issued quotes valid until `days` from now (an expired one opens again); a
    validity already longer is kept. Returns how many were extended."""
    if days < 1:
        raise ValueError("days must be at least 1")
    until = timezone.now() + timedelta(days=days)
    return Quote.objects.filter(
        pk__in=list(quote_ids), status=Quote.Status.ISSUED, valid_until__lt=until
    ).update(valid_until=until)
