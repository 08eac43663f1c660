"""Limit/offset pages whose parameters are checked, not silently ignored or passed on to
the database: `limit=abc`, `limit=0` or a 20-digit `offset` is a 400 problem naming the
parameter, as the schema promises."""

from rest_framework.pagination import LimitOffsetPagination

from atelier.problems import QueryParameterError

MAX_LIMIT = 200
# Far past any real listing (use the created_before filter to go further back), and far
# below what PostgreSQL's OFFSET (bigint) or int() of a huge digit string would choke on.
MAX_OFFSET = 10_000_000
MAX_DIGITS = len(str(MAX_OFFSET))


class CheckedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def _number(self, request, name: str, *, minimum: int, maximum: int, default: int):
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not raw.isascii() or not raw.isdigit():
            raise _invalid(name, "must be a whole number")
        if len(raw.lstrip("0")) > MAX_DIGITS or not minimum <= int(raw) <= maximum:
            raise _invalid(name, f"must be from {minimum} to {maximum}")
        return int(raw)

    def get_limit(self, request):
        return self._number(
            request,
            self.limit_query_param,
            minimum=1,
            maximum=self.max_limit,
            default=self.default_limit,
        )

    def get_offset(self, request):
        return self._number(
            request, self.offset_query_param, minimum=0, maximum=MAX_OFFSET, default=0
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters


def _invalid(name: str, message: str) -> QueryParameterError:
    return QueryParameterError(f"{name}: {message}", errors={name: [message]})
