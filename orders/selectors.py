"""Readers of orders and quotes. Every queryset a partner or customer reaches starts
here, filtered by who is asking (DESIGN.md, "Reliability rules")."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderLine, Partner, Quote, QuoteLine


def orders_visible_to(*, partner: Partner | None = None, user=None) -> QuerySet[Order]:
    """A partner's orders, or the orders a logged-in user placed; nothing for anyone else.

    Lines (with their catalogue version) and events are prefetched: three queries for a
    page of orders, however long the page.
    """
    if partner is not None:
        orders = Order.objects.filter(partner=partner)
    elif user is not None and user.is_authenticated:
        orders = Order.objects.filter(user=user)
    else:
        return Order.objects.none()
    return orders.prefetch_related(
        Prefetch(
            "lines",
            # The version's number, not its frozen catalogue document (tens of kB).
            queryset=OrderLine.objects.select_related("catalogue_version").defer(
                "catalogue_version__document"
            ),
        ),
        "events",
    )


def quotes_visible_to(*, partner: Partner | None = None, user=None) -> QuerySet[Quote]:
    """A partner's quotes, or an account holder's; nothing for anyone else. Lines (with
    their catalogue version's number) and the order a quote became come in two queries."""
    if partner is not None:
        quotes = Quote.objects.filter(partner=partner)
    elif user is not None and user.is_authenticated:
        quotes = Quote.objects.filter(user=user)
    else:
        return Quote.objects.none()
    return quotes.select_related("order").prefetch_related(
        Prefetch(
            "lines",
            queryset=QuoteLine.objects.select_related("catalogue_version").defer(
                "catalogue_version__document"
            ),
        )
    )
