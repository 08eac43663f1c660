"""The catalogue's way in, fuzzed: whatever text or document arrives, the answer is the
document, a clean CatalogueFormatError / CatalogueRejected listing the problems, or a
successful import; never another exception, never a half-written catalogue, never an
example that takes more than a few seconds.

Base documents are DESIGN.md's example (completed) and the demo catalogue; mutations put
hostile values where the schema expects codes, numbers, dates and lists.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from configurator import engine
from configurator.interchange import CatalogueFormatError, load_catalogue_text, validate_catalogue
from configurator.interchange.errors import CatalogueIssue
from configurator.models import CatalogueVersion
from configurator.services import CatalogueRejected, import_catalogue
from tests.demo import demo_document
from tests.security.conftest import row_counts
from tests.unit.catalogue.conftest import FIXTURES

BASE = json.loads((FIXTURES / "design_example_completed.json").read_text(encoding="utf-8"))
LITERALS = [f"{g['code']}.{o['code']}" for g in BASE["products"][0]["groups"] for o in g["options"]]
STRINGS_IN_BASE = sorted(
    {v for v in json.dumps(BASE).split('"') if v and v.strip(" ,:[]{}") == v and len(v) < 40}
)

FAST = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)
WITH_DB = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# --- hostile values -----------------------------------------------------------------------

HOSTILE_NUMBERS = [
    0,
    -1,
    1,
    2**31 - 1,
    2**31,
    2**63,
    10**400,
    -(10**400),
    1e308,
    -1e308,
    5e-324,
    -0.0,
    0.5,
    1e3,
    True,
    None,
]
HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff\ud800",
    "nb14\n",
    "CPU-U5\n",
    "2026-12-01\n",
    "2026-02-30",
    "0000-00-00",
    "99999-12-31",
    "EUR\n",
    "\u202egnp.exe",
    "𝕏𝕐",
    "é" * 300,
    "x" * 100_000,
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "1e308",
    "NaN",
    "-0.00",
    "9999999999.99",
    "99999999999.99",
    "cpu.u5",
    "cpu.nope",
    "nope.u5",
]

json_leaves = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(HOSTILE_STRINGS),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
    st.sampled_from(STRINGS_IN_BASE),
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=12) | st.sampled_from(STRINGS_IN_BASE), children, max_size=4
        )
    ),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


def _replacement(original: Any) -> st.SearchStrategy:
    """Values of the same shape as `original` where the schema is most likely to let a
    bad one through, and anything at all the rest of the time."""
    if isinstance(original, bool) or original is None:
        like = st.sampled_from(HOSTILE_NUMBERS)
    elif isinstance(original, int | float):
        like = st.sampled_from(HOSTILE_NUMBERS) | st.integers() | st.just(original * 1000)
    elif isinstance(original, str):
        like = st.sampled_from(HOSTILE_STRINGS) | st.sampled_from(
            [original + "\n", original * 50, original.upper(), " " + original, original + "\x00"]
        )
    elif isinstance(original, list):
        like = st.sampled_from([[], original * 2, list(reversed(original)), [original]])
    else:
        like = st.sampled_from([{}, {**original, "unknown": 1}])
    return st.one_of(like, like, like, json_values)


@st.composite
def mutated(draw, base: dict, *, max_mutations: int = 3) -> Any:
    """`base` with 1 to `max_mutations` values replaced, removed, duplicated or added."""
    document: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        if not path:
            document = draw(json_values)
            continue
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "replace", "remove", "duplicate"]))
        if action == "replace":
            parent[key] = draw(_replacement(parent[key]))
        elif action == "remove":
            del parent[key]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[draw(st.sampled_from(STRINGS_IN_BASE))] = copy.deepcopy(parent[key])
    return document


def assert_clean_errors(errors: list[CatalogueIssue]) -> None:
    """Errors a person can read and the admin can render: each has a path and a message,
    both printable text (no NUL, no unpaired surrogate)."""
    assert errors
    for error in errors:
        assert isinstance(error, CatalogueIssue)
        assert isinstance(error.path, str) and isinstance(error.message, str) and error.message
        str(error).encode("utf-8")
        assert "\x00" not in str(error)


def _count(outcome: str) -> None:
    if currently_in_test_context():  # --hypothesis-show-statistics shows the mix
        event(outcome)


def import_or_refuse(document: Any) -> str:
    """Import `document` in a savepoint that is rolled back afterwards; check that a
    refusal changed no row. Returns "imported" or "refused"."""
    savepoint = transaction.savepoint()
    try:
        before = row_counts()
        try:
            result = import_catalogue(document=document, publish=True)
        except CatalogueRejected as exc:
            assert_clean_errors(exc.errors)
            assert row_counts() == before, "a refused catalogue left rows behind"
            _count("refused")
            return "refused"
        assert result.version.status == CatalogueVersion.Status.PUBLISHED
        # What was published must be usable: every product compiles and configures.
        for doc in document["products"]:
            compiled = engine.compile_product(
                engine.product_from_document(doc, document["currency"])
            )
            engine.configure(compiled, {})
        _count("imported")
        return "imported"
    finally:
        transaction.savepoint_rollback(savepoint)


# --- text ---------------------------------------------------------------------------------


def _load(text: str) -> None:
    try:
        document = load_catalogue_text(text)
    except CatalogueFormatError as exc:
        assert_clean_errors(exc.errors)
    else:
        assert isinstance(document, dict)


@FAST
@given(st.text(max_size=2000))
def test_any_text_loads_as_an_object_or_is_refused_cleanly(text):
    _load(text)


@FAST
@given(json_values, st.sampled_from(["plain", "truncated", "doubled", "bom", "tail"]))
def test_json_like_text_loads_or_is_refused_cleanly(value, damage):
    text = json.dumps(value)
    if damage == "truncated":
        text = text[: len(text) // 2]
    elif damage == "doubled":
        text = text + text
    elif damage == "bom":
        text = "\ufeff" + text
    elif damage == "tail":
        text = text + "\x00"
    _load(text)


@FAST
@given(
    st.integers(1, 300_000),
    st.sampled_from(["[", '{"a":', '[{"b":']),
    st.booleans(),
)
def test_deep_nesting_is_refused_quickly(depth, opener, closed):
    closer = {"[": "]", '{"a":': "}", '[{"b":': "}]"}[opener]
    text = '{"x": ' + opener * depth + ("1" + closer * depth if closed else "") + "}"
    _load(text)


@pytest.mark.parametrize(
    "number", ["1e308", "-1e308", "1e999", "-1e999", "10" + "0" * 400, "1" * 5000, "-0", "-0.0"]
)
def test_absurd_numbers_in_text_are_refused_or_loaded_never_crash(number):
    text = json.dumps(BASE).replace('"stock": 400', f'"stock": {number}', 1)
    _load(text)
    try:
        document = load_catalogue_text(text)
    except CatalogueFormatError:
        return
    errors = validate_catalogue(document)
    if number not in ("-0", "-0.0"):
        assert errors, f"stock {number} was accepted"


def test_oversized_text_is_refused_before_parsing():
    with pytest.raises(CatalogueFormatError):
        load_catalogue_text(" " * 10_000_001)


# --- documents, no database ---------------------------------------------------------------


@FAST
@given(mutated(BASE))
def test_mutated_document_is_valid_or_every_error_is_listed(document):
    errors = validate_catalogue(document)
    assert isinstance(errors, list)
    if errors:
        assert_clean_errors(errors)


@FAST
@given(json_values)
def test_any_json_value_is_valid_or_every_error_is_listed(document):
    errors = validate_catalogue(document)
    assert_clean_errors(errors)


# --- import, with the database ------------------------------------------------------------


@pytest.mark.django_db
@WITH_DB
@given(mutated(BASE))
def test_mutated_catalogue_imports_whole_or_leaves_nothing(document):
    import_or_refuse(document)


@st.composite
def rule_sets(draw) -> list[dict]:
    """Random rules over the example's literals (and some unknown ones): requires chains
    that loop, excludes that contradict them, tables and sums, in any mix."""
    literal = st.sampled_from(LITERALS + ["cpu.nope", "nope.u5"])
    literals = st.lists(literal, min_size=1, max_size=4, unique=True)
    rule = st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("requires"), "if": literals, "then": literals},
        ),
        st.fixed_dictionaries({"type": st.just("excludes"), "all": literals}),
        st.fixed_dictionaries(
            {
                "type": st.just("table"),
                "groups": st.just(["cpu", "board"]),
                "allowed": st.lists(
                    st.tuples(
                        st.sampled_from(["u5", "u7", "x"]), st.sampled_from(["b1", "b2"])
                    ).map(list),
                    max_size=4,
                ),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("sum"),
                "attribute": st.sampled_from(["watts", "supply_watts", "unknown"]),
                "op": st.sampled_from(["<=", ">=", "==", "<"]),
                "limit": st.sampled_from([0, -1, 1e308, 10**400, 2**63, -0.0, 0.5, 160]),
            }
        ),
    )
    rules = draw(st.lists(rule, max_size=8))
    return [{"id": f"r{i}", "message": f"rule {i}", **r} for i, r in enumerate(rules)]


@pytest.mark.django_db
@WITH_DB
@given(rule_sets())
def test_cyclic_and_contradictory_rules_import_or_are_refused(rules):
    document = copy.deepcopy(BASE)
    document["products"][0]["rules"] = rules
    import_or_refuse(document)


@pytest.mark.django_db
@pytest.mark.parametrize("loop", [2, 5, 9])
def test_a_loop_of_requires_rules_is_accepted_or_refused_cleanly(loop):
    # a requires b requires c … requires a, across groups; then an excludes closing it.
    chain = [LITERALS[i * 2] for i in range(loop)]
    rules = [
        {"id": f"loop{i}", "type": "requires", "if": [a], "then": [b], "message": "loop"}
        for i, (a, b) in enumerate(zip(chain, chain[1:] + chain[:1], strict=True))
    ]
    document = copy.deepcopy(BASE)
    document["products"][0]["rules"] = rules
    assert import_or_refuse(document) in ("imported", "refused")
    document["products"][0]["rules"].append(
        {"id": "contradiction", "type": "excludes", "all": chain[:2], "message": "no"}
    )
    assert import_or_refuse(document) in ("imported", "refused")


@pytest.mark.slow
@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_mutated_demo_catalogue_imports_whole_or_leaves_nothing(data):
    document = data.draw(mutated(demo_document(), max_mutations=2))
    import_or_refuse(document)


# --- regressions: values the schema once let through to a database error -----------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        (("components", 0, "name"), "a\x00b", "components[0].name"),
        (("components", 0, "name"), "\ud800", "components[0].name"),
        (("products", 0, "name"), "Notebook\x00", "products[0].name"),
        (("products", 0, "code"), "n" * 40 + "\n", "products[0].code"),
        (("components", 0, "sku"), "A" * 64 + "\n", "components[0].sku"),
        (("work_centres", 0, "code"), "W" * 40 + "\n", "work_centres[0].code"),
        (("currency",), "EUR\n", "currency"),
    ],
)
def test_unstorable_text_is_refused_with_its_path_not_a_database_error(where, value, path):
    document = copy.deepcopy(BASE)
    parent = document
    for part in where[:-1]:
        parent = parent[part]
    parent[where[-1]] = value
    before = row_counts()

    with pytest.raises(CatalogueRejected) as refused:
        import_catalogue(document=document, publish=True)

    assert path in {e.path for e in refused.value.errors}
    assert_clean_errors(refused.value.errors)
    assert row_counts() == before


# --- the admin's upload form --------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    user = User.objects.create_superuser("fuzz-admin", "admin@example.com", "pw-123456789")
    client.force_login(user)
    return client


def _upload(client, content: bytes):
    upload = SimpleUploadedFile("catalogue.json", content, content_type="application/json")
    return client.post(
        "/admin/configurator/catalogueversion/import/", {"file": upload, "publish": "on"}
    )


@pytest.mark.slow
@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.binary(max_size=3000),
        mutated(BASE).map(lambda d: json.dumps(d).encode("utf-8", "surrogatepass")),
        st.sampled_from([b"\xff\xfe{}", b"{" * 100_000, json.dumps(BASE).encode() + b"\x00", b""]),
    )
)
def test_admin_upload_answers_a_page_never_a_server_error(staff_client, content):
    assume(content)  # an empty file is the form's own "required" error
    savepoint = transaction.savepoint()
    try:
        before = row_counts()
        response = _upload(staff_client, content)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert row_counts() == before
    finally:
        transaction.savepoint_rollback(savepoint)
