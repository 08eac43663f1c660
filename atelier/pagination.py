"""Limit/offset pages whose parameters are checked, not silently ignored: `limit=abc`
or `limit=0` is a 422 problem naming the parameter, as the schema promises."""

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 200


class CheckedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def _number(self, request, name: str, *, minimum: int, maximum: int | None, default: int):
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not raw.isascii() or not raw.isdigit():
            raise serializers.ValidationError({name: ["must be a whole number"]})
        value = int(raw)
        if value < minimum or (maximum is not None and value > maximum):
            bounds = (
                f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            )
            raise serializers.ValidationError({name: [f"must be {bounds}"]})
        return value

    def get_limit(self, request):
        return self._number(
            request,
            self.limit_query_param,
            minimum=1,
            maximum=self.max_limit,
            default=self.default_limit,
        )

    def get_offset(self, request):
        return self._number(request, self.offset_query_param, minimum=0, maximum=None, default=0)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters
