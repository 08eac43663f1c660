"""Products and configure: the contract's shapes, money as strings, problems for errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from configurator.selectors import published_version
from production import promise
from tests.demo import NB14

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_product_list_names_the_published_products(anon):
    response = anon.get("/api/v1/products/")
    assert response.status_code == 200
    codes = [p["code"] for p in response.json()]
    assert codes == ["nb14", "nb16c", "tower"]
    nb14 = response.json()[0]
    assert nb14["base_price"] == "549.00"
    assert nb14["currency"] == "EUR"
    assert isinstance(nb14["catalogue_version"], int)


def test_product_detail_has_groups_options_rules_and_price_rules(anon):
    response = anon.get("/api/v1/products/nb14/")
    assert response.status_code == 200
    product = response.json()
    cpu = next(g for g in product["groups"] if g["code"] == "cpu")
    assert (cpu["min"], cpu["max"]) == (1, 1)
    u7 = next(o for o in cpu["options"] if o["code"] == "u7")
    assert isinstance(u7["price"], str) and "." in u7["price"]
    assert "watts" in u7["attributes"]
    rules = {r["id"]: r for r in product["rules"]}
    assert rules["gpu-adapter"] == {
        "id": "gpu-adapter",
        "type": "requires",
        "message": "The RTX 4050 needs the 100 W adapter",
        "if": ["graphics.rtx4050"],
        "then": ["adapter.100w"],
    }
    assert set(rules["power"]) == {"id", "type", "message", "attribute", "op", "limit_attribute"}
    assert set(rules["cpu-graphics"]) >= {"groups", "allowed"}
    assert all(isinstance(p["amount"], str) for p in product["price_rules"])


def test_product_detail_has_specs_and_starting_points_in_their_order(anon):
    product = anon.get("/api/v1/products/nb14/").json()
    assert list(product["specs"])[:2] == ["Weight", "Dimensions"]
    u7 = product["groups"][0]["options"][1]
    assert list(u7["specs"].items())[:2] == [
        ("Processor", "Intel Core Ultra 7 255H"),
        ("Cores / threads", "16 / 16"),
    ]
    starts = product["starting_points"]
    assert [s["code"] for s in starts] == ["everyday", "travel-pro", "graphics"]
    assert starts[0]["selections"]["cpu"] == ["u5"]
    configured = anon.post(
        "/api/v1/products/nb14/configure",
        {"selections": starts[2]["selections"]},
        format="json",
    ).json()
    assert configured["complete"] and configured["valid"]


def test_unknown_product_is_a_404_problem(anon):
    response = anon.get("/api/v1/products/nope/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/not-found")


def test_configure_answers_the_contract_shape(anon):
    response = anon.post(
        "/api/v1/products/nb14/configure", {"selections": {"cpu": ["u7"]}}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert {"complete", "valid", "price", "groups", "conflicts", "estimated_ship_date"} <= set(body)
    assert set(body["price"]) >= {"currency", "total", "lines"}
    assert body["price"]["currency"] == "EUR"
    assert isinstance(body["price"]["total"], str)
    assert body["complete"] is False and body["valid"] is True
    assert body["estimated_ship_date"] is None  # incomplete: no estimate
    cpu = next(g for g in body["groups"] if g["code"] == "cpu")
    assert cpu["selected"] == ["u7"]
    option = cpu["options"][0]
    assert set(option) >= {"code", "state", "price", "delta", "reasons"}


def test_configure_explains_an_excluded_option(anon):
    response = anon.post(
        "/api/v1/products/nb14/configure", {"selections": {"cpu": ["u5"]}}, format="json"
    )
    graphics = next(g for g in response.json()["groups"] if g["code"] == "graphics")
    rtx = next(o for o in graphics["options"] if o["code"] == "rtx4050")
    assert rtx["state"] == "excluded"
    assert {"rule": "cpu-graphics"}.items() <= rtx["reasons"][0].items()
    assert rtx["reasons"][0]["message"]


def test_configure_complete_configuration_prices_it(anon):
    response = anon.post("/api/v1/products/nb14/configure", {"selections": NB14}, format="json")
    body = response.json()
    assert body["complete"] is True and body["valid"] is True
    total = sum(float(line["amount"]) for line in body["price"]["lines"])
    assert f"{total:.2f}" == body["price"]["total"]


def test_configure_conflict_has_rules_and_resolution(anon):
    selections = {"display": ["oled"], "battery": ["54wh"]}
    response = anon.post(
        "/api/v1/products/nb14/configure",
        {"selections": selections, "order": ["battery.54wh", "display.oled"]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["conflicts"][0]["rules"][0]["rule"] == "oled-battery"
    # The most recent pick (the OLED display) is kept.
    assert body["resolution"]["display"] == ["oled"]
    assert body["resolution"].get("battery") != ["54wh"]


@pytest.mark.parametrize(
    ("selections", "field"),
    [
        ({"gpu": ["rtx"]}, "selections.gpu"),
        ({"cpu": ["i9"]}, "selections.cpu[0]"),
        ({"cpu": ["u5", "u7"]}, "selections.cpu"),
    ],
)
def test_configure_unknown_codes_are_422_with_field_errors(anon, selections, field):
    response = anon.post(
        "/api/v1/products/nb14/configure", {"selections": selections}, format="json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [{"selections": {"cpu": "u5"}}, {"selections": ["cpu"]}, {"selections": {"cpu": [1, {}]}}],
)
def test_configure_malformed_selections_are_422(anon, body):
    response = anon.post("/api/v1/products/nb14/configure", body, format="json")
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/validation-error")
    assert any(key.startswith("selections") for key in problem["errors"])


def test_configure_unknown_product_is_404(anon):
    response = anon.post("/api/v1/products/nope/configure", {"selections": {}}, format="json")
    assert response.status_code == 404


def test_configure_answers_the_estimate_and_line_total_for_the_quantity(anon):
    url = "/api/v1/products/nb14/configure"
    one = anon.post(url, {"selections": NB14}, format="json").json()
    many = anon.post(url, {"selections": NB14, "quantity": 40}, format="json").json()
    assert one["price"]["line_total"] == one["price"]["total"]
    assert Decimal(many["price"]["line_total"]) == Decimal(many["price"]["total"]) * 40
    version = published_version()
    for body, quantity in ((one, 1), (many, 40)):
        expected = promise.estimate_configuration(
            version=version, product_code="nb14", selections=NB14, quantity=quantity
        )
        assert body["estimated_ship_date"] == expected.isoformat()


@pytest.mark.parametrize("quantity", [0, -1, 1000, "2", 2.5, True, None, [2]])
def test_configure_refuses_a_bad_quantity_naming_it(anon, quantity):
    response = anon.post(
        "/api/v1/products/nb14/configure", {"selections": NB14, "quantity": quantity}, format="json"
    )
    assert response.status_code == 422
    body = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert list(body["errors"]) == ["quantity"]


def test_without_a_published_catalogue_products_answer_503(anon):
    from configurator.models import CatalogueVersion

    CatalogueVersion.objects.all().delete()
    for response in (
        anon.get("/api/v1/products/"),
        anon.post("/api/v1/products/nb14/configure", {"selections": {}}, format="json"),
    ):
        assert response.status_code == 503
        assert response.json()["type"].endswith("/catalogue-unavailable")


def _options(body: dict) -> dict[str, dict]:
    return {f"{g['code']}.{o['code']}": o for g in body["groups"] for o in g["options"]}


def _configure(anon, selections: dict) -> dict:
    response = anon.post(
        "/api/v1/products/nb14/configure", {"selections": selections}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def test_every_option_has_its_delta_price_rules_included(anon):
    body = _configure(anon, {**NB14, "accessories": ["sleeve"]})
    options = _options(body)
    assert all(isinstance(o["delta"], str) for o in options.values())
    assert options["os.ubuntu"]["price"] == "0.00"
    assert options["os.ubuntu"]["delta"] == "-50.00"  # the Windows-licence credit
    assert options["cpu.u5"]["delta"] == "0.00"  # selected
    assert options["accessories.sleeve"]["delta"] == "0.00"  # selected, multi-choice
    assert options["accessories.mouse"]["delta"] == "20.00"  # 35.00 - 15.00 travel kit
    assert options["cpu.u7"]["delta"] == "180.00"
    # Excluded: the whole resolution. OLED needs the 72 Wh battery (+60); the RTX 4050
    # needs the Core Ultra 7 (+180) and the 100 W adapter (+35).
    assert options["display.oled"]["state"] == "excluded"
    assert options["display.oled"]["delta"] == "300.00"
    assert options["graphics.rtx4050"]["delta"] == "565.00"


def test_an_available_options_delta_is_the_change_of_the_total(anon):
    body = _configure(anon, NB14)
    total = Decimal(body["price"]["total"])
    for group in body["groups"]:
        for option in group["options"]:
            if option["state"] != "available":
                continue
            picks = [option["code"]]
            if group["max"] > 1:
                picks = [*group["selected"], option["code"]]
            after = _configure(anon, {**NB14, group["code"]: picks})
            change = Decimal(after["price"]["total"]) - total
            assert Decimal(option["delta"]) == change, option["code"]


def test_a_group_cardinality_reason_reads_as_a_sentence(anon):
    """`rule` keeps the contract's `min:group` id; `message` is shop wording, not the
    engine's ("Processor: choose at least 1")."""
    response = anon.post(
        "/api/v1/products/nb16c/configure",
        {"selections": {"graphics": ["rtx4050"], "adapter": ["180w"]}},
        format="json",
    )
    adapter = next(g for g in response.json()["groups"] if g["code"] == "adapter")
    reasons = next(o for o in adapter["options"] if o["code"] == "100w")["reasons"]
    by_rule = {r["rule"]: r["message"] for r in reasons}
    assert by_rule["min:cpu"] == "Processor needs a choice"
    assert by_rule["power"].startswith("Total power draw exceeds the adapter")
