"""Staff's view of orders, quotes, partners, API tokens and webhooks.

A token's raw value is shown once, in the message after it is created; only its
SHA-256 is stored, so a lost token is revoked and replaced, never recovered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone

from atelier.errors import DomainError
from orders import services
from orders.models import (
    ApiToken,
    Order,
    OrderEvent,
    OrderLine,
    Partner,
    Quote,
    QuoteLine,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from production.services import fulfilment


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()  # all it shows


class ApiTokenInline(ReadOnlyInline):
    model = ApiToken
    fields = ["name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    show_change_link = True


# Webhook URLs typed without a scheme are https.
HTTPS_URLS: dict[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class WebhookEndpointInline(admin.TabularInline):
    model = WebhookEndpoint
    formfield_overrides = HTTPS_URLS
    extra = 0
    fields = ["url", "active", "created_at"]
    readonly_fields = ["created_at"]
    show_change_link = True


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["users"]
    inlines = [ApiTokenInline, WebhookEndpointInline]


@admin.action(description="Revoke the selected tokens")
def revoke(modeladmin, request, queryset):
    count = services.revoke_tokens(token_ids=list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "partner",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "usable",
    ]
    list_filter = ["partner", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["partner__name", "name", "prefix"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = [revoke]

    @admin.display(boolean=True)
    def usable(self, token: ApiToken) -> bool:
        now = timezone.now()
        return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["partner", "name", "expires_at"]
        return [
            "partner",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        # A token's partner never changes; revoke it and issue a new one instead.
        return [*self.readonly_fields, "partner"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # The admin's own (unsaved) instance is filled and saved, so the change page and
        # log entry that follow point at the new token.
        token, raw = services.issue_token(
            partner=obj.partner, name=obj.name, expires_at=obj.expires_at, token=obj
        )
        self.message_user(
            request,
            f"New token for {token.partner}: {raw} — copy it now; it is stored only as a "
            "hash and will not be shown again.",
            messages.WARNING,
        )


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "position",
        "product_code",
        "product_name",
        "catalogue_version",
        "selections",
        "quantity",
        "unit_price",
        "standard_sku",
        "build_minutes",
    ]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["status", "at", "actor", "note"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "public_id",
        "status",
        "partner",
        "reference",
        "total",
        "currency",
        "promised_ship_date",
        "created_at",
    ]
    list_filter = ["status", "priority", "partner", "created_at"]
    search_fields = ["public_id", "reference", "customer_email", "customer_name"]
    date_hierarchy = "created_at"
    list_select_related = ["partner"]
    inlines = [OrderLineInline, OrderEventInline]
    # Status changes go through orders.services only (events, notifications, the plan).
    readonly_fields = [
        "public_id",
        "partner",
        "user",
        "status",
        "priority",
        "currency",
        "total",
        "estimated_ship_date",
        "promised_ship_date",
        "created_at",
        "updated_at",
    ]
    fields = [
        *readonly_fields[:3],
        "reference",
        *readonly_fields[3:],
        "customer_name",
        "customer_email",
        "shipping_address",
    ]

    actions = ["start_production", "mark_built", "mark_shipped"]

    def _advance(self, request, queryset, step, done: str):
        moved = 0
        for order in queryset.order_by("pk"):
            try:
                step(order_id=order.pk, actor=f"staff:{request.user.get_username()}")
                moved += 1
            except DomainError as exc:
                self.message_user(request, str(exc.detail), messages.WARNING)
        if moved:
            self.message_user(request, f"{moved} order(s) {done}.", messages.SUCCESS)

    @admin.action(
        description="Start production (consumes reserved components)", permissions=["change"]
    )
    def start_production(self, request, queryset):
        self._advance(request, queryset, fulfilment.start_production, "in production")

    @admin.action(description="Mark built", permissions=["change"])
    def mark_built(self, request, queryset):
        self._advance(request, queryset, fulfilment.mark_built, "built")

    @admin.action(description="Mark shipped", permissions=["change"])
    def mark_shipped(self, request, queryset):
        self._advance(request, queryset, fulfilment.mark_shipped, "shipped")

    def has_add_permission(self, request):
        return False


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = [
        "position",
        "product_code",
        "product_name",
        "catalogue_version",
        "selections",
        "quantity",
        "unit_price",
        "line_total",
        "standard_sku",
    ]


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Quotes are issued by the shop and the API and never edited: staff extend their
    validity or withdraw them (actions through orders.services, conditional updates)."""

    list_display = [
        "number",
        "owner",
        "reference",
        "current_status",
        "total",
        "currency",
        "issued_at",
        "valid_until",
        "order",
    ]
    list_filter = ["status", "partner", "issued_at"]
    search_fields = ["number", "public_id", "reference", "user__email", "partner__name"]
    date_hierarchy = "issued_at"
    list_select_related = ["partner", "user", "order"]
    inlines = [QuoteLineInline]
    readonly_fields = [
        "number",
        "public_id",
        "partner",
        "user",
        "reference",
        "current_status",
        "currency",
        "total",
        "estimated_ship_date",
        "issued_at",
        "valid_until",
        "accepted_at",
        "withdrawn_at",
        "order",
    ]
    fields = [*readonly_fields]
    actions = ["extend_validity", "withdraw"]

    @admin.display(description="owner")
    def owner(self, quote: Quote) -> str:
        return str(quote.partner) if quote.partner_id else str(quote.user)

    @admin.display(description="status")
    def current_status(self, quote: Quote) -> str:
        return Quote.Status(quote.effective_status(now=timezone.now())).label

    @admin.action(
        description=f"Extend validity to {settings.QUOTE_VALID_DAYS} days from now",
        permissions=["change"],
    )
    def extend_validity(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        extended = services.extend_quotes(quote_ids=ids, days=settings.QUOTE_VALID_DAYS)
        self._report(request, extended, len(ids), "extended", "accepted, withdrawn or valid longer")

    @admin.action(description="Withdraw the selected quotes", permissions=["change"])
    def withdraw(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        withdrawn = services.withdraw_quotes(quote_ids=ids)
        self._report(request, withdrawn, len(ids), "withdrawn", "accepted or already withdrawn")

    def _report(self, request, done: int, asked: int, verb: str, why: str) -> None:
        if done:
            self.message_user(request, f"{done} quote(s) {verb}.", messages.SUCCESS)
        if done < asked:
            self.message_user(
                request, f"{asked - done} quote(s) left as they were ({why}).", messages.WARNING
            )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    ordering = ["at", "id"]
    fields = ["at", "status_code", "error", "duration_ms"]


@admin.action(description="Rotate the signing secret (the old one signs too for 24 h)")
def rotate_secret(modeladmin, request, queryset):
    rotated = services.rotate_webhook_secrets(
        endpoint_ids=list(queryset.values_list("pk", flat=True))
    )
    modeladmin.message_user(
        request,
        f"{len(rotated)} secret(s) rotated: hand each partner its new secret (on the "
        "endpoint's page); until then its old one still verifies.",
        messages.SUCCESS,
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "partner", "active", "created_at"]
    list_filter = ["active", "partner"]
    # The partner needs the secret (whsec_…) to verify signatures; staff hand it over.
    readonly_fields = ["secret", "previous_secret_until", "created_at"]
    fields = ["partner", "url", "active", "secret", "previous_secret_until", "created_at"]
    formfield_overrides = HTTPS_URLS
    actions = [rotate_secret]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "endpoint", "event", "state", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["state", "endpoint__partner"]
    list_select_related = ["endpoint", "event"]
    readonly_fields = [
        "endpoint",
        "event",
        "payload",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "at", "status_code", "error", "duration_ms"]
    list_filter = ["status_code"]
    readonly_fields = ["delivery", "at", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
