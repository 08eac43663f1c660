"""RFC 9457 problem details: the one mapping from errors to HTTP answers for the API.

Domain exceptions raised by services carry `problem_type`, `status` and `title`; DRF's
own exceptions (validation, auth, throttling, 404) are turned into the same shape.
"""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_BASE = "https://atelier.example/problems/"
CONTENT_TYPE = "application/problem+json"


class DomainError(Exception):
    """A user-caused error raised by a service, mapped once to a problem answer."""

    problem_type = "invalid-request"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "The request cannot be processed"

    def __init__(self, detail: str, *, errors: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.extra = extra or {}


def problem(
    *, status_code: int, problem_type: str, title: str, detail: str = "", **extra
) -> Response:
    body = {
        "type": PROBLEM_BASE + problem_type,
        "title": title,
        "status": status_code,
        "detail": detail or title,
        **extra,
    }
    return Response(body, status=status_code, content_type=CONTENT_TYPE)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into {"lines[0].quantity": ["…"]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
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


def problem_exception_handler(exc, context):
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
    answer = problem(
        status_code=response.status_code,
        problem_type=problem_type,
        title=title,
        detail=detail,
        **extra,
    )
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            answer[header] = response[header]
    return answer
