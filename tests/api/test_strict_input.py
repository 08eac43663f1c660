"""Every error of the partner API is problem+json, and input DRF would let through is
refused with a problem naming what is wrong: unknown fields (422), numbers that are not
JSON integers (422), query parameters out of bounds (400), over-long URLs (414), and a
bug under /api/ is a 500 problem, not Django's HTML page."""

from __future__ import annotations

import pytest
from django.test import Client

from atelier.pagination import MAX_OFFSET
from orders.models import Order
from tests.api.conftest import order_body, place
from tests.demo import NB14

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, *named: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    for name in named:
        assert name in body.get("errors", {}), body
    return body


# --- unknown fields ---------------------------------------------------------------------


def test_configure_refuses_unknown_top_level_fields(anon):
    response = anon.post(
        "/api/v1/products/nb14/configure",
        {"selections": {}, "selection": {"cpu": ["u7"]}, "colour": "red"},
        format="json",
    )
    body = assert_problem(response, 422, "selection", "colour")
    assert body["errors"]["colour"] == ["unknown field"]


def test_configure_without_unknown_fields_still_answers(anon):
    response = anon.post("/api/v1/products/nb14/configure", {"selections": {}}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**order_body(), "colour": "red"}, "colour"),
        (
            order_body(lines=[{"product": "nb14", "selections": NB14, "quantity": 1, "qty": 3}]),
            "lines[0].qty",
        ),
        (
            order_body(
                lines=[
                    {"product": "nb14", "selections": NB14},
                    {"product": "nb14", "selections": NB14, "colour": "red"},
                ]
            ),
            "lines[1].colour",
        ),
        ({**order_body(), "customer": {"name": "Ada", "phone": "123"}}, "customer.phone"),
    ],
)
def test_orders_refuse_unknown_fields_at_every_level(api_a, body, field):
    body = assert_problem(place(api_a, body), 422, field)
    assert body["errors"][field] == ["unknown field"]
    assert Order.objects.count() == 0


def test_unknown_and_invalid_fields_are_named_together(api_a):
    body = order_body(lines=[{"product": "nb14", "selections": NB14, "quantity": 0, "x": 1}])
    assert_problem(place(api_a, body), 422, "lines[0].quantity", "lines[0].x")


def test_thousands_of_unknown_fields_are_summarised(api_a):
    body = {**order_body(), **{f"f{i:04}": i for i in range(500)}}
    problem = assert_problem(place(api_a, body), 422, "f0000")
    assert len(problem["errors"]) <= 21
    assert "480 more unknown fields" in problem["detail"]


def test_cancel_refuses_fields_and_accepts_an_empty_body(api_a):
    order_id = place(api_a).json()["id"]
    refused = api_a.post(f"/api/v1/orders/{order_id}/cancel", {"reason": "x"}, format="json")
    assert_problem(refused, 422, "reason")
    assert Order.objects.get(public_id=order_id).status == "received"
    assert api_a.post(f"/api/v1/orders/{order_id}/cancel", {}, format="json").status_code == 200


# --- integers ---------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", ["2", 2.5, 2.0, True, None, [2], {"n": 2}])
def test_quantity_must_be_a_json_integer(api_a, quantity):
    body = order_body(lines=[{"product": "nb14", "selections": NB14, "quantity": quantity}])
    assert_problem(place(api_a, body), 422, "lines[0].quantity")
    assert Order.objects.count() == 0


@pytest.mark.parametrize("priority", ["1", 1.0, True, False])
def test_priority_must_be_a_json_integer(api_a, priority):
    assert_problem(place(api_a, {**order_body(), "priority": priority}), 422, "priority")


def test_json_integers_are_accepted(api_a):
    body = {**order_body(), "priority": 1}
    body["lines"][0]["quantity"] = 3
    response = place(api_a, body)
    assert response.status_code == 201
    assert response.json()["lines"][0]["quantity"] == 3 and response.json()["priority"] == 1


# --- query parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"offset": "1" * 20}, "offset"),
        ({"offset": str(MAX_OFFSET + 1)}, "offset"),
        ({"offset": "9" * 5000}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "1" * 20}, "limit"),
        ({"reference": "x" * 2000}, "reference"),
        ({"reference": "x" * 101}, "reference"),
        ({"status": "lost"}, "status"),
    ],
)
def test_query_parameters_out_of_bounds_are_400_naming_them(api_a, query, name):
    body = assert_problem(api_a.get("/api/v1/orders/", query), 400, name)
    assert body["type"].endswith("/invalid-query-parameter")


def test_query_parameters_at_their_bounds_are_accepted(api_a):
    place(api_a, order_body(reference="x" * 100))
    ok = api_a.get("/api/v1/orders/", {"offset": MAX_OFFSET, "limit": 200, "reference": "x" * 100})
    assert ok.status_code == 200 and ok.json()["results"] == []
    assert api_a.get("/api/v1/orders/", {"reference": "x" * 100}).json()["count"] == 1


# --- URLs, Django's own errors ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/products/", "/api/v1/orders/", "/", "/cart/"])
def test_over_long_urls_are_414_problems(client, path, settings):
    response = client.get(path, {"q": "x" * settings.ATELIER_MAX_URL_BYTES})
    body = assert_problem(response, 414)
    assert body["limit"] == settings.ATELIER_MAX_URL_BYTES


def test_urls_up_to_the_limit_pass(anon, settings):
    path = "/api/v1/products/?q="
    response = anon.get(path + "x" * (settings.ATELIER_MAX_URL_BYTES - len(path)))
    assert response.status_code == 200


def test_the_url_limit_is_configurable(anon, settings):
    settings.ATELIER_MAX_URL_BYTES = 100
    assert anon.get("/api/v1/products/?q=" + "x" * 100).status_code == 414


def test_an_unexpected_error_under_the_api_is_a_500_problem(monkeypatch):
    from configurator import api

    def broken(document, version):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api, "_with_version", broken)
    client = Client(raise_request_exception=False)
    body = assert_problem(client.get("/api/v1/products/"), 500)
    assert body["type"].endswith("/server-error")
    assert "a bug" not in body["detail"]  # the traceback is logged, not shown


def test_a_refused_host_under_the_api_is_a_400_problem(client, settings):
    settings.ALLOWED_HOSTS = ["shop.example"]
    response = Client(HTTP_HOST="evil.example").get("/api/v1/products/")
    assert_problem(response, 400)
    shop = Client(HTTP_HOST="evil.example").get("/")
    assert shop.status_code == 400 and "json" not in shop["Content-Type"]


def test_the_schema_documents_the_4xx_answers(anon):
    schema = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    listing = paths["/api/v1/orders/"]["get"]
    assert PROBLEM in listing["responses"]["400"]["content"]
    offset = next(p for p in listing["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] == MAX_OFFSET
    for path, method in [
        ("/api/v1/products/{code}/configure", "post"),
        ("/api/v1/orders/", "post"),
        ("/api/v1/orders/{id}/cancel", "post"),
    ]:
        assert PROBLEM in paths[path][method]["responses"]["422"]["content"]
    for operations in paths.values():
        for operation in operations.values():
            assert "414" in operation["responses"]


def test_the_schema_says_request_bodies_take_no_other_fields(anon):
    schema = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    strict = {
        name
        for name, component in components.items()
        if component.get("additionalProperties") is False
    }
    assert {"ConfigureRequestRequest", "OrderCreateRequest", "LineRequestRequest"} <= strict
    # Answers may grow fields: only request bodies are closed.
    assert components["Order"].get("additionalProperties") is not False
