"""The API's JSON parser: DRF's, plus refusals (400 problem) of bodies it would otherwise
turn into a 500 further on.

- Nesting deep enough to exhaust Python's recursion limit made `json.load` raise
  RecursionError, which DRF does not catch (500). Nothing in the API nests deeper than a
  few levels, so anything past MAX_DEPTH is refused.
- JSON may escape an unpaired surrogate ("\\ud800") or NUL ("\\u0000"). Neither can be
  encoded as UTF-8 or stored by PostgreSQL; echoed in an error message (an unknown group
  code), the surrogate made the renderer fail (500). DRF's CharField refuses them in
  values, but mapping keys and other fields passed through.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels") from exc
        problem = _problem(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data


def _problem(data: object) -> str:
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            items = list(value.keys()) + list(value.values())
        elif isinstance(value, list):
            items = value
        elif isinstance(value, str):
            if not _storable(value):
                return "strings must not contain NUL characters or unpaired surrogates"
            continue
        else:
            continue
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        stack.extend((item, depth + 1) for item in items)
    return ""


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
