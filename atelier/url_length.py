"""Refuse request URLs longer than ATELIER_MAX_URL_BYTES with a 414 problem.

gunicorn's own limit (atelier/gunicorn_conf.py, `limit_request_line`) is set above this
one, so an over-long URL reaches Django and is answered here, as every other error is,
with problem+json, not gunicorn's HTML page. It also bounds what any view, filter or log
line has to handle: nothing in Atelier needs a URL anywhere near this long.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from atelier.problems import problem_json


class UrlLengthLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.ATELIER_MAX_URL_BYTES
        # The path as sent (percent-encoded) plus "?" and the query string.
        length = len(request.get_full_path())
        if length > limit:
            return problem_json(
                status_code=414,
                problem_type="uri-too-long",
                title="The request URL is too long",
                detail=f"The URL's path and query are {length} bytes; at most {limit} "
                "are accepted.",
                limit=limit,
            )
        return self.get_response(request)
