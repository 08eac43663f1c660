"""Orders over the partner API: placing, idempotency, reading, listing, cancelling, and
the rule that a partner only ever sees its own orders."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import ApiToken, IdempotencyKey, Order
from tests.api.conftest import client_for, order_body, place
from tests.demo import NB14

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def problem_type(response) -> str:
    assert response["Content-Type"] == PROBLEM, response.content
    return response.json()["type"].rsplit("/", 1)[1]


# --- Placing --------------------------------------------------------------------------


def test_place_order_answers_201_with_the_order(api_a, partner_a):
    response = place(api_a)
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "received"
    assert order["reference"] == "PO-1"
    assert order["currency"] == "EUR"
    assert order["promised_ship_date"] is None
    assert response["Location"] == f"/api/v1/orders/{order['id']}/"
    line = order["lines"][0]
    assert line["product"] == "nb14" and line["quantity"] == 2
    assert line["selections"] == NB14
    assert isinstance(line["catalogue_version"], int)
    assert line["bom"] and line["build_minutes"]
    assert line["price_lines"][0]["kind"] == "base"
    assert order["total"] == f"{2 * float(line['unit_price']):.2f}"
    assert order["events"] == [
        {
            "status": "received",
            "at": order["events"][0]["at"],
            "actor": "partner:Partner A",
            "note": "",
        }
    ]
    assert Order.objects.get(public_id=order["id"]).partner == partner_a


def test_place_order_without_idempotency_key_is_refused_for_partners(api_a):
    response = api_a.post("/api/v1/orders/", order_body(), format="json")
    assert response.status_code == 400
    assert problem_type(response) == "idempotency-key-required"
    assert not Order.objects.exists()


def test_same_key_and_body_returns_the_first_answer(api_a):
    first = place(api_a, key="same")
    second = place(api_a, key="same")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_same_key_with_key_order_and_spacing_changes_is_the_same_request(api_a):
    first = place(api_a, key="k")
    body = order_body()
    reordered = {"reference": body["reference"], "lines": body["lines"]}
    again = api_a.post("/api/v1/orders/", reordered, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.json()["id"] == first.json()["id"]


def test_same_key_with_another_body_is_refused(api_a):
    place(api_a, key="k")
    response = place(api_a, order_body(reference="PO-2"), key="k")
    assert response.status_code == 422
    assert problem_type(response) == "idempotency-key-reused"
    assert Order.objects.count() == 1


def test_keys_belong_to_their_partner(api_a, api_b):
    a = place(api_a, key="shared")
    b = place(api_b, key="shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_an_expired_key_may_be_used_again(api_a):
    first = place(api_a, key="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    second = place(api_a, order_body(reference="PO-new"), key="old")
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


def test_a_failed_request_does_not_use_up_its_key(api_a):
    conflict = {**NB14, "display": ["oled"], "battery": ["54wh"]}
    bad = place(api_a, order_body(lines=[{"product": "nb14", "selections": conflict}]), key="k")
    assert bad.status_code == 409
    good = place(api_a, key="k")
    assert good.status_code == 201


def test_conflicting_selections_are_409_with_conflicts_and_resolution(api_a):
    conflict = {**NB14, "display": ["oled"], "battery": ["54wh"]}
    response = place(api_a, order_body(lines=[{"product": "nb14", "selections": conflict}]))
    assert response.status_code == 409
    problem = response.json()
    assert problem_type(response) == "configuration-conflict"
    assert problem["conflicts"][0]["rules"][0]["rule"] == "oled-battery"
    assert problem["resolution"]["display"] or problem["resolution"]["battery"]


def test_incomplete_configuration_is_422(api_a):
    response = place(api_a, order_body(lines=[{"product": "nb14", "selections": {"cpu": ["u5"]}}]))
    assert response.status_code == 422
    assert problem_type(response) == "incomplete-configuration"
    assert "lines[0].selections" in response.json()["errors"]


def test_unknown_product_and_option_are_422_with_the_line_named(api_a):
    unknown = place(api_a, order_body(lines=[{"product": "nope", "selections": NB14}]), key="a")
    assert unknown.status_code == 422
    assert "lines[0].product" in unknown.json()["errors"]
    bad_option = place(
        api_a,
        order_body(lines=[{"product": "nb14", "selections": {**NB14, "cpu": ["i9"]}}]),
        key="b",
    )
    assert bad_option.status_code == 422
    assert "lines[0].selections.cpu[0]" in bad_option.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product": "nb14", "selections": NB14, "quantity": 0}]}, "lines[0].quantity"),
        ({"lines": [{"product": "nb14", "selections": {"cpu": "u5"}}]}, "lines[0].selections.cpu"),
        ({"lines": [{"selections": NB14}]}, "lines[0].product"),
        ({"lines": [{"product": "nb14", "selections": NB14}], "priority": 7}, "priority"),
        ({}, "lines"),
    ],
)
def test_invalid_order_fields_are_422_with_per_field_errors(api_a, body, field):
    response = place(api_a, body)
    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert field in response.json()["errors"]


def test_body_that_is_not_json_is_400(api_a):
    response = api_a.post(
        "/api/v1/orders/", "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 400
    assert problem_type(response) == "malformed-request"


def test_other_media_types_are_415(api_a):
    response = api_a.post(
        "/api/v1/orders/", "lines=1", content_type="text/plain", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 415
    assert problem_type(response) == "unsupported-media-type"


def test_oversized_body_is_413_not_500(api_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = order_body(reference="x" * 2000)
    response = place(api_a, body)
    assert response.status_code == 413
    assert problem_type(response) == "payload-too-large"


def test_too_long_idempotency_key_is_400(api_a):
    response = place(api_a, key="k" * 201)
    assert response.status_code == 400


def test_order_with_a_customer_keeps_it(api_a):
    body = order_body(customer={"name": "Ada", "email": "ada@example.com", "address": "1 Road"})
    response = place(api_a, body)
    assert response.status_code == 201
    order = Order.objects.get(public_id=response.json()["id"])
    assert (order.customer_name, order.customer_email) == ("Ada", "ada@example.com")


# --- Authentication -------------------------------------------------------------------


def test_orders_need_credentials_401_with_www_authenticate(anon):
    for response in (anon.get("/api/v1/orders/"), anon.post("/api/v1/orders/", {}, format="json")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert problem_type(response) == "not-authenticated"


def test_unknown_token_is_401(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token atl_nope")
    response = anon.get("/api/v1/orders/")
    assert response.status_code == 401
    assert problem_type(response) == "authentication-failed"


def test_unknown_token_is_401_even_on_open_endpoints(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token atl_nope")
    assert anon.get("/api/v1/products/").status_code == 401


def test_expired_token_is_401(partner_a):
    client = client_for(partner_a)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/orders/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_revoked_token_is_401(partner_a):
    from orders.services import revoke_tokens

    client = client_for(partner_a)
    assert client.get("/api/v1/orders/").status_code == 200
    revoke_tokens(token_ids=list(ApiToken.objects.values_list("pk", flat=True)))
    assert client.get("/api/v1/orders/").status_code == 401


def test_token_use_is_recorded(partner_a):
    client = client_for(partner_a)
    client.get("/api/v1/orders/")
    assert ApiToken.objects.get().last_used_at is not None


def test_only_the_hash_of_a_token_is_stored(partner_a):
    from orders.models import hash_token
    from orders.services import issue_token

    token, raw = issue_token(partner=partner_a)
    assert raw not in {token.key_hash, token.prefix} and token.key_hash == hash_token(raw)


# --- Reading and listing: only your own -----------------------------------------------


def test_get_order_by_its_uuid(api_a):
    created = place(api_a).json()
    response = api_a.get(f"/api/v1/orders/{created['id']}/")
    assert response.status_code == 200
    assert response.json() == created


def test_partner_b_cannot_read_list_or_cancel_partner_a_orders(api_a, api_b):
    order_id = place(api_a).json()["id"]
    read = api_b.get(f"/api/v1/orders/{order_id}/")
    assert read.status_code == 404 and problem_type(read) == "not-found"
    assert api_b.get("/api/v1/orders/").json()["count"] == 0
    cancel = api_b.post(f"/api/v1/orders/{order_id}/cancel")
    assert cancel.status_code == 404
    assert Order.objects.get(public_id=order_id).status == "received"
    # Filters cannot widen the view either.
    assert api_b.get("/api/v1/orders/", {"reference": "PO-1"}).json()["count"] == 0


def test_unknown_and_malformed_order_ids_are_404_problems(api_a):
    assert api_a.get(f"/api/v1/orders/{uuid.uuid4()}/").status_code == 404
    response = api_a.get("/api/v1/orders/12/")
    assert response.status_code == 404
    assert problem_type(response) == "not-found"


def test_list_is_paginated_and_newest_first(api_a):
    ids = [place(api_a, order_body(reference=f"R{i}"), key=f"k{i}").json()["id"] for i in range(3)]
    page = api_a.get("/api/v1/orders/", {"limit": 2}).json()
    assert page["count"] == 3
    assert [o["id"] for o in page["results"]] == ids[::-1][:2]
    assert page["next"]


def test_list_filters_by_status_reference_and_creation_time(api_a):
    first = place(api_a, order_body(reference="A"), key="a").json()
    place(api_a, order_body(reference="B"), key="b")
    Order.objects.filter(public_id=first["id"]).update(
        status="cancelled", created_at=timezone.now() - timedelta(days=3)
    )

    def ids(**params):
        return [o["reference"] for o in api_a.get("/api/v1/orders/", params).json()["results"]]

    assert ids(status="cancelled") == ["A"]
    assert ids(reference="B") == ["B"]
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_after=cutoff) == ["B"]
    assert ids(created_before=cutoff) == ["A"]


def test_invalid_filter_values_are_400_naming_the_parameters(api_a):
    response = api_a.get("/api/v1/orders/", {"status": "lost", "created_after": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "created_after"}


@pytest.mark.parametrize("value", ["3119-06-07T07:01:08-20:51", "9999-12-31T23:59:59-12:00"])
def test_impossible_times_in_filters_are_400_not_database_errors(api_a, value):
    response = api_a.get("/api/v1/orders/", {"created_after": value})
    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]


def test_list_and_detail_query_counts_do_not_grow_with_orders(api_a, django_assert_max_num_queries):
    ids = [place(api_a, order_body(reference=f"R{i}"), key=f"k{i}").json()["id"] for i in range(5)]
    # token, count, page, lines (+ catalogue version), events
    with django_assert_max_num_queries(5):
        assert len(api_a.get("/api/v1/orders/").json()["results"]) == 5
    # token, order, lines, events
    with django_assert_max_num_queries(4):
        assert api_a.get(f"/api/v1/orders/{ids[0]}/").status_code == 200


# --- Cancelling -----------------------------------------------------------------------


def test_cancel_a_received_order(api_a):
    order_id = place(api_a).json()["id"]
    response = api_a.post(f"/api/v1/orders/{order_id}/cancel")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert [e["status"] for e in body["events"]] == ["received", "cancelled"]
    again = api_a.post(f"/api/v1/orders/{order_id}/cancel")
    assert again.status_code == 200 and again.json()["status"] == "cancelled"


def test_cancel_of_an_order_in_production_is_409(api_a):
    order_id = place(api_a).json()["id"]
    Order.objects.filter(public_id=order_id).update(
        status="in_production", promised_ship_date=timezone.localdate()
    )
    response = api_a.post(f"/api/v1/orders/{order_id}/cancel")
    assert response.status_code == 409
    assert problem_type(response) == "invalid-transition"
    assert Order.objects.get(public_id=order_id).status == "in_production"


def test_cancel_with_idempotency_key_replays_and_guards_the_key(api_a):
    first_id = place(api_a, key="a").json()["id"]
    second_id = place(api_a, order_body(reference="other"), key="b").json()["id"]
    one = api_a.post(f"/api/v1/orders/{first_id}/cancel", HTTP_IDEMPOTENCY_KEY="c")
    two = api_a.post(f"/api/v1/orders/{first_id}/cancel", HTTP_IDEMPOTENCY_KEY="c")
    assert one.status_code == two.status_code == 200
    assert two["Idempotent-Replayed"] == "true" and two.json() == one.json()
    other = api_a.post(f"/api/v1/orders/{second_id}/cancel", HTTP_IDEMPOTENCY_KEY="c")
    assert other.status_code == 422


# --- Sessions, methods, unknown paths, throttling --------------------------------------


def test_session_users_order_and_see_only_their_own_orders(django_user_model, api_a):
    place(api_a)
    user = django_user_model.objects.create_user("ann", password="pw-secret-123")
    client = APIClient()
    client.force_login(user)
    created = client.post("/api/v1/orders/", order_body(), format="json")
    assert created.status_code == 201  # no key needed in a session
    listing = client.get("/api/v1/orders/").json()
    assert [o["id"] for o in listing["results"]] == [created.json()["id"]]
    assert created.json()["events"][0]["actor"] == "user:ann"


def test_session_post_without_csrf_token_is_403(django_user_model):
    user = django_user_model.objects.create_user("bob", password="pw-secret-123")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/orders/", order_body(), format="json")
    assert response.status_code == 403
    assert problem_type(response) == "permission-denied"


def test_wrong_method_is_405_with_allow(api_a):
    order_id = place(api_a).json()["id"]
    response = api_a.delete(f"/api/v1/orders/{order_id}/")
    assert response.status_code == 405
    assert problem_type(response) == "method-not-allowed"
    assert "GET" in response["Allow"]


def test_unknown_api_path_is_a_404_problem(anon):
    response = anon.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert problem_type(response) == "not-found"


def test_throttled_partner_gets_429_with_retry_after(api_a, api_b, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "3/min"},
    }
    answers = [api_a.get("/api/v1/orders/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    response = api_a.get("/api/v1/orders/")
    assert problem_type(response) == "throttled"
    assert int(response["Retry-After"]) > 0
    assert response.json()["retry_after"] > 0
    # One bucket per partner: partner B is not slowed down by A.
    assert api_b.get("/api/v1/orders/").status_code == 200


def test_a_partners_tokens_share_one_bucket(partner_a, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "2/min"},
    }
    first, second = client_for(partner_a), client_for(partner_a)
    assert first.get("/api/v1/orders/").status_code == 200
    assert second.get("/api/v1/orders/").status_code == 200
    assert first.get("/api/v1/orders/").status_code == 429


def test_anonymous_callers_are_throttled_by_address(anon, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "100/min"},
    }
    answers = [anon.get("/api/v1/products/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_unacceptable_media_type_is_406(api_a):
    response = api_a.get("/api/v1/orders/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json()["type"].endswith("/not-acceptable")


def test_session_users_may_send_an_idempotency_key(django_user_model):
    user = django_user_model.objects.create_user("cy", password="pw-secret-123")
    client = APIClient()
    client.force_login(user)
    first = client.post("/api/v1/orders/", order_body(), format="json", HTTP_IDEMPOTENCY_KEY="u")
    again = client.post("/api/v1/orders/", order_body(), format="json", HTTP_IDEMPOTENCY_KEY="u")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.filter(user=user).count() == 1


def test_the_schema_documents_idempotency_and_problems(anon):
    response = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    create = schema["paths"]["/api/v1/orders/"]["post"]
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is True
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert set(create["responses"]["201"]["headers"]) == {"Location", "Idempotent-Replayed"}
    # A 409 of placing carries the conflicts and the resolution, typed.
    conflict = create["responses"]["409"]["content"]["application/problem+json"]["schema"]
    members = schema["components"]["schemas"][conflict["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"type", "title", "status", "detail", "line", "conflicts", "resolution"} <= set(members)
    assert anon.get("/api/v1/docs/").status_code == 200
