"""Random selections against the demo products: the engine answers or raises an
EngineError naming the offending field; `POST /api/v1/products/<code>/configure` answers
200 or a 4xx problem+json, never a 5xx, whatever the body."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from urllib.parse import quote

import pytest
from django.core.cache import cache as django_cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from configurator import engine
from tests.demo import demo_document

DOCUMENT = demo_document()
PRODUCTS = {p["code"]: p for p in DOCUMENT["products"]}
STATES = {"selected", "available", "excluded"}


@cache
def compiled(code: str) -> engine.CompiledProduct:
    return engine.compile_product(engine.product_from_document(PRODUCTS[code], "EUR"))


WEIRD_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "\ud800",
        "cpu\n",
        "u5 ",
        "U5",
        "𝕦𝟝",
        "u5\u200b",
        "<script>alert(1)</script>",
        "x" * 10_000,
        "__proto__",
        "constructor",
        "cpu.u5",
    ]
) | st.text(max_size=30)
NOT_A_LIST = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    WEIRD_TEXT,
    st.dictionaries(WEIRD_TEXT, st.integers(), max_size=3),
    st.just(b"u5"),
)


@st.composite
def selections(draw, code: str):
    """Mostly real group and option codes (so the engine's real paths run), mixed with
    unknown codes, too many picks, duplicates, huge lists and values that are not lists."""
    groups = PRODUCTS[code]["groups"]
    out: dict = {}
    for _ in range(draw(st.integers(0, len(groups) + 2))):
        kind = draw(
            st.sampled_from(["real", "real", "real", "real", "unknown-group", "odd-value", "huge"])
        )
        group = draw(st.sampled_from(groups))
        options = [o["code"] for o in group["options"]]
        if kind == "real":
            picks = draw(st.lists(st.sampled_from(options), max_size=group["max"] + 1))
            if draw(st.integers(0, 9)) == 0:
                picks.append(draw(WEIRD_TEXT))
            out[group["code"]] = picks
        elif kind == "unknown-group":
            out[draw(WEIRD_TEXT)] = draw(st.lists(st.sampled_from(options), max_size=2))
        elif kind == "odd-value":
            out[group["code"]] = draw(NOT_A_LIST)
        else:
            out[group["code"]] = options * draw(st.integers(100, 2000))
    return out


def orders(code: str) -> st.SearchStrategy:
    literals = [f"{g['code']}.{o['code']}" for g in PRODUCTS[code]["groups"] for o in g["options"]]
    return st.one_of(
        st.lists(st.sampled_from(literals) | WEIRD_TEXT, max_size=30),
        NOT_A_LIST,
    )


def check_answer(result: engine.Configuration, picks: dict) -> None:
    assert isinstance(result.valid, bool) and isinstance(result.complete, bool)
    assert not result.complete or result.valid
    assert bool(result.conflicts) == (not result.valid)
    for group in result.groups:
        assert {o.state for o in group.options} <= STATES
        chosen = {o.code for o in group.options if o.state == "selected"}
        assert chosen == set(group.selected) == set(picks.get(group.code, []))
        for option in group.options:
            if option.state == "excluded" and result.valid:
                assert option.reasons, f"{group.code}.{option.code} excluded without a reason"


ENGINE = settings(
    max_examples=150, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("code", sorted(PRODUCTS))
def test_random_selections_get_an_answer_or_an_engine_error(code):
    @ENGINE
    @given(data=st.data())
    def run(data):
        picks = data.draw(selections(code), label="selections")
        order = data.draw(orders(code), label="order")
        try:
            result = engine.configure(compiled(code), picks, order=order)
        except engine.EngineError as exc:
            assert exc.field.startswith("selections") and exc.message
            return
        check_answer(result, picks)

    run()


@ENGINE
@given(NOT_A_LIST | st.lists(st.integers(), max_size=3))
def test_selections_that_are_not_a_mapping_are_an_engine_error_or_empty(value):
    try:
        result = engine.configure(compiled("nb14"), value)
    except engine.EngineError:
        return
    assert result.valid and not any(g.selected for g in result.groups)


# --- through the API ----------------------------------------------------------------------

JSON_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | WEIRD_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(WEIRD_TEXT, children, max_size=4)
    ),
    max_leaves=15,
)


def _post(client: APIClient, code: str, body: bytes, content_type: str = "application/json"):
    django_cache.clear()  # the anonymous throttle would otherwise answer 429 part-way
    return client.post(f"/api/v1/products/{code}/configure", body, content_type=content_type)


def check_response(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == response.status_code and problem["title"]
    else:
        answer = response.json()
        assert {"complete", "valid", "price", "groups", "conflicts"} <= set(answer)


API = settings(
    max_examples=80,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.django_db
@API
@given(data=st.data())
def test_configure_endpoint_answers_random_selections_without_a_server_error(demo, data):
    code = data.draw(st.sampled_from(sorted(PRODUCTS)), label="product")
    body = {"selections": data.draw(selections(code), label="selections")}
    if data.draw(st.booleans()):
        body["order"] = data.draw(orders(code), label="order")
    text = json.dumps(body, default=repr).encode("utf-8", "surrogatepass")
    check_response(_post(APIClient(), code, text))


@pytest.mark.django_db
@API
@given(body=JSON_ANY, code=st.sampled_from(["nb14", "tower"]) | WEIRD_TEXT)
def test_configure_endpoint_answers_any_json_without_a_server_error(demo, body, code):
    code = quote(code.encode("utf-8", "surrogatepass"), safe="") or "nb14"
    text = json.dumps(body).encode("utf-8", "surrogatepass")
    check_response(_post(APIClient(), code, text))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"null",
        b"[]",
        b'"selections"',
        b'{"selections": null}',
        b'{"selections": []}',
        b'{"selections": {"cpu": "u5"}}',
        b'{"selections": {"cpu": [["u5"]]}}',
        b'{"selections": {"cpu": [null]}}',
        b'{"selections": {"cpu": [1e999]}}',
        b'{"selections": {"cpu": ["\\u0000"]}}',
        b'{"selections": {"cpu": ["\\ud800"]}}',
        b'{"selections": {"\\ud800": ["u5"]}}',
        b'{"selections": {"cpu": ["u5"]}, "order": "cpu.u5"}',
        b'{"selections": {"cpu": ["u5"]}, "order": [null, 1, {}]}',
        b'{"selections": {"cpu": ["u5"]}, "selections": {"cpu": ["u7"]}}',
        b'{"selections": {"cpu": ["u5"]}}' + b" " * 1000 + b"x",
        b"\xff\xfe\x00{",
        b'{"selections": {"cpu": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
        json.dumps({"selections": {f"g{i}": ["x"] for i in range(5000)}}).encode(),
        json.dumps({"selections": {"cpu": ["u5"] * 100_000}}).encode(),
        json.dumps({"selections": {"accessories": ["dock"] * 900}}).encode(),
    ],
)
def test_configure_endpoint_answers_malformed_bodies_with_a_problem(demo, body):
    check_response(_post(APIClient(), "nb14", body))
