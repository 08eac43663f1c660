"""The partner API's shapes for quotes. A quote is addressed by its public UUID (`id`)
and shown with its number (`Q-2026-000123`); its lines are frozen as an order's are."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from atelier.problems import ProblemSerializer
from atelier.serializers import StrictFieldsSerializer
from configurator.serializers import PriceLineSerializer, money_field
from orders.models import Quote, QuoteLine
from orders.serializers import MAX_LINES, CustomerSerializer, LineRequestSerializer

# --- Requests -------------------------------------------------------------------------


class QuoteCreateSerializer(StrictFieldsSerializer):
    # many=True hands max_length to the ListSerializer; the stubs' __init__ omits it.
    lines = LineRequestSerializer(  # type: ignore[call-arg]
        many=True, allow_empty=False, max_length=MAX_LINES
    )
    reference = serializers.CharField(
        max_length=100, allow_blank=True, default="", help_text="Your own reference"
    )


class QuoteAcceptSerializer(StrictFieldsSerializer):
    customer = CustomerSerializer(required=False, help_text="The end customer of the order, if any")


# --- Responses ------------------------------------------------------------------------


class QuoteLineSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product_code")
    catalogue_version = serializers.IntegerField(
        source="catalogue_version.number",
        help_text="The catalogue version the line was priced on (the order keeps it)",
    )
    selections = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    unit_price = money_field(help_text="Frozen at issue")
    line_total = money_field(help_text="unit_price × quantity")
    price_lines = PriceLineSerializer(many=True, help_text="The unit price, itemized")

    class Meta:
        model = QuoteLine
        fields = [
            "product",
            "product_name",
            "catalogue_version",
            "selections",
            "quantity",
            "unit_price",
            "line_total",
            "price_lines",
            "standard_sku",
        ]
        read_only_fields = fields


class QuoteSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    number = serializers.CharField(read_only=True, help_text="e.g. Q-2026-000123")
    status = serializers.SerializerMethodField(
        help_text="`expired` once `valid_until` has passed without acceptance"
    )
    total = money_field(read_only=True)
    estimated_ship_date = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The ship date capable-to-promise gave at issue (null: not buildable from "
        "the parts there were or were expected); accepting computes it again",
    )
    valid_until = serializers.DateTimeField(read_only=True, help_text="Accept before this time")
    order = serializers.UUIDField(
        source="order.public_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The order the quote became (`GET /api/v1/orders/{id}/`), once accepted",
    )
    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "status",
            "reference",
            "currency",
            "total",
            "estimated_ship_date",
            "issued_at",
            "valid_until",
            "accepted_at",
            "order",
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(choices=["issued", "accepted", "withdrawn", "expired"])
    )
    def get_status(self, quote: Quote) -> str:
        return quote.effective_status(now=timezone.now())


class QuoteProblemSerializer(ProblemSerializer):
    """A 409 of accepting a quote: which quote, and (`quote-already-accepted`) the order
    it became or (`quote-expired`) when it stopped being valid."""

    quote = serializers.CharField(required=False, help_text="The quote's number")
    order = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="With quote-already-accepted: the order the quote became",
    )
    valid_until = serializers.DateTimeField(
        required=False, help_text="With quote-expired: when the quote stopped being valid"
    )
