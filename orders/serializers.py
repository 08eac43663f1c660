"""The partner API's shapes for orders. An order is addressed by its public UUID (`id`);
the database's integer key never leaves the server, so ids cannot be guessed in order."""

from __future__ import annotations

from rest_framework import serializers

from atelier.problems import ProblemSerializer
from atelier.serializers import StrictFieldsSerializer, StrictIntegerField
from configurator.serializers import (
    CODE_LENGTH,
    MAX_GROUPS,
    MAX_PICKS,
    ConflictSerializer,
    PriceLineSerializer,
    money_field,
)
from orders.models import Order, OrderEvent, OrderLine

MAX_LINES = 50
MAX_QUANTITY = 999


# --- Requests -------------------------------------------------------------------------


class LineRequestSerializer(StrictFieldsSerializer):
    product = serializers.CharField(max_length=CODE_LENGTH, help_text="Product code")
    selections = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=CODE_LENGTH), max_length=MAX_PICKS
        ),
        help_text='A complete valid configuration: {"group": ["option", …]}',
    )
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    standard_sku = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="Take the in-stock standard product equal to this configuration "
        "(sold from its stock at its price instead of being built to order)",
    )

    def validate_selections(self, value: dict) -> dict:
        if len(value) > MAX_GROUPS:
            raise serializers.ValidationError(f"at most {MAX_GROUPS} groups")
        return value


class CustomerSerializer(StrictFieldsSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True, default="")
    email = serializers.EmailField(allow_blank=True, default="", help_text="Gets status e-mails")
    address = serializers.CharField(max_length=1000, allow_blank=True, default="")


class OrderCreateSerializer(StrictFieldsSerializer):
    # many=True hands max_length to the ListSerializer; the stubs' __init__ omits it.
    lines = LineRequestSerializer(  # type: ignore[call-arg]
        many=True, allow_empty=False, max_length=MAX_LINES
    )
    reference = serializers.CharField(
        max_length=100, allow_blank=True, default="", help_text="Your own reference"
    )
    priority = StrictIntegerField(
        min_value=0, max_value=1, default=0, help_text="0 = standard, 1 = express"
    )
    customer = CustomerSerializer(required=False, help_text="The end customer, if any")


class CancelRequestSerializer(StrictFieldsSerializer):
    """Cancelling takes no fields: a body, if sent, must be empty (`{}`)."""


# --- Responses ------------------------------------------------------------------------


class OrderLineSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product_code")
    catalogue_version = serializers.IntegerField(
        source="catalogue_version.number", help_text="The catalogue version it was priced on"
    )
    selections = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    unit_price = money_field()
    line_total = money_field()
    price_lines = PriceLineSerializer(many=True, help_text="The unit price, itemized")
    bom = serializers.DictField(child=serializers.IntegerField(), help_text="Components per unit")
    build_minutes = serializers.DictField(
        child=serializers.IntegerField(), help_text="Minutes per unit by work centre"
    )

    class Meta:
        model = OrderLine
        fields = [
            "product",
            "product_name",
            "catalogue_version",
            "selections",
            "quantity",
            "unit_price",
            "line_total",
            "price_lines",
            "bom",
            "build_minutes",
            "standard_sku",
        ]
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["status", "at", "actor", "note"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    total = money_field(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    events = OrderEventSerializer(many=True, read_only=True)
    estimated_ship_date = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The ship date capable-to-promise gave when the order was placed (what a "
        "configure call would have answered then); `promised_ship_date` equals it unless "
        "other orders were planned first",
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "reference",
            "priority",
            "currency",
            "total",
            "estimated_ship_date",
            "promised_ship_date",
            "created_at",
            "updated_at",
            "lines",
            "events",
        ]
        read_only_fields = fields


class ConflictProblemSerializer(ProblemSerializer):
    """A 409 of placing an order: with `configuration-conflict`, the line whose picks
    break a rule, the conflicts and a proposed resolution (as configure answers them);
    the other 409s (`out-of-stock`, `idempotency-key-in-progress`) carry none of them."""

    line = serializers.IntegerField(required=False, help_text="Index of the line in `lines`")
    conflicts = ConflictSerializer(many=True, required=False)
    resolution = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        allow_null=True,
        help_text="The selections to use instead, keeping as many picks as possible",
    )
