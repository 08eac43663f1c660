"""load_catalogue_text: untrusted text in, a JSON object or one clean error out."""

from __future__ import annotations

import json

import pytest

from configurator.interchange import CatalogueFormatError, load_catalogue_text
from tests.unit.catalogue.conftest import FIXTURES


def refusal(text: str, **kwargs) -> str:
    with pytest.raises(CatalogueFormatError) as caught:
        load_catalogue_text(text, **kwargs)
    (error,) = caught.value.errors
    assert error.path == ""
    return error.message


def test_design_example_text_loads():
    text = (FIXTURES / "design_example_completed.json").read_text(encoding="utf-8")
    assert load_catalogue_text(text)["format"] == "atelier-catalogue/1"


def test_invalid_json_reports_line_and_column():
    text = '{\n  "format": "atelier-catalogue/1",\n  "currency" "EUR"\n}'
    assert refusal(text) == "invalid JSON at line 3, column 14: Expecting ':' delimiter"


def test_truncated_json_reports_where_it_ends():
    assert refusal('{"format": "atelier-catalogue/1",') == (
        "invalid JSON at line 1, column 34: Expecting property name enclosed in double quotes"
    )


def test_oversized_text_is_refused_before_parsing():
    assert refusal("x" * 1001, max_bytes=1000) == (
        "the file is 1,001 bytes; at most 1,000 are accepted"
    )


def test_size_counts_utf8_bytes_not_characters():
    text = '{"name": "' + "é" * 500 + '"}'  # 512 characters, 1012 bytes
    assert refusal(text, max_bytes=1000).startswith("the file is 1,012 bytes")


def test_nesting_too_deep_for_the_parser_is_a_clean_error():
    assert refusal('{"a": ' + "[" * 200_000 + "]" * 200_000 + "}") == (
        "the document is nested deeper than 64 levels"
    )


def test_nesting_deeper_than_64_levels_is_refused():
    assert refusal('{"a": ' + "[" * 64 + "]" * 64 + "}") == (
        "the document is nested deeper than 64 levels"
    )
    assert load_catalogue_text('{"a": ' + "[" * 63 + "]" * 63 + "}")


@pytest.mark.parametrize(
    "text, kind", [("[]", "an array"), ('"EUR"', "a string"), ("null", "null"), ("7", "an integer")]
)
def test_top_level_must_be_an_object(text, kind):
    assert refusal(text) == f"the document must be a JSON object, not {kind}"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_refused(constant):
    assert refusal(f'{{"limit": {constant}}}') == f"invalid JSON: {constant} is not a JSON number"


def test_duplicate_keys_are_refused():
    assert refusal('{"currency": "EUR", "currency": "USD"}') == (
        'invalid JSON: the key "currency" appears twice in one object'
    )


def test_integer_with_thousands_of_digits_is_refused():
    assert refusal('{"stock": ' + "9" * 5000 + "}").startswith("invalid JSON: ")


def test_byte_order_mark_is_accepted():
    assert load_catalogue_text('\ufeff{"format": "atelier-catalogue/1"}') == {
        "format": "atelier-catalogue/1"
    }


def test_error_message_lists_every_error():
    with pytest.raises(CatalogueFormatError) as caught:
        load_catalogue_text("[1, 2")
    assert str(caught.value) == str(caught.value.errors[0])
    assert json.dumps([str(e) for e in caught.value.errors])
