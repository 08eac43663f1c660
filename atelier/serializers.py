"""Request serializers that refuse what DRF lets through silently: fields the API does
not have (a typo such as "quantiy" would otherwise be ignored and the default used), and
numbers that are not JSON integers ("2", 2.5, 2.0, true). Every request body of the
partner API is built from these, so each refusal is a 422 problem naming the field
(`lines[0].colour`, `quantity`).
"""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

MAX_NAMED = 20  # unknown fields named in one answer (a body may hold thousands)
MAX_NAME_LENGTH = 100


def _shown(name: str) -> str:
    return name if len(name) <= MAX_NAME_LENGTH else name[:MAX_NAME_LENGTH] + "…"


class StrictFieldsSerializer(serializers.Serializer):
    """A serializer whose input may hold only its declared fields; nested serializers
    derived from it check their own level (lines, customer)."""

    def to_internal_value(self, data):
        unknown: list[str] = []
        if isinstance(data, Mapping):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in known)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update(_unknown_errors(unknown))
            raise
        if unknown:
            raise serializers.ValidationError(_unknown_errors(unknown))
        return value


def _unknown_errors(unknown: list[str]) -> dict[str, list[str]]:
    errors = {_shown(name): ["unknown field"] for name in unknown[:MAX_NAMED]}
    if len(unknown) > MAX_NAMED:
        errors[""] = [f"{len(unknown) - MAX_NAMED} more unknown fields"]
    return errors


class StrictIntegerField(serializers.IntegerField):
    """An integer as JSON writes one: not a string, a fraction, a float or a boolean."""

    default_error_messages = {"not_integer": 'must be a JSON integer (such as 2, not "2")'}

    def to_internal_value(self, data):
        # bool is a subclass of int in Python, and JSON's true must not pass as 1.
        if type(data) is not int:
            self.fail("not_integer")
        return super().to_internal_value(data)


class StrictFieldsSchema(OpenApiSerializerExtension):
    """In the OpenAPI schema a strict request body says so: `additionalProperties: false`
    (registered by subclassing; atelier.apps imports this module)."""

    target_class = StrictFieldsSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
