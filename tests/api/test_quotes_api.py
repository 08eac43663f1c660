"""Quotes over the partner API: issuing, reading, listing, accepting with idempotency, the
reasons a quote cannot be accepted, and the rule that a partner sees only its own quotes."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from configurator.services import import_catalogue
from orders.models import IdempotencyKey, Order, Quote
from orders.services import withdraw_quotes
from production import tasks as production_tasks
from production.services import schedule_order
from tests.api.conftest import client_for
from tests.demo import NB14, demo_document

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def problem_type(response) -> str:
    assert response["Content-Type"] == PROBLEM, response.content
    return response.json()["type"].rsplit("/", 1)[1]


def quote_body(**overrides) -> dict:
    body = {
        "lines": [{"product": "nb14", "selections": NB14, "quantity": 3}],
        "reference": "RFQ-1",
    }
    body.update(overrides)
    return body


def ask(client, body: dict | None = None, **headers):
    return client.post(
        "/api/v1/quotes/", quote_body() if body is None else body, format="json", **headers
    )


def accept(client, quote_id: str, key: str = "accept-1", body: dict | None = None):
    return client.post(
        f"/api/v1/quotes/{quote_id}/accept",
        body if body is not None else {},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.fixture
def scheduled(monkeypatch) -> list[int]:
    """Orders handed to production's workers (recorded, not sent to a broker)."""
    sent: list[int] = []
    monkeypatch.setattr(production_tasks.schedule_order, "delay", sent.append)
    return sent


def republish_with_higher_prices() -> None:
    """A new catalogue version: every notebook 100.00 dearer than when quoted."""
    document = demo_document()
    for product in document["products"]:
        product["base_price"] = str(Decimal(product["base_price"]) + 100)
    import_catalogue(document=document, publish=True)


# --- Issuing and reading ----------------------------------------------------------------


def test_create_answers_a_numbered_quote_with_frozen_prices_and_validity(
    api_a, partner_a, settings
):
    settings.QUOTE_VALID_DAYS = 14
    before = timezone.now()
    response = ask(api_a)
    assert response.status_code == 201, response.content
    quote = response.json()
    assert response["Location"] == f"/api/v1/quotes/{quote['id']}/"
    assert re.fullmatch(r"Q-\d{4}-\d{6}", quote["number"])
    assert quote["number"].split("-")[1] == str(timezone.localtime(before).year)
    assert quote["status"] == "issued" and quote["order"] is None
    assert quote["reference"] == "RFQ-1" and quote["currency"] == "EUR"
    line = quote["lines"][0]
    assert line["product"] == "nb14" and line["quantity"] == 3 and line["selections"] == NB14
    assert Decimal(line["line_total"]) == 3 * Decimal(line["unit_price"])
    assert Decimal(quote["total"]) == Decimal(line["line_total"])
    assert line["price_lines"][0]["kind"] == "base"
    assert quote["estimated_ship_date"]  # the demo can build three
    issued = Quote.objects.get(public_id=quote["id"])
    assert issued.partner == partner_a
    assert issued.valid_until - issued.issued_at == timedelta(days=14)
    assert datetime.fromisoformat(quote["valid_until"]) == issued.valid_until


def test_quote_prices_match_configure_for_the_same_configuration(api_a):
    configured = api_a.post(
        "/api/v1/products/nb14/configure", {"selections": NB14, "quantity": 3}, format="json"
    ).json()
    quote = ask(api_a).json()
    assert quote["lines"][0]["unit_price"] == configured["price"]["total"]
    assert quote["total"] == configured["price"]["line_total"]
    assert quote["estimated_ship_date"] == configured["estimated_ship_date"]


def test_numbers_follow_each_other_and_are_unique(api_a, api_b):
    numbers = [ask(client).json()["number"] for client in (api_a, api_b, api_a)]
    counters = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert counters == [counters[0], counters[0] + 1, counters[0] + 2]


def test_get_and_list_show_only_the_partners_own_quotes(api_a, api_b):
    mine = ask(api_a).json()
    theirs = ask(api_b, quote_body(reference="B")).json()
    got = api_a.get(f"/api/v1/quotes/{mine['id']}/")
    assert got.status_code == 200 and got.json() == mine
    assert api_a.get(f"/api/v1/quotes/{theirs['id']}/").status_code == 404
    listed = api_a.get("/api/v1/quotes/").json()
    assert listed["count"] == 1 and [q["id"] for q in listed["results"]] == [mine["id"]]
    page = api_a.get("/api/v1/quotes/?limit=1&offset=0").json()
    assert page["count"] == 1 and len(page["results"]) == 1


def test_another_partners_quote_cannot_be_accepted(api_a, api_b, scheduled):
    theirs = ask(api_b).json()
    response = accept(api_a, theirs["id"])
    assert response.status_code == 404
    assert problem_type(response) == "not-found"
    assert not Order.objects.exists()


def test_unknown_quote_is_a_404_problem(api_a):
    response = api_a.get(f"/api/v1/quotes/{uuid.uuid4()}/")
    assert response.status_code == 404 and problem_type(response) == "not-found"


def test_anonymous_callers_get_401(anon):
    assert anon.get("/api/v1/quotes/").status_code == 401
    assert ask(anon).status_code == 401


@pytest.mark.parametrize(
    ("line", "status", "kind"),
    [
        ({"product": "nope", "selections": NB14}, 422, "unknown-product"),
        ({"product": "nb14", "selections": {"cpu": ["zz"]}}, 422, "invalid-selection"),
        ({"product": "nb14", "selections": {}}, 422, "incomplete-configuration"),
        ({"product": "nb14", "selections": NB14, "quantity": 0}, 422, "validation-error"),
        ({"product": "nb14", "selections": NB14, "colour": "red"}, 422, "validation-error"),
    ],
)
def test_invalid_configurations_are_problems_like_orders(api_a, line, status, kind):
    response = ask(api_a, quote_body(lines=[line]))
    assert response.status_code == status, response.content
    assert problem_type(response) == kind
    assert not Quote.objects.exists()


def test_conflicting_selections_answer_409_with_the_conflict(api_a):
    broken = {**NB14, "display": ["oled"], "battery": ["54wh"]}
    response = ask(api_a, quote_body(lines=[{"product": "nb14", "selections": broken}]))
    assert response.status_code == 409, response.content
    assert problem_type(response) == "configuration-conflict"
    assert response.json()["conflicts"]
    assert not Quote.objects.exists()


def test_create_with_an_idempotency_key_issues_one_quote(api_a):
    first = ask(api_a, HTTP_IDEMPOTENCY_KEY="q-1")
    again = ask(api_a, HTTP_IDEMPOTENCY_KEY="q-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Quote.objects.count() == 1
    other = ask(api_a, quote_body(reference="other"), HTTP_IDEMPOTENCY_KEY="q-1")
    assert other.status_code == 422 and problem_type(other) == "idempotency-key-reused"


# --- Accepting --------------------------------------------------------------------------


def test_accept_places_an_order_at_the_quoted_prices(
    api_a, partner_a, scheduled, django_capture_on_commit_callbacks
):
    quote = ask(api_a).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = accept(api_a, quote["id"])
    assert response.status_code == 201, response.content
    order = response.json()
    assert response["Location"] == f"/api/v1/orders/{order['id']}/"
    assert order["status"] == "received" and order["reference"] == "RFQ-1"
    assert order["total"] == quote["total"]
    assert order["lines"][0]["unit_price"] == quote["lines"][0]["unit_price"]
    assert order["lines"][0]["price_lines"] == quote["lines"][0]["price_lines"]
    assert order["events"][0]["note"] == f"accepted quote {quote['number']}"
    placed = Order.objects.get(public_id=order["id"])
    assert placed.partner == partner_a
    # Handed to production's workers like any placed order, and scheduled by them.
    assert scheduled == [placed.pk]
    schedule_order(order_id=placed.pk)
    placed.refresh_from_db()
    assert placed.status == "scheduled" and placed.promised_ship_date is not None
    after = api_a.get(f"/api/v1/quotes/{quote['id']}/").json()
    assert after["status"] == "accepted" and after["order"] == order["id"]
    assert after["accepted_at"]


def test_accept_keeps_the_quoted_prices_and_version_after_the_catalogue_changed(api_a, scheduled):
    quote = ask(api_a).json()
    republish_with_higher_prices()
    now_priced = api_a.post(
        "/api/v1/products/nb14/configure", {"selections": NB14}, format="json"
    ).json()
    assert Decimal(now_priced["price"]["total"]) == Decimal(quote["lines"][0]["unit_price"]) + 100
    order = accept(api_a, quote["id"]).json()
    assert order["total"] == quote["total"]
    assert order["lines"][0]["unit_price"] == quote["lines"][0]["unit_price"]
    assert order["lines"][0]["catalogue_version"] == quote["lines"][0]["catalogue_version"]
    # A new quote for the same configuration is priced on the new version.
    fresh = ask(api_a).json()
    assert fresh["lines"][0]["catalogue_version"] > quote["lines"][0]["catalogue_version"]
    assert Decimal(fresh["total"]) == Decimal(quote["total"]) + 300


def test_accept_recomputes_the_ship_date(api_a, scheduled):
    quote = ask(api_a).json()
    Quote.objects.filter(public_id=quote["id"]).update(estimated_ship_date="2020-01-01")
    order = accept(api_a, quote["id"]).json()
    assert order["estimated_ship_date"] == quote["estimated_ship_date"]
    assert api_a.get(f"/api/v1/quotes/{quote['id']}/").json()["estimated_ship_date"] == "2020-01-01"


def test_same_key_and_body_answers_the_same_order(api_a, scheduled):
    quote = ask(api_a).json()
    first = accept(api_a, quote["id"], key="k")
    second = accept(api_a, quote["id"], key="k")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get(scope="quotes.accept").order.public_id == uuid.UUID(
        first.json()["id"]
    )


def test_same_key_with_another_body_is_refused(api_a, scheduled):
    quote = ask(api_a).json()
    assert accept(api_a, quote["id"], key="k").status_code == 201
    other = accept(api_a, quote["id"], key="k", body={"customer": {"name": "Someone"}})
    assert other.status_code == 422 and problem_type(other) == "idempotency-key-reused"
    assert Order.objects.count() == 1


def test_accepting_twice_with_another_key_is_a_409_naming_the_order(api_a, scheduled):
    quote = ask(api_a).json()
    order = accept(api_a, quote["id"], key="k1").json()
    again = accept(api_a, quote["id"], key="k2")
    assert again.status_code == 409
    assert problem_type(again) == "quote-already-accepted"
    assert again.json()["order"] == order["id"]
    assert quote["number"] in again.json()["detail"]
    assert Order.objects.count() == 1


def test_expired_quote_cannot_be_accepted(api_a, scheduled):
    quote = ask(api_a).json()
    Quote.objects.filter(public_id=quote["id"]).update(
        valid_until=timezone.now() - timedelta(seconds=1),
        issued_at=timezone.now() - timedelta(days=31),
    )
    assert api_a.get(f"/api/v1/quotes/{quote['id']}/").json()["status"] == "expired"
    response = accept(api_a, quote["id"])
    assert response.status_code == 409 and problem_type(response) == "quote-expired"
    assert "expired" in response.json()["detail"] and response.json()["valid_until"]
    assert not Order.objects.exists()
    assert not IdempotencyKey.objects.exists()  # a refused request keeps no key


def test_withdrawn_quote_cannot_be_accepted(api_a, scheduled):
    quote = ask(api_a).json()
    withdraw_quotes(quote_ids=[Quote.objects.get(public_id=quote["id"]).pk])
    assert api_a.get(f"/api/v1/quotes/{quote['id']}/").json()["status"] == "withdrawn"
    response = accept(api_a, quote["id"])
    assert response.status_code == 409 and problem_type(response) == "quote-withdrawn"
    assert not Order.objects.exists()


def test_accept_needs_an_idempotency_key_for_partners(api_a, scheduled):
    quote = ask(api_a).json()
    response = api_a.post(f"/api/v1/quotes/{quote['id']}/accept", {}, format="json")
    assert response.status_code == 400 and problem_type(response) == "idempotency-key-required"
    assert not Order.objects.exists()


def test_accept_takes_the_end_customer(api_a, scheduled):
    quote = ask(api_a).json()
    body = {"customer": {"name": "Ada", "email": "ada@example.com", "address": "1 Lane"}}
    order = accept(api_a, quote["id"], body=body).json()
    placed = Order.objects.get(public_id=order["id"])
    assert (placed.customer_name, placed.customer_email) == ("Ada", "ada@example.com")
    unknown = accept(api_a, ask(api_a).json()["id"], key="x", body={"price": "1.00"})
    assert unknown.status_code == 422 and problem_type(unknown) == "validation-error"


def test_a_logged_in_user_quotes_and_accepts_over_the_api(anon, django_user_model, scheduled):
    user = django_user_model.objects.create_user("ada", "ada@example.com", "pw-1234567")
    anon.force_authenticate(user)
    quote = ask(anon).json()
    assert Quote.objects.get(public_id=quote["id"]).user == user
    order = anon.post(f"/api/v1/quotes/{quote['id']}/accept", {}, format="json")
    assert order.status_code == 201, order.content
    placed = Order.objects.get(public_id=order.json()["id"])
    assert placed.user == user and placed.customer_email == "ada@example.com"


def test_other_partner_with_same_key_gets_its_own_answer(partner_a, partner_b, scheduled):
    api_a, api_b = client_for(partner_a), client_for(partner_b)
    quote_a, quote_b = ask(api_a).json(), ask(api_b).json()
    assert accept(api_a, quote_a["id"], key="same").status_code == 201
    assert accept(api_b, quote_b["id"], key="same").status_code == 201
    assert Order.objects.count() == 2


# --- The schema ---------------------------------------------------------------------------


def test_schema_documents_the_quote_operations_and_validates_without_warnings(tmp_path, anon):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    paths = anon.get("/api/v1/schema/?format=json").json()["paths"]
    assert set(paths["/api/v1/quotes/"]) >= {"get", "post"}
    assert "get" in paths["/api/v1/quotes/{id}/"]
    accept_op = paths["/api/v1/quotes/{id}/accept"]["post"]
    assert {"201", "404", "409", "422"} <= set(accept_op["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in accept_op["parameters"])
