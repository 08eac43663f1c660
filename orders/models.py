"""Orders, their status history, partners and their API tokens, idempotency keys, webhooks.

An order line freezes what was ordered (catalogue version, selections, itemized price,
bill of materials, build minutes), so republishing the catalogue never changes it.
Status changes happen only through orders.services, as conditional updates on `status`
(UPDATE … WHERE status IN allowed-predecessors); the events table is the history.
"""

import base64
import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Partner(models.Model):
    name = models.CharField(max_length=200, unique=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="partners")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def new_webhook_secret() -> str:
    # Standard Webhooks' form: whsec_ and the base64 of the key's 32 random bytes.
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """Only the SHA-256 of a token is stored; the raw token is shown once at creation."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, default="default")
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.partner} · {self.name} ({self.prefix}…)"

    @classmethod
    def new_raw_token(cls) -> str:
        return "atl_" + secrets.token_urlsafe(32)


class Order(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        SCHEDULED = "scheduled", "Scheduled"
        IN_PRODUCTION = "in_production", "In production"
        BUILT = "built", "Built"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    # The allowed transitions; services update with WHERE status IN (predecessors).
    TRANSITIONS = {
        "received": {"scheduled", "cancelled"},
        "scheduled": {"in_production", "cancelled"},
        "in_production": {"built"},
        "built": {"shipped"},
        "shipped": set(),
        "cancelled": set(),
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    priority = models.PositiveSmallIntegerField(default=0, help_text="1 = express")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    shipping_address = models.TextField(blank=True, max_length=1000)
    promised_ship_date = models.DateField(null=True, blank=True)
    # The ship date capable-to-promise gave when the order was placed: what the customer was
    # shown. The promise equals it unless the plan changed before the order was scheduled.
    estimated_ship_date = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "received",
                        "scheduled",
                        "in_production",
                        "built",
                        "shipped",
                        "cancelled",
                    ]
                ),
                name="order_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status="received")
                | Q(status="cancelled")
                | Q(promised_ship_date__isnull=False),
                name="order_scheduled_has_promise",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_gte_0"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Order {self.pk}"


class LineRecord(models.Model):
    """What an order line and a quote line both keep: the configuration, priced on its
    catalogue version, and what production needs to plan it, never priced again."""

    catalogue_version = models.ForeignKey(
        "configurator.CatalogueVersion", on_delete=models.PROTECT, related_name="+"
    )
    product_code = models.CharField(max_length=40)
    product_name = models.CharField(max_length=200)
    selections = models.JSONField()
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    price_lines = models.JSONField(help_text="Itemized unit price as the engine gave it")
    bom = models.JSONField(help_text="Components per unit: {sku: qty}")
    build_minutes = models.JSONField(help_text="Minutes per unit: {work centre: minutes}")
    route = models.JSONField(default=list, help_text="Work centres in order")
    standard_sku = models.CharField(max_length=64, blank=True, help_text="Shipped from stock")

    class Meta:
        abstract = True


class OrderLine(LineRecord):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_gte_1"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_code}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity


class OrderEvent(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Order.Status.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=200, help_text="who or what changed it")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["order", "at", "id"]
        constraints = [
            # One event per status per order: a redelivered task cannot write it twice.
            models.UniqueConstraint(fields=["order", "status"], name="order_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.status} by {self.actor}"


class Quote(models.Model):
    """A numbered, immutable offer: lines priced on one published catalogue version, a
    ship-date estimate, and a validity. Accepting it places an order at its prices.

    Only its state moves after issue (status, the order it became, validity extended by
    staff), always through orders.services.quotes with conditional updates. `expired` is
    not stored: an issued quote past `valid_until` is expired (`effective_status`), so
    extending the validity revives it without a second write.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        ACCEPTED = "accepted", "Accepted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"  # computed, never stored

    STORED_STATUSES = ("issued", "accepted", "withdrawn")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=20, unique=True, editable=False)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quotes",
    )
    reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    # What capable-to-promise answered at issue; accepting asks it again.
    estimated_ship_date = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="quote"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["issued", "accepted", "withdrawn"]),
                name="quote_status_stored",
            ),
            # Exactly one owner: a partner (API token) or an account holder.
            models.CheckConstraint(
                condition=Q(partner__isnull=False, user__isnull=True)
                | Q(partner__isnull=True, user__isnull=False),
                name="quote_has_one_owner",
            ),
            # Accepted exactly when it became an order (the one-to-one makes it one order).
            models.CheckConstraint(
                condition=Q(status="accepted", order__isnull=False, accepted_at__isnull=False)
                | (~Q(status="accepted") & Q(order__isnull=True)),
                name="quote_accepted_has_order",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("issued_at")), name="quote_valid_after_issue"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="quote_total_gte_0"),
        ]
        indexes = [
            models.Index(fields=["partner", "issued_at"]),
            models.Index(fields=["user", "issued_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    def effective_status(self, *, now) -> str:
        """The status as the customer meets it at `now` (aware): issued turns expired."""
        if self.status == self.Status.ISSUED and self.valid_until <= now:
            return self.Status.EXPIRED
        return self.status


class QuoteLine(LineRecord):
    """A quoted line, frozen as an order line is (OrderLine): accepting the quote copies
    it into the order whatever the catalogue says by then."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["quote", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quote_line_quantity_gte_1"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_price_gte_0"),
            models.CheckConstraint(
                condition=Q(line_total=models.F("unit_price") * models.F("quantity")),
                name="quote_line_total_is_unit_times_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_code}"


class QuoteSequence(models.Model):
    """The last quote number given in a year: incremented under its row lock in the
    transaction that issues the quote, so numbers are unique and (rolled back with it)
    without gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IdempotencyKey(models.Model):
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=100, help_text="operation, e.g. orders.create")
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "scope", "key"],
                name="idempotency_key_per_partner",
                condition=Q(partner__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "scope", "key"],
                name="idempotency_key_per_user",
                condition=Q(partner__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class WebhookEndpoint(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    # `whsec_<base64 of the key>` (orders.webhooks); one issued before 0.2.0 wraps its old
    # 64 hex characters, the key those partners have (migration 0005): 94 characters.
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    # After a rotation the old secret signs too (a second v1 signature) until this time,
    # so the partner can switch without missing a delivery (orders.services.webhook_secrets).
    previous_secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed for good"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="deliveries")
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the sweep hands it to a worker next (None once delivered or failed for good).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        # The sweep's query, every few seconds: pending and due.
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due")]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_event"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.state})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.at:%Y-%m-%d %H:%M:%S}"
