"""The shipped JSON Schema of `atelier-catalogue/1`, loaded and checked once per process."""

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
    return Draft202012Validator(
        catalogue_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
