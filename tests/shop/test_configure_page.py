"""The configure page: option states with reasons, the itemized price, the htmx update
fragment, the no-JavaScript form POST, conflicts with their proposed change."""

from __future__ import annotations

import pytest

from tests.shop.conftest import DEFAULTS, form_data

pytestmark = pytest.mark.django_db

NB14 = "/p/nb14/"
UPDATE = "/p/nb14/update/"


def test_product_list_shows_each_product_with_starting_price(client, published):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Notebook 14" in html and "Creator 16" in html and "Tower One" in html
    # "From" the cheapest complete configuration: 549 with 8 GB (the default, 16 GB, is
    # 629); tower 899; creator 1299.
    assert "From <strong>€549.00</strong>" in html and "€629.00" not in html
    assert "€899.00" in html and "€1,299.00" in html
    assert html.count('<svg class="art art-') == 3
    assert 'href="/p/nb14/"' in html


def test_product_list_without_catalogue_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 503
    assert "opens soon" in response.content.decode()


def test_configure_page_renders_groups_as_fieldsets_with_prices(client, published):
    response = client.get(NB14)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<fieldset") == 5
    assert '<legend><span class="group-name">Processor</span>' in html
    assert 'type="radio" name="g-cpu" value="u7" id="opt-cpu-u7"' in html
    assert 'type="checkbox" name="g-extras" value="lte" id="opt-extras-lte"' in html
    assert "+€180.00" in html  # Core Ultra 7 over Core Ultra 5
    assert "−€80.00" in html  # 8 GB instead of 16 GB
    assert '<strong id="total">€629.00</strong>' in html
    assert 'aria-live="polite"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "X-CSRFToken" in html


def test_unknown_product_is_404(client, published):
    assert client.get("/p/nope/").status_code == 404
    assert client.post("/p/nope/update/", {}).status_code == 404


def test_excluded_option_shows_rule_message_and_blocking_choice(client, published):
    html = client.get(NB14).content.decode()
    start = html.index('id="opt-display-oled"')
    chunk = html[start - 200 : start + 900]
    assert "is-excluded" in chunk
    assert 'aria-describedby="opt-display-oled-why"' in chunk
    assert "The OLED display needs the 86 Wh battery (you chose Battery: 54 Wh)." in chunk
    assert "Choosing it changes Battery: 54 Wh → 86 Wh." in chunk
    # The label is the whole change: OLED (+150) and the 86 Wh battery (+60).
    assert '<span class="choice-price">+€210.00</span>' in chunk
    # Excluded is still a live control the customer can choose.
    assert "disabled" not in chunk


def test_zero_changes_read_included_and_never_plus_zero(client, published):
    html = client.get(NB14).content.decode()
    assert "+€0.00" not in html and "−€0.00" not in html
    # The selected Core Ultra 5 and the selected 16 GB (which costs 80) both read Included.
    for option in ("opt-cpu-u5", "opt-memory-16gb"):
        start = html.index(f'id="{option}"')
        assert '<span class="choice-price">Included</span>' in html[start : start + 300]


def test_update_fragment_reprices_without_full_page(client, published):
    picks = {**DEFAULTS, "cpu": ["u7"], "memory": ["32gb"]}
    response = client.post(UPDATE, form_data(picks, order=DEFAULTS), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="configurator"' in html
    # 549 + 180 + 220 - 60 (creator bundle)
    assert '<strong id="total">€889.00</strong>' in html
    assert "Creator bundle" in html
    assert 'hx-swap-oob="innerHTML"' in html and "Total €889.00." in html
    assert 'value="u7" id="opt-cpu-u7" checked' in html


def test_no_js_post_rerenders_whole_page_with_same_content(client, published):
    picks = {**DEFAULTS, "cpu": ["u7"], "memory": ["32gb"]}
    response = client.post(NB14, form_data(picks, order=DEFAULTS, action="update"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert '<strong id="total">€889.00</strong>' in html
    assert "Creator bundle" in html
    assert (
        ">Update</button>" in html and ">Add to cart</button>" in html and ">Save</button>" in html
    )


def test_choosing_excluded_option_proposes_change_then_applies_it(client, published):
    chosen = {**DEFAULTS, "display": ["oled"]}
    response = client.post(UPDATE, form_data(chosen, order=DEFAULTS, last_good=DEFAULTS))
    html = response.content.decode()
    assert "To choose Display: 2.8K OLED, we’d change:" in html
    assert "Battery: 54 Wh → 86 Wh" in html
    assert "The OLED display needs the 86 Wh battery" in html
    assert 'value="resolve"' in html and 'value="undo"' in html
    # The panel explains the conflict once; options do not each repeat it.
    assert "Not with your choices" not in html
    # The hidden fields keep the new pick last and the last valid configuration.
    assert 'name="order" value="cpu.u5 memory.16gb battery.54wh display.oled"' in html
    assert 'name="last_good" value="cpu.u5 memory.16gb display.fhd battery.54wh"' in html

    order = {"cpu": ["u5"], "memory": ["16gb"], "battery": ["54wh"], "display": ["oled"]}
    applied = client.post(
        UPDATE, form_data(chosen, order=order, last_good=DEFAULTS, action="resolve")
    ).content.decode()
    assert 'value="oled" id="opt-display-oled" checked autofocus' in applied
    assert 'value="86wh" id="opt-battery-86wh" checked' in applied
    assert '<strong id="total">€839.00</strong>' in applied  # 549 + 80 + 150 + 60
    assert "we’d change" not in applied


def test_undo_returns_to_last_valid_configuration(client, published):
    chosen = {**DEFAULTS, "display": ["oled"]}
    order = {"cpu": ["u5"], "memory": ["16gb"], "battery": ["54wh"], "display": ["oled"]}
    html = client.post(
        UPDATE, form_data(chosen, order=order, last_good=DEFAULTS, action="undo")
    ).content.decode()
    assert 'value="fhd" id="opt-display-fhd" checked' in html
    assert 'id="opt-display-oled" aria-describedby="opt-display-oled-why" autofocus' in html
    assert '<strong id="total">€629.00</strong>' in html


def test_resolution_keeps_the_pick_just_made_even_when_it_costs_more_changes(client, published):
    # LTE needs the 86 Wh battery; with OLED + 86 Wh chosen first, picking 54 Wh again
    # conflicts with both: keeping 54 Wh means dropping OLED *and* LTE.
    before = {**DEFAULTS, "display": ["oled"], "battery": ["86wh"], "extras": ["lte"]}
    chosen = {**before, "battery": ["54wh"]}
    html = client.post(UPDATE, form_data(chosen, order=before, last_good=before)).content.decode()
    assert "To choose Battery: 54 Wh, we’d change:" in html
    assert "Display: 2.8K OLED → Full HD IPS" in html
    assert "remove Extras: LTE modem" in html


def test_incomplete_configuration_cannot_be_added_to_cart(client, published):
    picks = {k: v for k, v in DEFAULTS.items() if k != "cpu"}
    html = client.post(UPDATE, form_data(picks)).content.decode()
    assert "Choose at least 1 in Processor." in html
    assert "Ship date: once the configuration is complete." in html
    response = client.post(NB14, form_data(picks, action="cart"))
    assert response.status_code == 422
    assert "Finish the configuration" in response.content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        {"g-cpu": "u99"},
        {"g-cpu": "<script>alert(1)</script>"},
        {"g-extras": ["lte", "lte", "backlight", "fingerprint", "nope"]},
        {"g-cpu": "x" * 100_000},
        {"order": "cpu.u5 " * 5000},
        {"last_good": "memory.8gb memory.16gb"},
        {"action": "drop-tables"},
        {"quantity": "-3"},
        {"quantity": "1e9"},
        {"title": "<script>alert(1)</script>"},
        {"g-nonsense": "1"},
    ],
)
def test_malformed_input_is_answered_without_a_server_error(client, published, bad):
    data = {**form_data(DEFAULTS), **bad}
    for url in (UPDATE, NB14):
        response = client.post(url, data)
        assert response.status_code in (200, 422), url
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_bad_option_code_is_a_form_error(client, published):
    response = client.post(NB14, {**form_data(DEFAULTS), "g-cpu": "u99"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "We could not use part of what was sent." in html
    assert "Processor:" in html


def test_update_query_count_is_bounded(
    client, published, django_assert_max_num_queries, monkeypatch
):
    # A running server has the compiled product and a recent plan snapshot in memory.
    monkeypatch.setattr("production.selectors.SNAPSHOT_SECONDS", 3600)
    client.get(NB14)
    picks = {**DEFAULTS, "cpu": ["u7"]}
    # The published version, and the standard product that might equal the configuration.
    with django_assert_max_num_queries(2):
        response = client.post(UPDATE, form_data(picks, order=DEFAULTS))
    assert response.status_code == 200
    # A conflict: its proposed change is priced and dated from memory too.
    chosen = {**DEFAULTS, "display": ["oled"]}
    with django_assert_max_num_queries(2):
        response = client.post(UPDATE, form_data(chosen, order=DEFAULTS, last_good=DEFAULTS))
    assert "New total" in response.content.decode()


def test_csrf_is_enforced_on_configure_and_update(published):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(UPDATE, form_data(DEFAULTS)).status_code == 403
    assert strict.post(NB14, form_data(DEFAULTS, action="save")).status_code == 403
    page = strict.get(NB14)
    token = page.cookies["csrftoken"].value
    ok = strict.post(UPDATE, form_data(DEFAULTS), HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200


def test_bad_quantity_keeps_the_customers_configuration(client, published):
    picks = {**DEFAULTS, "cpu": ["u7"]}
    response = client.post(NB14, form_data(picks, action="cart", quantity="500"))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Quantity: Ensure this value is less than or equal to 99." in html
    assert 'value="u7" id="opt-cpu-u7" checked' in html
    assert "cart" not in client.session
