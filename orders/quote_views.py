"""The account holder's quote pages: ask for a quote from the cart, the quote document
(printable), accepting it (the ship date computed again, shown before confirming), and
the list of one's quotes. A quote is reached by its public UUID and shown only to the
account holder it was issued to: anyone else gets a 404, as if it did not exist.

Asking for a quote from the configure page lives with that page (configurator.views).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from atelier.errors import DomainError
from atelier.money import Money
from orders import selectors, services
from orders.cart import Cart
from orders.forms import CheckoutForm
from orders.models import Quote, QuoteLine


@dataclass(frozen=True)
class QuotedLine:
    quantity: int
    name: str
    standard_sku: str
    catalogue_version: int | None
    choices: tuple[str, ...]
    unit: Money
    total: Money


@dataclass(frozen=True)
class QuoteDocument:
    """A quote as its page prints it."""

    quote: Quote
    status: str
    lines: tuple[QuotedLine, ...]
    total: Money

    @property
    def acceptable(self) -> bool:
        return self.status == Quote.Status.ISSUED


def _document(quote: Quote) -> QuoteDocument:
    lines: list[QuoteLine] = list(quote.lines.all())
    return QuoteDocument(
        quote=quote,
        status=quote.effective_status(now=timezone.now()),
        lines=tuple(
            QuotedLine(
                quantity=line.quantity,
                name=line.product_name,
                standard_sku=line.standard_sku,
                catalogue_version=line.catalogue_version.number,
                choices=tuple(p["label"] for p in line.price_lines if p.get("kind") == "option"),
                unit=Money(line.unit_price, quote.currency),
                total=Money(line.line_total, quote.currency),
            )
            for line in lines
        ),
        total=Money(quote.total, quote.currency),
    )


def _own_quote(request, public_id) -> Quote:
    quote = selectors.quotes_visible_to(user=request.user).filter(public_id=public_id).first()
    if quote is None:
        raise Http404("No such quote")
    return quote


def actor_of(user) -> str:
    return f"user:{user.get_username()}"


@login_required
def quote_list(request):
    quotes = selectors.quotes_visible_to(user=request.user)[:100]
    now = timezone.now()
    rows = [
        (quote, quote.effective_status(now=now), Money(quote.total, quote.currency))
        for quote in quotes
    ]
    return render(request, "orders/quote_list.html", {"rows": rows})


@require_POST
def quote_from_cart(request):
    """The cart's lines as a quote (the cart is kept: the quote is a document, not an
    order). Anonymous shoppers log in first and come back to their cart."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("orders:cart"))
    cart = Cart(request.session)
    if not cart.lines:
        messages.error(request, "Your cart is empty: add a configuration to ask for a quote.")
        return redirect("orders:cart")
    try:
        quote = services.issue_quote(
            lines=[
                services.LineRequest(
                    product=line.product,
                    selections=line.selections,
                    quantity=line.quantity,
                    standard_sku=line.standard_sku,
                )
                for line in cart.lines
            ],
            user=request.user,
            actor=actor_of(request.user),
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("orders:cart")
    return issued(request, quote)


def issued(request, quote: Quote):
    """Where a new quote lands: its page, saying a link was e-mailed."""
    where = f" and e-mailed a link to {request.user.email}" if request.user.email else ""
    messages.success(request, f"Quote {quote.number} is issued{where}.")
    return redirect("orders:quote", public_id=quote.public_id)


@login_required
def quote_page(request, public_id):
    return render(request, "orders/quote.html", {"doc": _document(_own_quote(request, public_id))})


@login_required
@require_http_methods(["GET", "POST"])
def quote_accept(request, public_id):
    """GET: the ship date an order placed now would get (computed again), and who it
    ships to. POST: place the order at the quoted prices."""
    quote = _own_quote(request, public_id)
    doc = _document(quote)
    if not doc.acceptable:
        try:
            services.check_acceptable(quote, now=timezone.now())
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect("orders:quote", public_id=quote.public_id)
    user = request.user
    initial = {"name": user.get_full_name(), "email": user.email}
    form = CheckoutForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.accept_quote(
                quote=quote,
                actor=actor_of(user),
                customer=services.Customer(
                    name=data["name"], email=data["email"], address=data["address"]
                ),
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("orders:quote", public_id=quote.public_id)
        messages.success(request, f"Quote {quote.number} is now your order.")
        return redirect("orders:confirmation", public_id=order.public_id)
    ship_date: date | None = services.ship_date_if_accepted(quote=quote)
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request,
        "orders/quote_accept.html",
        {"doc": doc, "form": form, "ship_date": ship_date},
        status=status,
    )
