"""The shop's pages under attack: forged cross-site posts, script in every echoed field,
redirects to other sites, and the admin and plan pages without a staff login."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from configurator.services import import_catalogue
from orders.models import Order
from production.models import ReplanRun
from tests.demo import NB14, demo_document
from tests.security.conftest import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

EVIL = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/admin/",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    " //evil.example",
    "%2F%2Fevil.example",
    "javascript:alert(1)",
    "//shop.example@evil.example",
]
PASSWORD = "a-long-test-password-1"


def configure_form(selections: dict[str, list[str]], **extra) -> dict:
    """The configure form as a browser posts it (see templates/shop/_configurator.html)."""
    data = {
        f"g-{group}": picks[0] if len(picks) == 1 else picks for group, picks in selections.items()
    }
    literals = " ".join(f"{g}.{o}" for g, picks in selections.items() for o in picks)
    data.update({"order": literals, "last_good": literals, **extra})
    return data


def escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def assert_escaped(response, payload: str) -> None:
    """The payload comes back, if at all, only escaped, never as live markup."""
    content = response.content.decode()
    assert payload not in content, f"unescaped {payload!r} in {response.request['PATH_INFO']}"
    for live in ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>"):
        assert live not in content


def with_cart(client: Client, **extra) -> Client:
    response = client.post("/p/nb14/", configure_form(NB14, action="cart", **extra))
    assert response.status_code == 302, response.status_code
    return client


# --- CSRF ---------------------------------------------------------------------------------


def _sample(pattern: str) -> str:
    """A path for a URL pattern, its converters filled with plausible values."""
    samples = {
        "uuid": "6f1c2c5e-4a3b-4c8e-9a43-3f1f1f1f1f1f",
        "slug": "nb14",
        "str": "sample",
        "int": "1",
        "path": "x",
    }
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples[m.group(1) or "str"], pattern)


def _site_paths(resolver=None, prefix: str = "") -> list[str]:
    """Every page of the site outside the API (the API uses tokens, not cookies)."""
    out = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(("api/", "admin/")) or "(?P" in route or "^" in route:
            continue
        if isinstance(entry, URLResolver):
            out += _site_paths(entry, route)
        elif isinstance(entry, URLPattern):
            out.append(_sample(route))
    return sorted(set(out))


SITE_PATHS = _site_paths()
ADMIN_FORMS = [
    "/admin/login/",
    "/admin/logout/",
    "/admin/configurator/catalogueversion/import/",
    "/admin/orders/order/",
    "/admin/auth/user/add/",
]


def test_the_site_walk_found_the_shop_and_plan_forms():
    for path in ("/p/nb14/", "/p/nb14/update/", "/cart/update/", "/checkout/", "/plan/replan/"):
        assert path in SITE_PATHS


@pytest.mark.parametrize("path", SITE_PATHS + ADMIN_FORMS)
def test_every_form_post_without_a_csrf_token_is_403(demo, path):
    user = User.objects.create_superuser("staff", "s@example.com", PASSWORD)
    for logged_in in (False, True):
        client = Client(enforce_csrf_checks=True)
        if logged_in:
            client.force_login(user)
        client.get("/")  # a session and a CSRF cookie, as a visitor would have
        response = client.post(path, configure_form(NB14, action="cart", name="x"))
        assert response.status_code == 403, (path, logged_in, response.status_code)
    assert Order.objects.count() == 0 and ReplanRun.objects.count() == 0


def test_a_forged_token_is_refused_and_the_real_one_accepted(demo):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/p/nb14/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    forged = configure_form(NB14, action="cart", csrfmiddlewaretoken="x" * 64)
    assert client.post("/p/nb14/", forged).status_code == 403
    real = configure_form(NB14, action="cart", csrfmiddlewaretoken=token.decode())
    assert client.post("/p/nb14/", real).status_code == 302  # the control: the form works


def test_htmx_posts_need_the_csrf_header_too(demo):
    client = Client(enforce_csrf_checks=True)
    client.get("/p/nb14/")
    response = client.post("/p/nb14/update/", configure_form(NB14), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/p/nb14/update/", configure_form(NB14), HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_the_session_authenticated_api_enforces_csrf(demo):
    user = User.objects.create_user("shopper", password=PASSWORD)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    body = {"lines": [{"product": "nb14", "selections": NB14}], "reference": "csrf"}
    response = client.post(
        "/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1"
    )
    assert response.status_code == 403
    assert Order.objects.count() == 0


# --- XSS ----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("field", ["name", "address", "email"])
def test_checkout_fields_echo_markup_escaped(demo, client, payload, field):
    with_cart(client)
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "address": "1 Analytical Row"}
    data[field] = payload
    response = client.post("/checkout/", data)
    assert response.status_code == 422
    assert_escaped(response, payload)
    assert Order.objects.count() == 0


@pytest.mark.parametrize("payload", ['" autofocus onfocus="alert(1)', "' onmouseover='alert(1)"])
def test_markup_free_attacks_in_checkout_are_stored_and_shown_escaped(demo, client, payload):
    with_cart(client)
    data = {"name": payload, "email": "ada@example.com", "address": payload}
    response = client.post("/checkout/", data)
    assert response.status_code == 302
    order = Order.objects.get()
    for page in (response["Location"], f"/orders/{order.public_id}/"):
        shown = client.get(page)
        assert shown.status_code == 200
        content = shown.content.decode()
        assert payload not in content and escaped(payload) in content


def test_a_javascript_url_as_a_name_is_text_never_a_link(demo, client):
    with_cart(client)
    data = {"name": "javascript:alert(1)", "email": "a@example.com", "address": "1 Row"}
    response = client.post("/checkout/", data)
    assert response.status_code == 302
    content = client.get(response["Location"]).content.decode()
    assert not re.search(r"""(href|src|action)=["']?\s*javascript:""", content, re.I)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("action", ["save", "cart", "update"])
def test_configuration_title_echoes_markup_escaped(demo, client, payload, action):
    response = client.post("/p/nb14/", configure_form(NB14, action=action, title=payload))
    assert response.status_code == 422
    assert_escaped(response, payload)
    response = client.post(
        "/p/nb14/update/", configure_form(NB14, title=payload), HTTP_HX_REQUEST="true"
    )
    assert_escaped(response, payload)


def test_a_saved_title_with_quotes_is_shown_escaped(demo, client):
    payload = '" autofocus onfocus="alert(1)'
    response = client.post("/p/nb14/", configure_form(NB14, action="save", title=payload))
    assert response.status_code == 302
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert payload not in shown.content.decode()
    with_cart(client, title=payload)
    assert payload not in client.get("/cart/").content.decode()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hidden_fields_and_query_strings_are_not_echoed_raw(demo, client, payload):
    form = configure_form(NB14, action="update")
    form["order"] = payload
    form["last_good"] = payload
    form["g-cpu"] = payload
    for response in (
        client.post("/p/nb14/", form),
        client.post("/p/nb14/update/", form, HTTP_HX_REQUEST="true"),
        client.get("/p/nb14/", {"q": payload, "next": payload}),
        client.get("/cart/", {"q": payload}),
        client.get(f"/c/{payload}/"),
    ):
        assert response.status_code < 500
        assert_escaped(response, payload)


def test_catalogue_text_with_markup_is_escaped_on_every_shop_page(db, client):
    """Staff-entered text is untrusted too (a compromised or careless import)."""
    document = demo_document()
    product = next(p for p in document["products"] if p["code"] == "nb14")
    script, img = XSS_PAYLOADS
    product["name"] = f"Notebook {script}"
    product["description"] = img
    for group in product["groups"]:
        group["name"] = f"{group['name']} {img}"
        for option in group["options"]:
            option["name"] = f"{option['name']} {script}"
    for rule in product["rules"]:
        rule["message"] = f"{rule['message']} {img}"
    import_catalogue(document=document, publish=True)
    with_cart(client)
    conflicting = {**NB14, "display": ["oled"], "battery": ["54wh"]}
    for response in (
        client.get("/"),
        client.get("/p/nb14/"),
        client.post("/p/nb14/", configure_form(conflicting)),
        client.post("/p/nb14/update/", configure_form(conflicting), HTTP_HX_REQUEST="true"),
        client.get("/cart/"),
        client.get("/checkout/"),
    ):
        assert response.status_code in (200, 422), response.status_code
        for payload in XSS_PAYLOADS:
            assert_escaped(response, payload)


# --- open redirects -----------------------------------------------------------------------


def assert_on_site(response) -> None:
    """A redirect to a path of this site: no scheme, no host, nothing a browser would read
    as one (`//host`, `/\\host`). Percent-encoded slashes stay part of the path."""
    location = response.get("Location", "")
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert not location.lstrip().startswith(("//", "/\\", "\\")), location


@pytest.mark.parametrize("target", EVIL)
def test_admin_login_refuses_to_redirect_off_site(demo, target):
    User.objects.create_superuser("staff", "s@example.com", PASSWORD)
    client = Client()
    page = client.get("/admin/login/", {"next": target})
    assert page.status_code == 200
    response = client.post(
        f"/admin/login/?next={target}",
        {"username": "staff", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert_on_site(response)


@pytest.mark.parametrize("target", EVIL[:3])
def test_admin_logout_refuses_to_redirect_off_site(demo, target):
    user = User.objects.create_superuser("staff", "s@example.com", PASSWORD)
    client = Client()
    client.force_login(user)
    response = client.post(f"/admin/logout/?next={target}", {"next": target})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert_on_site(response)


@pytest.mark.parametrize("target", EVIL[:3])
def test_shop_redirects_ignore_next_parameters(demo, client, target):
    extra = {"next": target, "redirect": target, "return_to": target}
    responses = [
        client.post(f"/p/nb14/?next={target}", configure_form(NB14, action="cart", **extra)),
        client.post(f"/p/nb14/?next={target}", configure_form(NB14, action="save", **extra)),
        client.post(f"/cart/update/?next={target}", {"line": "0", "quantity": "2", **extra}),
        client.post(f"/cart/remove/?next={target}", {"line": "0", **extra}),
        Client().get(f"/checkout/?next={target}"),  # an empty cart sends you back to it
    ]
    for response in responses:
        assert response.status_code == 302
        assert_on_site(response)


def test_a_forged_host_header_is_refused(demo):
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400


# --- admin and plan pages behind a staff login --------------------------------------------

STAFF_PAGES = [
    "/admin/",
    "/admin/orders/order/",
    "/admin/orders/partner/",
    "/admin/orders/apitoken/",
    "/admin/configurator/catalogueversion/",
    "/admin/configurator/catalogueversion/import/",
    "/admin/production/component/",
    "/admin/auth/user/",
    "/plan/",
    "/plan/batch/",
    "/plan/replan/1/",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_the_login(demo, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_customer_account_without_staff_status_sees_only_the_login(demo, client, path):
    user = User.objects.create_user("customer", "c@example.com", PASSWORD)
    client.force_login(user)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[-1][0].startswith("/admin/login/")
    assert b'name="password"' in response.content
    assert b"Partner" not in response.content and b"Gantt" not in response.content


def test_a_customer_account_cannot_start_a_replan_or_import(demo, client):
    user = User.objects.create_user("customer", "c@example.com", PASSWORD)
    client.force_login(user)
    assert client.post("/plan/replan/").status_code == 302
    response = client.post("/admin/configurator/catalogueversion/import/", {})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert ReplanRun.objects.count() == 0


def test_the_customer_password_is_not_enough_to_log_into_the_admin(demo, client):
    User.objects.create_user("customer", "c@example.com", PASSWORD)
    response = client.post("/admin/login/", {"username": "customer", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert client.get("/admin/").status_code == 302
