"""RFC 9457 problem details: the one mapping from errors to HTTP answers for the API.

Domain exceptions raised by services (atelier.errors, pure Python) carry `problem_type`,
`status` and `title`, turned into answers here and nowhere else; DRF's
own exceptions (validation, auth, throttling, 404) are turned into the same shape.
"""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from atelier.errors import DomainError

PROBLEM_BASE = "https://atelier.example/problems/"
CONTENT_TYPE = "application/problem+json"


def problem_body(
    *, status_code: int, problem_type: str, title: str, detail: str = "", **extra
) -> dict:
    """The problem-details document (RFC 9457) both answers below carry."""
    return {
        "type": PROBLEM_BASE + problem_type,
        "title": title,
        "status": status_code,
        "detail": detail or title,
        **extra,
    }


def problem(
    *, status_code: int, problem_type: str, title: str, detail: str = "", **extra
) -> Response:
    body = problem_body(
        status_code=status_code, problem_type=problem_type, title=title, detail=detail, **extra
    )
    return Response(body, status=status_code, content_type=CONTENT_TYPE)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into {"lines[0].quantity": ["…"]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # DRF keys list items' errors by their index
                path = f"{prefix}[{key}]"
            else:
                name = str(key) if key != "non_field_errors" else ""
                path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for k, v in _flatten(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                for k, v in _flatten(item, f"{prefix}[{index}]").items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix, []).append(str(detail))
    return out


_DRF_TYPES = {
    exceptions.ValidationError: ("validation-error", "Your request has invalid fields"),
    exceptions.ParseError: ("malformed-request", "The request body could not be parsed"),
    exceptions.NotAuthenticated: ("not-authenticated", "Authentication is required"),
    exceptions.AuthenticationFailed: ("authentication-failed", "The credentials were refused"),
    exceptions.PermissionDenied: ("permission-denied", "You may not do this"),
    exceptions.NotFound: ("not-found", "No such resource"),
    exceptions.MethodNotAllowed: ("method-not-allowed", "Method not allowed"),
    exceptions.NotAcceptable: ("not-acceptable", "Cannot produce an acceptable response"),
    exceptions.UnsupportedMediaType: ("unsupported-media-type", "Unsupported content type"),
    exceptions.Throttled: ("throttled", "Too many requests"),
}


class PayloadTooLarge(DomainError):
    problem_type = "payload-too-large"
    status = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    title = "The request body is too large"


def problem_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE; that is the client's
        # doing (413), not a server error.
        exc = PayloadTooLarge(str(exc) or PayloadTooLarge.title)
    if isinstance(exc, DomainError):
        extra = dict(exc.extra)
        if exc.errors:
            extra["errors"] = exc.errors
        return problem(
            status_code=exc.status,
            problem_type=exc.problem_type,
            title=exc.title,
            detail=exc.detail,
            **extra,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    problem_type, title = "error", "Error"
    for cls in type(exc).__mro__:
        if cls in _DRF_TYPES:
            problem_type, title = _DRF_TYPES[cls]
            break
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["errors"] = _flatten(exc.detail)
        detail = "; ".join(
            f"{k}: {' '.join(v)}" if k else " ".join(v) for k, v in extra["errors"].items()
        )
    else:
        detail = str(exc.detail) if hasattr(exc, "detail") else title
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = math.ceil(exc.wait)
    status_code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        # Well-formed JSON whose content is wrong is unprocessable (422); a body that is
        # not JSON at all stays 400 (ParseError).
        status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    answer = problem(
        status_code=status_code,
        problem_type=problem_type,
        title=title,
        detail=detail,
        **extra,
    )
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            answer[header] = response[header]
    return answer


class QueryParameterError(DomainError):
    """A query parameter out of bounds or unreadable (`errors` names it)."""

    problem_type = "invalid-query-parameter"
    status = status.HTTP_400_BAD_REQUEST
    title = "A query parameter is invalid"


def problem_json(
    *, status_code: int, problem_type: str, title: str, detail: str = "", **extra
) -> JsonResponse:
    """A problem answer outside DRF (middleware, Django's error handlers)."""
    body = problem_body(
        status_code=status_code, problem_type=problem_type, title=title, detail=detail, **extra
    )
    return JsonResponse(body, status=status_code, content_type=CONTENT_TYPE)


@csrf_exempt  # any method may reach it; it changes nothing, so no CSRF 403 page
def not_found_json(request, exception=None) -> JsonResponse:
    """404 as a problem for paths under the API that match no route (not a DRF view)."""
    return problem_json(
        status_code=404,
        problem_type="not-found",
        title="No such resource",
        detail=f"Nothing is at {request.path}.",
    )


# --- Django's error handlers (atelier/urls.py): problems under /api/, pages elsewhere --
#
# DRF views answer their own errors through problem_exception_handler. What escapes them
# (a bug, an error in middleware, a host Django refuses) reaches these handlers, which
# answer under /api/ with a problem instead of Django's HTML page.

API_PREFIX = "/api/"


def under_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if not under_api(request):
        return defaults.bad_request(request, exception)
    return problem_json(status_code=400, problem_type="bad-request", title="Bad request")


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if not under_api(request):
        return defaults.permission_denied(request, exception)
    return problem_json(
        status_code=403, problem_type="permission-denied", title="You may not do this"
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Django has logged the traceback (django.request) before calling this."""
    if not under_api(request):
        return defaults.server_error(request)
    return problem_json(
        status_code=500,
        problem_type="server-error",
        title="Internal server error",
        detail="Something went wrong on our side; the error is logged. Retrying later "
        "with the same Idempotency-Key is safe.",
    )


# --- OpenAPI: the problem shape and the answers each operation documents --------------

_DESCRIPTIONS = {
    400: "Malformed request (body is not JSON, missing Idempotency-Key) or a query "
    "parameter out of bounds (see `errors`)",
    401: "Missing, unknown, expired or revoked token (see WWW-Authenticate)",
    403: "Not allowed",
    404: "No such resource (or not yours)",
    406: "Cannot produce the requested media type",
    409: "Conflict with the current state",
    413: "Request body too large",
    414: "Request URL too long",
    415: "Unsupported Content-Type (send application/json)",
    422: "Unprocessable: invalid or unknown fields, numbers that are not JSON integers "
    "(see `errors`), or a reused Idempotency-Key",
    429: "Too many requests (see Retry-After)",
    503: "No catalogue is published yet",
}


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details; some types add members (errors, conflicts, …)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    # A field named like Serializer.errors: DRF takes declared fields off the class, the
    # stubs read it as the attribute.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Per field: {"lines[0].selections": ["…"]}',
    )
    # Documented so that clients generated from the schema read it as a typed member.
    retry_after = serializers.IntegerField(
        required=False, help_text="With a 429: seconds to wait before trying again"
    )


def problem_responses(
    *codes: int, shapes: dict[int, type[ProblemSerializer]] | None = None
) -> dict:
    """`extend_schema(responses=…)` entries for these problem answers, and the 414 any
    operation may answer (atelier/url_length.py). `shapes` names, per status, a
    ProblemSerializer subclass documenting the members that operation's problems add."""
    shapes = shapes or {}
    return {
        (code, CONTENT_TYPE): OpenApiResponse(
            response=shapes.get(code, ProblemSerializer), description=_DESCRIPTIONS[code]
        )
        for code in sorted({*codes, 414})
    }
