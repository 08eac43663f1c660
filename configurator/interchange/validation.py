"""Is this an `atelier-catalogue/1` document? Every problem, each with a precise path.

`load_catalogue_text` turns untrusted text into a JSON object, refusing what cannot be a
catalogue before any validation: oversized text, invalid JSON, duplicate keys, NaN or
Infinity, nesting deeper than `MAX_DEPTH`, a top level that is not an object.

`validate_catalogue` runs the JSON Schema (configurator/catalogue.schema.json) and, only
when that passes, the cross-reference checks of `references.py`. It lists every error
(up to `MAX_ERRORS`; the last entry then says how many more there were).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from jsonschema import ValidationError

from configurator.interchange.errors import CatalogueFormatError, CatalogueIssue, render_path
from configurator.interchange.references import check_references
from configurator.interchange.schema import catalogue_validator, table_row_schema

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ERRORS",
    "CatalogueIssue",
    "CatalogueFormatError",
    "load_catalogue_text",
    "validate_catalogue",
]

MAX_BYTES = 10_000_000
MAX_DEPTH = 64
MAX_ERRORS = 1000


def validate_catalogue(document: object) -> list[CatalogueIssue]:
    """Every problem of `document` (a parsed JSON value); an empty list means valid."""
    errors: list[CatalogueIssue] = list(_unstorable_text(document))[:MAX_ERRORS]
    if errors:
        # Reported alone: the schema's messages would quote the unprintable text.
        return errors
    seen: set[CatalogueIssue] = set()
    schema_errors = catalogue_validator().iter_errors(document)
    found = chain((e for raw in schema_errors for e in _explain(raw)), _table_rows(document))
    for error in found:
        if error not in seen:
            seen.add(error)
            errors.append(error)
            if len(errors) > MAX_ERRORS:
                break
    if not errors:
        assert isinstance(document, dict)
        errors = check_references(document)
    if len(errors) > MAX_ERRORS:
        more = "more" if len(errors) == MAX_ERRORS + 1 else f"{len(errors) - MAX_ERRORS} more"
        errors = errors[:MAX_ERRORS] + [CatalogueIssue("", f"... and {more} errors not listed")]
    return errors


def load_catalogue_text(text: str, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Parse untrusted catalogue text into a JSON object, or raise CatalogueFormatError.

    This checks only that the text can be a catalogue at all; `validate_catalogue` then
    checks the document.
    """
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        size = len(text.encode("utf-8", "surrogatepass"))
        _refuse(f"the file is {size:,} bytes; at most {max_bytes:,} are accepted")
    text = text.removeprefix("\ufeff")
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        _refuse(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except RecursionError:
        _refuse(f"the document is nested deeper than {MAX_DEPTH} levels")
    except _Refused as exc:
        _refuse(f"invalid JSON: {exc}")
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        _refuse(f"invalid JSON: {exc}")
    if not isinstance(document, dict):
        _refuse(f"the document must be a JSON object, not {_kind(document)}")
    if _depth(document) > MAX_DEPTH:
        _refuse(f"the document is nested deeper than {MAX_DEPTH} levels")
    return document


def _unstorable_text(document: object) -> Iterator[CatalogueIssue]:
    """Strings no database can store: NUL (PostgreSQL text and jsonb refuse it) and
    unpaired surrogates (JSON's "\\ud800" escape; not encodable as UTF-8). Without this
    check such a catalogue passed validation and failed on its first INSERT."""
    stack: list[tuple[object, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and _unstorable(key):
                    yield CatalogueIssue(render_path(path), f"the key {_show(key)} {_UNSTORABLE}")
                else:
                    stack.append((child, (*path, str(key))))
        elif isinstance(value, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(value))
        elif isinstance(value, str) and _unstorable(value):
            yield CatalogueIssue(render_path(path), _UNSTORABLE)


_UNSTORABLE = "must not contain NUL characters or unpaired surrogates"


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Refused(ValueError):
    pass


def _refuse(message: str) -> None:
    raise CatalogueFormatError([CatalogueIssue("", message)])


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                break
            seen.add(key)
        raise _Refused(f"the key {_show(key)} appears twice in one object")
    return result


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _depth(document: object) -> int:
    """Nesting depth of containers (an empty object counts 1), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[object]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


# Rendering jsonschema's errors --------------------------------------------------------

_KINDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
# Validators whose failure the schema's own "errorMessage" describes better.
_WITH_ERROR_MESSAGE = {"pattern", "format", "type", "anyOf", "oneOf"}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _show(value: object, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if _unstorable(text):  # an error message must itself be printable and storable
        text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _table_rows(document: object) -> Iterator[CatalogueIssue]:
    """The table rows the schema validator skips (see `schema._lighten_table_cells`):
    each an array of at most `maxItems` cells, each cell an option code or null."""
    row_schema = table_row_schema()
    cell = row_schema.get("items", {})
    longest = row_schema.get("maxItems", 16)
    code = re.compile(cell.get("pattern", "^.*$").removesuffix("$") + r"\Z")
    message = cell.get("errorMessage", "must be an option code, or null for no pick")
    products = document.get("products") if isinstance(document, dict) else None
    for p, product in enumerate(products if isinstance(products, list) else ()):
        rules = product.get("rules") if isinstance(product, dict) else None
        for r, rule in enumerate(rules if isinstance(rules, list) else ()):
            # A rule that is not an object is reported by the schema pass; skip it here.
            if not isinstance(rule, dict):
                continue
            rows = rule.get("allowed")
            if rule.get("type") != "table" or not isinstance(rows, list):
                continue
            where: list[str | int] = ["products", p, "rules", r, "allowed"]
            for n, row in enumerate(rows):
                if not isinstance(row, list):
                    yield CatalogueIssue(
                        render_path([*where, n]), _message("type", "array", row, "")
                    )
                    continue
                if len(row) > longest:
                    yield CatalogueIssue(
                        render_path([*where, n]), _message("maxItems", longest, row, "")
                    )
                for c, value in enumerate(row):
                    if value is None or (isinstance(value, str) and code.match(value)):
                        continue
                    yield CatalogueIssue(render_path([*where, n, c]), f"{_show(value)} {message}")


def _explain(error: ValidationError) -> Iterator[CatalogueIssue]:
    """Readable errors for one jsonschema error (several for 'required' and friends)."""
    path = render_path(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    # The stubs allow "unset" for errors built by hand; the validator's errors always carry
    # the keyword (a str) and its value in the schema (any JSON).
    validator = str(error.validator)
    value: Any = error.validator_value

    if validator == "oneOf" and "discriminator" in schema:
        yield from _explain_discriminated(error, path, schema)
        return
    if validator == "required":
        for name in value:
            if isinstance(instance, dict) and name not in instance:
                yield CatalogueIssue(path, f"missing required field '{name}'")
        return
    if validator == "additionalProperties" and value is False and isinstance(instance, dict):
        known = schema.get("properties", {})
        for name in instance:
            if name not in known:
                yield CatalogueIssue(path, f"unknown field '{name}'")
        return
    if validator in _WITH_ERROR_MESSAGE and "errorMessage" in schema:
        if isinstance(instance, dict | list):
            yield CatalogueIssue(path, schema["errorMessage"])
        elif "propertyNames" in error.absolute_schema_path:
            yield CatalogueIssue(path, f"key {_show(instance)} {schema['errorMessage']}")
        else:
            yield CatalogueIssue(path, f"{_show(instance)} {schema['errorMessage']}")
        return
    yield CatalogueIssue(path, _message(validator, value, instance, error.message))


def _explain_discriminated(
    error: ValidationError, path: str, schema: dict[str, Any]
) -> Iterator[CatalogueIssue]:
    """A rule matched none of its types: report the errors of the branch its `type` names."""
    instance = error.instance
    if not isinstance(instance, dict):
        return  # the "type": "object" error beside this one says it
    discriminator = schema["discriminator"]
    mapping = discriminator["mapping"]
    field = discriminator["propertyName"]
    kind = instance.get(field)
    if field not in instance:
        yield CatalogueIssue(path, f"missing required field '{field}'")
        return
    if not isinstance(kind, str) or kind not in mapping:
        choices = ", ".join(mapping)
        yield CatalogueIssue(
            render_path((*error.absolute_path, field)),
            f"must be one of {choices}, not {_show(kind)}",
        )
        return
    branches: Any = error.validator_value  # the oneOf's list of branch schemas
    branch = _branch_of(branches, kind, field, mapping[kind])
    for sub in error.context or ():
        if sub.relative_schema_path and sub.relative_schema_path[0] == branch:
            yield from _explain(sub)


def _branch_of(branches: list[dict], kind: str, field: str, ref: str) -> int:
    """Index of the oneOf branch for `kind`: named by its $ref or, once inlined, by the
    const its discriminating property must have."""
    for index, branch in enumerate(branches):
        if branch.get("$ref") == ref:
            return index
        if branch.get("properties", {}).get(field, {}).get("const") == kind:
            return index
    raise LookupError(f"no branch of the schema for {field} {kind!r}")


def _message(validator: str, value: Any, instance: Any, fallback: str) -> str:
    if validator == "type":
        kinds = [value] if isinstance(value, str) else list(value)
        wanted = " or ".join(_KINDS.get(k, k) for k in kinds)
        return f"must be {wanted}, not {_kind(instance)}"
    if validator == "const":
        return f"must be {_show(value)}, not {_show(instance)}"
    if validator == "enum":
        return f"must be one of {', '.join(_show(v) for v in value)}, not {_show(instance)}"
    if validator == "minimum":
        return f"must be at least {value}, not {_show(instance)}"
    if validator == "maximum":
        return f"must be at most {value}, not {_show(instance)}"
    if validator == "minLength":
        return "must not be empty" if value == 1 else f"must have at least {value} characters"
    if validator == "maxLength":
        return f"must have at most {value} characters, not {len(instance):,}"
    if validator == "minItems":
        return f"must have at least {_plural(value, 'item')}"
    if validator == "maxItems":
        return f"must have at most {_plural(value, 'item')}, not {len(instance):,}"
    if validator == "maxProperties":
        noun = "entry" if value == 1 else "entries"
        return f"must have at most {value} {noun}, not {len(instance):,}"
    if validator == "uniqueItems":
        return f"lists {_show(_first_repeat(instance))} more than once"
    return fallback


def _first_repeat(items: list) -> Any:
    seen: set[str] = set()
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            return item
        seen.add(key)
    return items[0]  # equal only as numbers (1 and 1.0)
