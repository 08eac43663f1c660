"""The partner API under attack: oversized and mistyped bodies, stale and forged tokens,
floods, and one partner probing for another's orders. Every answer is a problem+json
4xx; none is a 500, and none carries another partner's data."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from rest_framework.test import APIClient

from orders import services
from orders.models import ApiToken, Order, Partner
from tests.demo import NB14

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def client_for(partner: Partner, **token) -> tuple[APIClient, ApiToken]:
    stored, raw = services.issue_token(partner=partner, name="attack-test", **token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client, stored


@pytest.fixture
def partner_a(demo) -> Partner:
    return Partner.objects.create(name="Partner A")


@pytest.fixture
def partner_b(demo) -> Partner:
    return Partner.objects.create(name="Partner B")


@pytest.fixture
def api_a(partner_a) -> APIClient:
    return client_for(partner_a)[0]


@pytest.fixture
def api_b(partner_b) -> APIClient:
    return client_for(partner_b)[0]


def order_body(reference: str = "PO-A-1") -> dict:
    return {
        "lines": [{"product": "nb14", "selections": NB14, "quantity": 1}],
        "reference": reference,
    }


def place(client: APIClient, *, key: str, body: dict | None = None):
    return client.post(
        "/api/v1/orders/", body or order_body(), format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def assert_problem(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://") and body["title"]
    return body


def unsafe_endpoints(order_id: str) -> list[str]:
    return [
        "/api/v1/products/nb14/configure",
        "/api/v1/orders/",
        f"/api/v1/orders/{order_id}/cancel",
    ]


# --- oversized bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("extra", [1, 5_000_000])
def test_bodies_over_the_upload_limit_are_413_problems_on_every_unsafe_endpoint(api_a, extra):
    order_id = place(api_a, key="own").json()["id"]
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    filler = "x" * (limit + extra)
    body = json.dumps({"selections": {}, "reference": filler, "padding": filler[:10]})
    for path in unsafe_endpoints(order_id)[:2]:
        response = api_a.post(
            path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="big"
        )
        assert_problem(response, 413)
    assert Order.objects.count() == 1
    # Cancel takes no body and never reads one: it may proceed, but never with a 500.
    response = api_a.post(unsafe_endpoints(order_id)[2], body, content_type="application/json")
    assert response.status_code in (200, 413)


def test_an_oversized_body_from_an_anonymous_caller_is_refused_without_a_500(demo):
    filler = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = APIClient().post(
        "/api/v1/products/nb14/configure",
        json.dumps({"selections": {}, "x": filler}),
        content_type="application/json",
    )
    assert_problem(response, 413)
    response = APIClient().post(
        "/api/v1/orders/", json.dumps({"x": filler}), content_type="application/json"
    )
    assert_problem(response, 401, 413)


def test_a_body_just_under_the_limit_is_read_and_judged_on_its_content(api_a):
    filler = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 200)
    response = api_a.post(
        "/api/v1/products/nb14/configure",
        json.dumps({"selections": {}, "x": filler}),
        content_type="application/json",
    )
    # Read whole (not 413) and judged: the unknown member is named, not a 500.
    assert response.status_code == 422
    assert response.json()["errors"] == {"x": ["unknown field"]}


# --- wrong content types ------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "application/javascript",
        "application/jsonx",
        "",
    ],
)
def test_bodies_that_are_not_json_are_415_problems(api_a, content_type):
    order_id = place(api_a, key="own").json()["id"]
    body = json.dumps({"selections": {"cpu": ["u5"]}, **order_body()})
    for path in unsafe_endpoints(order_id):
        response = api_a.generic(
            "POST", path, body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="ct"
        )
        if path.endswith("/cancel"):
            # Cancel takes no body; DRF parses one only when asked, so it may proceed.
            assert response.status_code < 500
            continue
        assert_problem(response, 415)
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json; charset=utf-16", '{"selections": {}}'.encode("utf-16")),
        ("application/json; charset=latin-1", b'{"selections": {"cpu": ["\xe9"]}}'),
        ("application/json; charset=nonsense", b'{"selections": {}}'),
        ("application/json", b'\xff\xfe{"selections": {}}'),
        ("application/json", b'{"selections": {"cpu": ["u5"]}}\x00'),
        ("application/json", b"[" * 100_000),
        ("application/json", json.dumps({"selections": {"\ud800": ["u5"]}}).encode()),
        ("application/json", b'{"selections": {"cpu": ["u5\\u0000"]}}'),
    ],
)
def test_odd_charsets_and_encodings_are_answered_without_a_500(demo, content_type, body):
    response = APIClient().generic(
        "POST", "/api/v1/products/nb14/configure", body, content_type=content_type
    )
    if response.status_code != 200:
        assert_problem(response, 400, 415, 422)


# --- tokens -------------------------------------------------------------------------------


def test_expired_tokens_are_401_on_every_endpoint(partner_a, api_a):
    order_id = place(api_a, key="own").json()["id"]
    client, _ = client_for(partner_a, expires_at=timezone.now() - timedelta(seconds=1))
    for path in ("/api/v1/orders/", f"/api/v1/orders/{order_id}/", "/api/v1/products/"):
        body = assert_problem(client.get(path), 401)
        assert "expired" in body["detail"]
    assert_problem(place(client, key="late"), 401)
    assert_problem(client.post(f"/api/v1/orders/{order_id}/cancel"), 401)
    assert Order.objects.get(public_id=order_id).status == "received"
    assert Order.objects.count() == 1


def test_a_token_expiring_now_is_already_refused(partner_a):
    client, token = client_for(partner_a, expires_at=timezone.now() + timedelta(hours=1))
    assert client.get("/api/v1/orders/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert_problem(client.get("/api/v1/orders/"), 401)


def test_a_revoked_token_is_401_at_once_and_other_tokens_keep_working(partner_a):
    revoked, token = client_for(partner_a)
    kept, _ = client_for(partner_a)
    assert revoked.get("/api/v1/orders/").status_code == 200
    services.revoke_tokens(token_ids=[token.pk])
    assert_problem(revoked.get("/api/v1/orders/"), 401)
    assert_problem(place(revoked, key="after-revoke"), 401)
    assert kept.get("/api/v1/orders/").status_code == 200
    assert Order.objects.count() == 0


def test_a_deleted_partners_tokens_are_401(partner_a):
    client, _ = client_for(partner_a)
    partner_a.delete()
    assert_problem(client.get("/api/v1/orders/"), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token ",
        "Token a b",
        "Token atl_" + "x" * 10_000,
        "Token atl_\u00e9\u00e9",
        "Token ' OR 1=1 --",
        "token atl_lowercase_keyword",
        "Bearer atl_whatever",
        "Basic YWRtaW46YWRtaW4=",
    ],
)
def test_forged_authorization_headers_never_reach_orders(demo, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/orders/")
    assert_problem(response, 401)
    response = client.post(
        "/api/v1/orders/", order_body(), format="json", HTTP_IDEMPOTENCY_KEY="forged"
    )
    assert_problem(response, 401)
    assert Order.objects.count() == 0


# --- throttling ---------------------------------------------------------------------------


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "5/min", "user": "5/min"},
    }


def test_a_flood_of_configure_calls_is_429_with_retry_after(demo, tight_rates):
    client = APIClient()
    answers = [
        client.post("/api/v1/products/nb14/configure", {"selections": {}}, format="json")
        for _ in range(8)
    ]
    assert [r.status_code for r in answers[:5]] == [200] * 5
    for response in answers[5:]:
        body = assert_problem(response, 429)
        assert int(response["Retry-After"]) > 0 and body["retry_after"] > 0


def test_a_flood_of_orders_is_429_and_creates_no_order_past_the_limit(api_a, tight_rates):
    answers = [place(api_a, key=f"flood-{i}").status_code for i in range(8)]
    assert answers == [201] * 5 + [429] * 3
    assert Order.objects.count() == 5


def test_forged_forwarded_for_headers_do_not_reset_the_anonymous_bucket(demo, tight_rates):
    client = APIClient()
    answers = [
        client.get("/api/v1/products/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(8)
    ]
    assert answers.count(429) == 3, answers


def test_failed_logins_are_throttled_too(demo, tight_rates):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token atl_guess")
    statuses = [client.get("/api/v1/products/").status_code for _ in range(3)]
    assert set(statuses) == {401}  # refused, and never a 500 however often


# --- one partner probing another's orders -------------------------------------------------

ORDER_FIELDS = ("id", "lines", "reference", "total", "customer", "events", "promised_ship_date")


def assert_no_data(response) -> None:
    body = assert_problem(response, 404)
    assert not set(body) & set(ORDER_FIELDS)
    assert "PO-A" not in response.content.decode()


def test_partner_b_probing_sequential_and_random_ids_finds_nothing(api_a, api_b):
    own = [place(api_a, key=f"a{i}", body=order_body(f"PO-A-{i}")).json()["id"] for i in range(3)]
    pks = list(Order.objects.values_list("pk", flat=True))
    probes = [f"/api/v1/orders/{n}/" for n in [*pks, *range(1, 30), -1, 0, 2**63]]
    probes += [f"/api/v1/orders/{uuid.uuid4()}/" for _ in range(20)]
    probes += [f"/api/v1/orders/{public_id}/" for public_id in own]
    probes += [f"/api/v1/orders/{str(own[0]).upper()}/", f"/api/v1/orders/{own[0]}%00/"]
    for path in probes:
        assert_no_data(api_b.get(path))
        assert_no_data(api_b.post(path + "cancel"))
    assert set(Order.objects.values_list("status", flat=True)) == {"received"}


def test_a_foreign_order_and_a_missing_one_answer_alike(api_a, api_b):
    foreign = place(api_a, key="a1").json()["id"]
    seen = api_b.get(f"/api/v1/orders/{foreign}/")
    missing = api_b.get(f"/api/v1/orders/{uuid.uuid4()}/")
    assert (seen.status_code, seen.json()) == (missing.status_code, missing.json())


def test_partner_b_lists_and_filters_see_none_of_partner_a(api_a, api_b):
    place(api_a, key="a1", body=order_body("PO-A-SECRET"))
    for query in (
        {},
        {"reference": "PO-A-SECRET"},
        {"status": "received"},
        {"limit": 200},
        {"offset": 0, "limit": 1},
        {"partner": "1"},
        {"partner__name": "Partner A"},
        {"user": "1"},
        {"created_after": "2000-01-01T00:00:00Z"},
    ):
        response = api_b.get("/api/v1/orders/", query)
        assert response.status_code == 200
        assert response.json()["count"] == 0 and response.json()["results"] == []
        assert "PO-A-SECRET" not in response.content.decode()


def test_reusing_partner_a_idempotency_key_never_replays_its_order(api_a, api_b):
    theirs = place(api_a, key="shared-key").json()
    mine = place(api_b, key="shared-key")
    assert mine.status_code == 201
    assert mine.json()["id"] != theirs["id"]
    assert "Idempotent-Replayed" not in mine
    assert Order.objects.get(public_id=mine.json()["id"]).partner.name == "Partner B"


def test_a_logged_in_shop_user_sees_no_partner_orders(api_a, django_user_model):
    place(api_a, key="a1")
    user = django_user_model.objects.create_user("shopper", password="pw-123456789")
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/orders/").json()["count"] == 0
    public_id = Order.objects.get().public_id
    assert_no_data(client.get(f"/api/v1/orders/{public_id}/"))
