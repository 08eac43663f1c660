"""What a refused catalogue reports: one `CatalogueIssue` per problem, each with a path
(a value, not an exception: `engine.CatalogueError` is the exception the engine raises).

A path names the offending value the way a person reads the document:
``products[0].groups[2].options[1].price``; mapping keys that are not plain words are
quoted (``bom["X.1"]``). The document itself is the empty path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class CatalogueIssue:
    """One problem of a catalogue document: where (`path`) and what (`message`)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class CatalogueFormatError(Exception):
    """The text is not a catalogue document at all (too large, not JSON, too deep, ...)."""

    def __init__(self, errors: list[CatalogueIssue]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def render_path(parts: Iterable[str | int]) -> str:
    """``("products", 0, "rules", 3, "then", 1)`` -> ``products[0].rules[3].then[1]``."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)
