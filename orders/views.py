"""The cart, the guest checkout, the order confirmation and the order status page.

The status page is reached by the order's public UUID (the link in the e-mails
orders.notifications sends, URL name `orders:status`); the UUID is the only key to it.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from atelier.errors import DomainError
from orders.cart import Cart, CartError, placed_order, priced_cart
from orders.cart import checkout as place_cart
from orders.forms import CartLineForm, CheckoutForm
from orders.services import Customer


def cart(request):
    return render(request, "orders/cart.html", {"cart": priced_cart(Cart(request.session))})


@require_POST
def cart_update(request):
    form = CartLineForm(request.POST)
    if not form.is_valid() or form.cleaned_data["quantity"] is None:
        messages.error(request, "Please enter a quantity from 1 to 99.")
        return redirect("orders:cart")
    try:
        Cart(request.session).set_quantity(form.cleaned_data["line"], form.cleaned_data["quantity"])
    except CartError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Quantity updated.")
    return redirect("orders:cart")


@require_POST
def cart_remove(request):
    form = CartLineForm(request.POST)
    if form.is_valid():
        Cart(request.session).remove(form.cleaned_data["line"])
        messages.success(request, "Removed from your cart.")
    return redirect("orders:cart")


@require_http_methods(["GET", "POST"])
def checkout(request):
    basket = Cart(request.session)
    priced = priced_cart(basket)
    if not priced.can_checkout:
        if priced.lines:
            messages.error(request, "Please fix or remove the lines marked below first.")
        return redirect("orders:cart")
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = CheckoutForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = place_cart(
                cart=basket,
                customer=Customer(name=data["name"], email=data["email"], address=data["address"]),
                user=request.user if request.user.is_authenticated else None,
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("orders:confirmation", public_id=order.public_id)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "orders/checkout.html", {"form": form, "cart": priced}, status=status)


def _placed(public_id):
    placed = placed_order(public_id)
    if placed is None:
        raise Http404("No such order")
    return {"order": placed.order, "placed": placed}


def order_confirmation(request, public_id):
    return render(request, "orders/confirmation.html", _placed(public_id))


def order_status(request, public_id):
    return render(request, "orders/status.html", _placed(public_id))
