"""Forms of the cart and the guest checkout. Lengths match the Order columns, so what
passes the form always fits the row."""

from __future__ import annotations

from django import forms

from configurator.forms import validate_no_markup
from orders.cart import MAX_QUANTITY


class CheckoutForm(forms.Form):
    name = forms.CharField(
        label="Full name",
        max_length=200,
        validators=[validate_no_markup],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        help_text="We send the order confirmation and its status link here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label="Shipping address",
        max_length=1000,
        validators=[validate_no_markup],
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"}),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 2:
            raise forms.ValidationError("Please enter your name.")
        return name


class CartLineForm(forms.Form):
    line = forms.RegexField(regex=r"^[0-9a-f]{1,32}$", max_length=32)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)
