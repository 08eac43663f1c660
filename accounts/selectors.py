"""What an account holder sees of their own: orders (with status, promised ship date and
history) and named saved configurations. Every read is filtered by the account; asking
for another account's order or configuration finds nothing (the views answer 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from configurator.models import SavedConfiguration
from orders.cart import PlacedOrder, placed_order
from orders.models import Order, OrderLine

HISTORY_LIMIT = 100


def orders_of(*, user) -> QuerySet[Order]:
    """The account's orders, newest first, with their lines' names for the list."""
    return (
        Order.objects.filter(user=user)
        .prefetch_related("lines")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )


def order_of(*, user, public_id) -> PlacedOrder | None:
    """One of the account's orders as its status page shows it; None if not theirs."""
    if not Order.objects.filter(user=user, public_id=public_id).exists():
        return None
    return placed_order(public_id)


def order_line_of(*, user, public_id, position: int) -> OrderLine | None:
    """A line of one of the account's orders (a reorder starts from it)."""
    return (
        OrderLine.objects.select_related("catalogue_version")
        .filter(order__user=user, order__public_id=public_id, position=position)
        .first()
    )


def saved_of(*, user) -> QuerySet[SavedConfiguration]:
    return SavedConfiguration.objects.filter(owner=user).select_related("catalogue_version")


def saved_one_of(*, user, pk: int) -> SavedConfiguration | None:
    return saved_of(user=user).filter(pk=pk).first()
