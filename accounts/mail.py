"""The account e-mails: plain text, links built on ATELIER_SITE_URL (never on the Host
header a request claims)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse


def site_link(path: str) -> str:
    return settings.ATELIER_SITE_URL.rstrip("/") + path


def _send(*, email: str, template: str, subject: str, context: dict) -> None:
    body = render_to_string(template, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def send_verification(*, email: str, token: str) -> None:
    _send(
        email=email,
        template="accounts/email/verify.txt",
        subject="Confirm your e-mail address for Atelier",
        context={
            "link": site_link(reverse("accounts:verify", args=[token])),
            "days": settings.ATELIER_VERIFY_MAX_AGE // 86400,
        },
    )


def send_already_registered(*, email: str) -> None:
    _send(
        email=email,
        template="accounts/email/already_registered.txt",
        subject="You already have an Atelier account",
        context={
            "login": site_link(reverse("accounts:login")),
            "reset": site_link(reverse("accounts:password_reset")),
        },
    )
