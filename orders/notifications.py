"""What happens after an order changes status (called on commit by orders.services):
the customer gets an e-mail, and the partner's webhook endpoints get a signed POST."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from atelier import enqueue
from orders import webhooks
from orders.models import Order, OrderEvent, Quote
from orders.ship_dates import day, promise_note
from orders.tasks import deliver_webhook

log = logging.getLogger("atelier.orders")

# Keyed by the status as stored (a plain string; Status members hash and compare as theirs).
SUBJECTS: dict[str, str] = {
    Order.Status.RECEIVED: "We have received your order",
    Order.Status.SCHEDULED: "Your order is scheduled",
    Order.Status.SHIPPED: "Your order is on its way",
    Order.Status.CANCELLED: "Your order is cancelled",
}


def order_status_url(order: Order) -> str:
    """The customer's order status page (the shop's `/orders/<public_id>/`)."""
    return f"{settings.ATELIER_SITE_URL.rstrip('/')}/orders/{order.public_id}/"


def quote_url(quote: Quote) -> str:
    """The account holder's quote page (the shop's `/quotes/<public_id>/`)."""
    return f"{settings.ATELIER_SITE_URL.rstrip('/')}/quotes/{quote.public_id}/"


def email_quote_issued(*, quote_id: int) -> None:
    """E-mail the account holder a link to a quote just issued (no attachment: the page
    is the document, and it prints). Partners' quotes have no one to e-mail."""
    quote = Quote.objects.select_related("user").filter(pk=quote_id).first()
    if quote is None or quote.user is None or not quote.user.email:
        return
    name = quote.user.get_full_name()
    lines = [f"Hello {name}," if name else "Hello,", ""]
    lines.append(f"here is your quote {quote.number} for {quote.currency} {quote.total:.2f}.")
    valid_until = timezone.localtime(quote.valid_until)
    lines.append(
        f"It is valid until {day(valid_until.date())}, {valid_until:%H:%M} ({valid_until:%Z})."
    )
    if quote.estimated_ship_date:
        lines.append(
            f"Ordered today it would ship on {day(quote.estimated_ship_date)}; we confirm "
            "the date when you accept it."
        )
    if quote.reference:
        lines.append(f"Your reference: {quote.reference}")
    lines += ["", f"View, print or accept it: {quote_url(quote)}", "", "Atelier"]
    try:
        send_mail(
            f"Your quote {quote.number}",
            "\n".join(lines),
            settings.DEFAULT_FROM_EMAIL,
            [quote.user.email],
        )
    except (smtplib.SMTPException, OSError):
        # The quote stands; its page lists it for the account holder.
        log.warning("could not e-mail quote %s", quote.number, exc_info=True)


def notify_status_change(*, event_id: int) -> None:
    notify_status_changes(event_ids=[event_id])


def notify_status_changes(*, event_ids) -> None:
    """E-mail the customers and call the partners' webhooks of these status events (one
    query for them all: the scheduler sends a batch at once)."""
    events = OrderEvent.objects.select_related("order").filter(pk__in=event_ids).order_by("pk")
    for event in events:
        try:
            _notify(event)
        except Exception:  # noqa: BLE001 - the status change stands; the others still go
            log.exception("could not notify order %s (%s)", event.order_id, event.status)


def _notify(event: OrderEvent) -> None:
    _email_customer(event)
    if event.order.partner_id is None:
        return  # webhooks belong to partners: a shop order has none to call
    with transaction.atomic():
        created = webhooks.create_deliveries(event=event)
        # Broker down: logged; the delivery is due in its row and the sweep sends it.
        for delivery_id in created:
            enqueue.send_on_commit(deliver_webhook, delivery_id)


def _email_customer(event: OrderEvent) -> None:
    order = event.order
    subject = SUBJECTS.get(event.status)
    if not order.customer_email or subject is None:
        return
    lines = [f"Hello {order.customer_name}," if order.customer_name else "Hello,", ""]
    if event.status == Order.Status.RECEIVED:
        lines.append(f"thank you for your order of {order.currency} {order.total:.2f}.")
        if order.estimated_ship_date:
            lines.append(
                f"We expect to ship it on {day(order.estimated_ship_date)} and confirm "
                "the date once production has planned it."
            )
    elif event.status == Order.Status.SCHEDULED and order.promised_ship_date:
        lines.append(f"your order will ship on {order.promised_ship_date:%A, %d %B %Y}.")
        note = promise_note(estimated=order.estimated_ship_date, promised=order.promised_ship_date)
        if note:
            lines.append(note)
    elif event.status == Order.Status.SHIPPED:
        lines.append("your order has left our workshop.")
    elif event.status == Order.Status.CANCELLED:
        lines.append("your order has been cancelled.")
    if order.reference:
        lines.append(f"Your reference: {order.reference}")
    lines += ["", f"Follow your order: {order_status_url(order)}", "", "Atelier"]
    try:
        send_mail(
            f"{subject} ({str(order.public_id)[:8]})",
            "\n".join(lines),
            settings.DEFAULT_FROM_EMAIL,
            [order.customer_email],
        )
    except (smtplib.SMTPException, OSError):
        # The status change stands; the page and the webhooks still tell the customer.
        log.warning("could not e-mail order %s (%s)", order.pk, event.status, exc_info=True)
