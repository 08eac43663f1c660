"""Sign-up, log-in and confirmation forms. Their errors never depend on whether an
account exists: only the services know that, and they answer by e-mail."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.services import normalise_email


class SignUpForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=150)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        email, password = data.get("email"), data.get("password")
        if email and password:
            # Judged against an unsaved user: the same answer whether or not one exists.
            probe = get_user_model()(username=email, email=email)
            try:
                validate_password(password, user=probe)
            except ValidationError as error:
                self.add_error("password", error)
        return data


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class ConfirmForm(forms.Form):
    password = forms.CharField(
        label="The password you chose when you signed up",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
