"""The partner API's shapes for products and the configurator's answer.

Products are read from the published version's frozen `atelier-catalogue/1` document,
so the API shows exactly what orders are priced against. Money is always a string with
two decimals ("549.00"), never a float.
"""

from __future__ import annotations

from rest_framework import serializers

from atelier.money import amount_text
from atelier.serializers import StrictFieldsSerializer, StrictIntegerField
from configurator.rule_text import Words

MAX_GROUPS = 200  # the catalogue format's limits (catalogue.schema.json)
MAX_PICKS = 1000
CODE_LENGTH = 40


MAX_QUANTITY = 999  # units of one configuration a configure call may ask about


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


# --- Products -------------------------------------------------------------------------


class PictureWidthSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Absolute URL of the picture at this width")
    width = serializers.IntegerField(help_text="Its width in pixels")


class PictureSerializer(serializers.Serializer):
    """A stored picture (the catalogue's `image`), as a page would show it."""

    url = serializers.URLField(help_text="Absolute URL of the original")
    alt = serializers.CharField(
        help_text="Text alternative: the catalogue's `image_alt`, or a name"
    )
    width = serializers.IntegerField(
        allow_null=True, help_text="Pixels (an SVG's viewBox width); null if unknown"
    )
    height = serializers.IntegerField(allow_null=True, help_text="Pixels; null if unknown")
    srcset = PictureWidthSerializer(
        many=True,
        help_text="Smaller WebP copies of a raster, narrowest first, then the original: "
        "the candidates of an <img srcset>. Empty for an SVG",
    )


def picture_field(what: str) -> PictureSerializer:
    return PictureSerializer(
        allow_null=True,
        default=None,
        help_text=f"The {what}'s stored picture; null when it has none "
        "(no `image`, or the name of a built-in drawing)",
    )


class OptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(default="")
    price = money_field(help_text="Added to the base price when picked")
    attributes = serializers.DictField(
        child=serializers.JSONField(), default=dict, help_text='e.g. {"watts": 45}'
    )
    specs = serializers.DictField(
        child=serializers.CharField(),
        default=dict,
        help_text='Spec name → value, in display order, e.g. {"Cores": "14"}',
    )
    picture = picture_field("option")


class GroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    min = serializers.IntegerField(help_text="Fewest picks a complete configuration has")
    max = serializers.IntegerField(help_text="Most picks allowed (1 = single choice)")
    default = serializers.ListField(child=serializers.CharField(), default=list)
    options = OptionSerializer(many=True)


class RuleSerializer(serializers.Serializer):
    """A rule as in the catalogue format: the fields present depend on `type`
    (requires: if/then; excludes: all; table: groups/allowed; sum: attribute/op and
    limit or limit_attribute)."""

    id = serializers.CharField()
    type = serializers.ChoiceField(choices=["requires", "excludes", "table", "sum"])
    message = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        literals = "literals 'group.option'"
        # "if" is a Python keyword, hence the fields are added here rather than declared.
        fields["if"] = serializers.ListField(
            child=serializers.CharField(), required=False, help_text=f"requires: {literals}"
        )
        fields["then"] = serializers.ListField(
            child=serializers.CharField(), required=False, help_text=f"requires: {literals}"
        )
        fields["all"] = serializers.ListField(
            child=serializers.CharField(), required=False, help_text=f"excludes: {literals}"
        )
        fields["groups"] = serializers.ListField(
            child=serializers.CharField(), required=False, help_text="table: group codes"
        )
        fields["allowed"] = serializers.ListField(
            child=serializers.ListField(child=serializers.CharField(allow_null=True)),
            required=False,
            help_text="table: allowed rows of option codes (null = no pick)",
        )
        fields["attribute"] = serializers.CharField(required=False, help_text="sum")
        fields["op"] = serializers.ChoiceField(
            choices=["<=", ">=", "=="], required=False, help_text="sum"
        )
        fields["limit"] = serializers.FloatField(required=False, help_text="sum: a number")
        fields["limit_attribute"] = serializers.CharField(
            required=False, help_text="sum: compare with this attribute's sum"
        )
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Only the fields of the rule's own type, exactly as the catalogue writes them.
        return {key: value for key, value in data.items() if key in instance}


class PriceRuleSerializer(serializers.Serializer):
    id = serializers.CharField()
    when = serializers.ListField(child=serializers.CharField())
    amount = money_field(help_text="Added when every `when` literal is picked (may be negative)")
    # DRF's serializer metaclass takes declared fields off the class, so this is the field
    # "label", not Field.label (a str) as the stubs read it.
    label = serializers.CharField()  # type: ignore[assignment]


class RouteStepSerializer(serializers.Serializer):
    work_centre = serializers.CharField()
    minutes = serializers.IntegerField()


class ProductSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(default="")
    image = serializers.CharField(
        default="", help_text="The catalogue's picture name (a path in its media folder)"
    )
    picture = picture_field("product")
    base_price = money_field()
    currency = serializers.CharField()
    catalogue_version = serializers.IntegerField()


class StartingPointSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(default="")
    selections = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="A complete valid configuration: every group's picks",
    )


class ProductSerializer(ProductSummarySerializer):
    specs = serializers.DictField(
        child=serializers.CharField(),
        default=dict,
        help_text="The product's own specs; a picked option's specs replace these by name",
    )
    starting_points = StartingPointSerializer(many=True, default=list)
    groups = GroupSerializer(many=True)
    rules = RuleSerializer(many=True, default=list)
    price_rules = PriceRuleSerializer(many=True, default=list)
    route = RouteStepSerializer(many=True, default=list)


# --- Configure ------------------------------------------------------------------------


class ConfigureRequestSerializer(StrictFieldsSerializer):  # unknown fields: 422
    selections = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=CODE_LENGTH), max_length=MAX_PICKS
        ),
        default=dict,
        help_text='Picks so far: {"group": ["option", …]}',
    )
    order = serializers.ListField(
        child=serializers.CharField(max_length=2 * CODE_LENGTH + 1),
        required=False,
        default=list,
        max_length=MAX_PICKS,
        help_text="Picked literals 'group.option' from the oldest to the most recent; "
        "decides which picks a proposed resolution keeps",
    )
    quantity = StrictIntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        default=1,
        help_text="Units to order (a JSON integer): `estimated_ship_date` is for this many, "
        "and `price.line_total` is `price.total` times it",
    )

    def validate_selections(self, value: dict) -> dict:
        if len(value) > MAX_GROUPS:
            raise serializers.ValidationError(f"at most {MAX_GROUPS} groups")
        return value


class ReasonSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="Rule id, or min:group / max:group")
    message = serializers.SerializerMethodField(
        help_text="The rule's message; for min:group / max:group a sentence about the group"
    )
    selections = serializers.ListField(
        child=serializers.CharField(), help_text="The picks that, with the rule, rule it out"
    )

    def get_message(self, reason) -> str:
        # The configure answer (the root's instance) holds the product's group names; a
        # reason serialized on its own has no answer around it and keeps the rule's message.
        answer = self.root.instance
        if answer is None:
            return reason.message
        return _words(answer.configuration).rule(reason.rule, reason.message)


class OptionStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=["selected", "available", "excluded"])
    price = money_field(help_text="The option's own list price")
    delta = money_field(
        help_text="How price.total changes if this option is picked now, price rules "
        "included: in a single-choice group it replaces the pick, in a multi-choice group "
        "it is added; for an excluded option, the change of the whole resolution proposed "
        "when it is picked (it keeps the option, changes the fewest other picks, cheapest "
        'among those); "0.00" for a selected option'
    )
    reasons = ReasonSerializer(many=True)


class GroupStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    selected = serializers.ListField(child=serializers.CharField())
    options = OptionStateSerializer(many=True)


class PriceLineSerializer(serializers.Serializer):
    # "standard": an order line sold from a standard product's stock at its price.
    kind = serializers.ChoiceField(choices=["base", "option", "price_rule", "standard"])
    code = serializers.CharField()
    # DRF's serializer metaclass takes declared fields off the class, so this is the field
    # "label", not Field.label (a str) as the stubs read it.
    label = serializers.CharField()  # type: ignore[assignment]
    amount = money_field()


class PriceSerializer(serializers.Serializer):
    """The price: `total` per unit, `line_total` for the quantity asked, itemized `lines`."""

    # Read from the whole answer (source="*" below): `line_total` needs its quantity.
    currency = serializers.CharField(source="configuration.price.currency")
    total = money_field(source="configuration.price.total", help_text="The unit price")
    line_total = money_field(help_text="`total` times the quantity asked for")
    lines = PriceLineSerializer(source="configuration.price.lines", many=True)


class ConflictSerializer(serializers.Serializer):
    rules = ReasonSerializer(many=True)
    selections = serializers.ListField(child=serializers.CharField())


class ConfigurationSerializer(serializers.Serializer):
    """The configurator's answer (DESIGN.md, "Partner API contract")."""

    product = serializers.CharField(source="product_code")
    catalogue_version = serializers.IntegerField(source="version.number")
    complete = serializers.BooleanField(source="configuration.complete")
    valid = serializers.BooleanField(source="configuration.valid")
    price = PriceSerializer(source="*")
    groups = GroupStateSerializer(source="configuration.groups", many=True)
    conflicts = ConflictSerializer(source="configuration.conflicts", many=True)
    resolution = serializers.DictField(
        source="configuration.resolution",
        child=serializers.ListField(child=serializers.CharField()),
        allow_null=True,
        help_text="When the selections conflict: the selections to use instead, keeping "
        "as many recent picks as possible",
    )
    estimated_ship_date = serializers.DateField(
        allow_null=True,
        help_text="When complete and valid: the ship date an order of `quantity` units placed "
        "now would be promised (null when it cannot be built)",
    )


def _words(configuration) -> Words:
    return Words(configuration.groups)


def _reason(reason, words: Words) -> dict:
    return {
        "rule": reason.rule,
        "message": words.rule(reason.rule, reason.message),
        "selections": list(reason.selections),
    }


def configuration_json(answer) -> dict:
    """ConfigurationSerializer's output, built directly: the configure call is the hot
    path and DRF's field machinery was a third of its time. The serializer stays the
    schema; tests/api check that both give the same JSON."""
    result = answer.configuration
    price = result.price
    words = _words(result)
    return {
        "product": answer.product_code,
        "catalogue_version": answer.version.number,
        "complete": result.complete,
        "valid": result.valid,
        "price": {
            "currency": price.currency,
            "total": amount_text(price.total),
            "line_total": amount_text(answer.line_total),
            "lines": [
                {
                    "kind": line.kind,
                    "code": line.code,
                    "label": line.label,
                    "amount": amount_text(line.amount),
                }
                for line in price.lines
            ],
        },
        "groups": [
            {
                "code": group.code,
                "name": group.name,
                "min": group.min,
                "max": group.max,
                "selected": list(group.selected),
                "options": [
                    {
                        "code": option.code,
                        "name": option.name,
                        "state": option.state,
                        "price": amount_text(option.price),
                        "delta": amount_text(option.delta),
                        "reasons": [_reason(r, words) for r in option.reasons],
                    }
                    for option in group.options
                ],
            }
            for group in result.groups
        ],
        "conflicts": [
            {"rules": [_reason(r, words) for r in c.rules], "selections": list(c.selections)}
            for c in result.conflicts
        ],
        "resolution": result.resolution,
        "estimated_ship_date": answer.estimated_ship_date.isoformat()
        if answer.estimated_ship_date
        else None,
    }
