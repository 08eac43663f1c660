"""MEDIA_URL answered by the app itself (ATELIER_SERVE_MEDIA), DEBUG or not.

whitenoise serves static files only, and `make run` and compose's gunicorn have no
front server, so without this every picture would be a 404. Files are read through the
default storage. A content-hashed name (`name.<12 hex>.ext`, what configurator.media
stores) never changes meaning: a year's max-age and `immutable`; any other name an hour.
The ETag is the hash (or size and time) and If-None-Match answers 304.
An SVG is served with a Content-Security-Policy that lets it run nothing, as a second
guard behind the import's check.
"""

from __future__ import annotations

import mimetypes
import re
import time
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.urls import re_path
from django.utils.http import http_date
from django.views.decorators.http import require_safe

HASHED = re.compile(r"\.(?P<hash>[0-9a-f]{12})(?:\.w\d+)?\.[a-z0-9]+\Z")
YEAR = 365 * 24 * 3600
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
mimetypes.add_type("image/webp", ".webp")
mimetypes.add_type("image/svg+xml", ".svg")


def _safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


@require_safe
def serve_media(request: HttpRequest, name: str) -> HttpResponseBase:
    if not _safe(name) or not default_storage.exists(name):
        raise Http404("No such file")
    hashed = HASHED.search(name)
    if hashed:
        etag = f'"{hashed["hash"]}"'
    else:
        etag = f'"{default_storage.size(name):x}-{int(default_storage.get_modified_time(name).timestamp()):x}"'
    cache_control = f"public, max-age={YEAR}, immutable" if hashed else "public, max-age=3600"
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
        response["Content-Length"] = str(default_storage.size(name))
        if content_type == "image/svg+xml":
            response["Content-Security-Policy"] = SVG_POLICY
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    if hashed:
        response["Expires"] = http_date(time.time() + YEAR)
    return response


def media_urls() -> list:
    """The URL pattern for MEDIA_URL when the app serves media (else none)."""
    if not settings.ATELIER_SERVE_MEDIA or not settings.MEDIA_URL.startswith("/"):
        return []
    prefix = settings.MEDIA_URL.lstrip("/")
    return [re_path(rf"^{re.escape(prefix)}(?P<name>.+)\Z", serve_media, name="media")]
