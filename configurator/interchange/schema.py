"""The shipped JSON Schema of `atelier-catalogue/1`, loaded and checked once per process.

The file keeps its `$defs` and `$ref`s for readers and other tools; the validator here
runs on a copy with every `$ref` inlined (the schema has no recursion), which makes
validating a large catalogue about twice as fast with the same verdicts and errors.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

FORMAT = "atelier-catalogue/1"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "catalogue.schema.json"


@cache
def catalogue_schema() -> dict[str, Any]:
    """The schema document (configurator/catalogue.schema.json). Do not mutate it."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def catalogue_validator() -> Draft202012Validator:
    """A validator of the schema that also asserts `format` (dates must be real dates)."""
    schema = catalogue_schema()
    inlined = _inline(schema, schema["$defs"])
    del inlined["$defs"]
    _lighten_table_cells(inlined)
    return Draft202012Validator(inlined, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
        return _inline(defs[ref.removeprefix("#/$defs/")], defs)
    inlined = {
        key: value if key in ("discriminator", "const", "enum") else _inline(value, defs)
        for key, value in node.items()
    }
    if isinstance(inlined.get("pattern"), str):
        inlined["pattern"] = _anchor(inlined["pattern"])
    return inlined


def _anchor(pattern: str) -> str:
    """A JSON Schema (ECMA-262) pattern's final `$` is the end of the text; Python's `$`
    also matches before a trailing newline, which let "nb14\\n" pass as a code and then
    overflow its column. `\\Z` is the ECMA meaning."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


@cache
def table_row_schema() -> dict[str, Any]:
    """The schema of one row of a table rule's `allowed` (as the file states it)."""
    return _find_rows(catalogue_schema()["$defs"]) or {}


def _find_rows(node: Any) -> dict[str, Any] | None:
    if isinstance(node, list):
        return next((f for f in map(_find_rows, node) if f is not None), None)
    if not isinstance(node, dict):
        return None
    allowed = node.get("properties", {}).get("allowed") if "properties" in node else None
    if isinstance(allowed, dict) and isinstance(allowed.get("items"), dict):
        return allowed["items"]
    return next((f for f in map(_find_rows, node.values()) if f is not None), None)


def _lighten_table_cells(node: Any) -> None:
    """A table may hold 100,000 rows of up to 16 cells: jsonschema takes ~30 s on the
    Renault model's tables. Its validator skips the rows, and `validation._table_rows`
    checks them (array, length, each cell) in one plain loop with the same messages."""
    if isinstance(node, list):
        for item in node:
            _lighten_table_cells(item)
        return
    if not isinstance(node, dict):
        return
    allowed = node.get("properties", {}).get("allowed") if "properties" in node else None
    if isinstance(allowed, dict) and isinstance(allowed.get("items"), dict):
        del allowed["items"]
    for value in node.values():
        _lighten_table_cells(value)
