"""Specs and starting points in the database: import and export round-trip them exactly,
the engine refuses a starting point that breaks a rule (its path and the rule named,
nothing written), publishing checks them again, and staff edit them in admin where a
starting point that is not a complete valid configuration is a form error."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from configurator.interchange import canonical
from configurator.models import CatalogueVersion, Product, Rule, StartingPoint
from configurator.services import (
    CatalogueRejected,
    export_catalogue,
    import_catalogue,
    publish_draft,
)

pytestmark = pytest.mark.django_db

GRAPHICS = 2  # demo nb14's "Light graphics" starting point: RTX 4050 with the 100 W adapter


@pytest.fixture
def staff(client):
    user = User.objects.create_user("cat", password="pw-123456789", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="configurator"))
    client.force_login(user)
    return client


def _draft_nb14() -> Product:
    return Product.objects.get(version__status="draft", code="nb14")


def test_export_gives_back_the_specs_and_starting_points_imported(demo):
    import_catalogue(document=demo)
    exported = export_catalogue()
    assert exported == canonical(demo)
    nb14 = exported["products"][0]
    assert list(nb14["specs"])[:2] == list(demo["products"][0]["specs"])[:2]
    assert [s["code"] for s in nb14["starting_points"]] == ["everyday", "travel-pro", "graphics"]
    # The order of a spec sheet survives the database (jsonb sorts object keys).
    option = nb14["groups"][0]["options"][0]
    assert list(option["specs"]) == [
        "Processor",
        "Cores / threads",
        "Max boost",
        "Cache",
        "AI engine",
    ]
    again = json.loads(json.dumps(exported))
    import_catalogue(document=again)
    assert json.dumps(export_catalogue()) == json.dumps(exported)


def test_published_version_keeps_its_starting_points_when_the_draft_changes(demo):
    version = import_catalogue(document=demo, publish=True).version
    _draft_nb14().starting_points.filter(code="everyday").delete()
    frozen = export_catalogue(version=version)["products"][0]["starting_points"]
    assert [s["code"] for s in frozen] == ["everyday", "travel-pro", "graphics"]
    assert [s["code"] for s in version.document["products"][0]["starting_points"]] == [
        "everyday",
        "travel-pro",
        "graphics",
    ]


def test_starting_point_breaking_a_rule_is_refused_with_its_path_and_nothing_written(demo):
    demo["products"][0]["starting_points"][GRAPHICS]["selections"]["adapter"] = ["65w"]
    with pytest.raises(CatalogueRejected) as refused:
        import_catalogue(document=demo, publish=True)
    assert [str(e) for e in refused.value.errors] == [
        "products[0].starting_points[2].selections: starting point 'graphics' is not a "
        "complete valid configuration of 'nb14': breaks rule 'gpu-adapter': The RTX 4050 "
        "needs the 100 W adapter"
    ]
    assert not Product.objects.exists() and not StartingPoint.objects.exists()
    assert not CatalogueVersion.objects.filter(status="published").exists()


def test_publishing_refuses_a_starting_point_a_later_rule_edit_broke(demo):
    import_catalogue(document=demo)
    rule = Rule.objects.get(product=_draft_nb14(), rule_id="oled-battery")
    rule.definition = {"all": ["display.oled", "battery.72wh"]}
    rule.save()
    with pytest.raises(CatalogueRejected) as refused:
        publish_draft()
    messages = [str(e) for e in refused.value.errors]
    assert any(
        m.startswith("products[0].starting_points[1].selections: starting point 'travel-pro'")
        and "breaks rule 'oled-battery'" in m
        for m in messages
    ), messages
    assert not CatalogueVersion.objects.filter(status="published").exists()


def _admin_form(product: Product, **fields) -> dict:
    data = {
        "product": product.pk,
        "position": 9,
        "code": "quiet",
        "name": "Quiet office",
        "description": "",
        "selections": json.dumps(fields.pop("selections")),
    }
    data.update(fields)
    return data


def test_staff_add_a_valid_starting_point_in_admin(staff, demo):
    import_catalogue(document=demo)
    product = _draft_nb14()
    selections = {**demo["products"][0]["starting_points"][0]["selections"], "os": ["ubuntu"]}
    url = reverse("admin:configurator_startingpoint_add")
    response = staff.post(url, _admin_form(product, selections=selections))
    assert response.status_code == 302, response.content.decode()[-2000:]
    start = StartingPoint.objects.get(product=product, code="quiet")
    assert start.selections["os"] == ["ubuntu"]
    version = publish_draft()
    codes = [s["code"] for s in version.document["products"][0]["starting_points"]]
    assert codes == ["everyday", "travel-pro", "graphics", "quiet"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"adapter": ["65w"]},
            "Not a complete valid configuration of &#x27;nb14&#x27;: breaks rule "
            "&#x27;gpu-adapter&#x27;: The RTX 4050 needs the 100 W adapter",
        ),
        ({"cpu": ["x9"]}, "cpu[0]: unknown option &#x27;cpu.x9&#x27;"),
        ({"os": []}, "os: 0 option(s) picked in group &#x27;os&#x27;, which takes exactly 1"),
        ({"cpu": "u7"}, "Selections must be an object of group code → list of option codes"),
    ],
    ids=["breaks-rule", "unknown-option", "group-short", "not-a-list"],
)
def test_admin_refuses_a_starting_point_that_is_not_a_complete_valid_configuration(
    staff, demo, change, message
):
    import_catalogue(document=demo)
    product = _draft_nb14()
    selections = {**demo["products"][0]["starting_points"][GRAPHICS]["selections"], **change}
    url = reverse("admin:configurator_startingpoint_add")
    response = staff.post(url, _admin_form(product, selections=selections))
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html and message in html, html[html.find("errorlist") - 200 :][:1500]
    assert not StartingPoint.objects.filter(code="quiet").exists()


def test_product_admin_lists_its_starting_points_inline(staff, demo):
    import_catalogue(document=demo)
    product = _draft_nb14()
    url = reverse("admin:configurator_product_change", args=[product.pk])
    page = staff.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="starting_points-TOTAL_FORMS" value="3"' in html
    assert 'value="travel-pro"' in html


def test_published_starting_points_are_read_only_in_admin(staff, demo):
    version = import_catalogue(document=demo, publish=True).version
    start = StartingPoint.objects.filter(product__version=version).first()
    url = reverse("admin:configurator_startingpoint_change", args=[start.pk])
    response = staff.post(url, {"name": "Changed"})
    assert response.status_code == 403
    assert StartingPoint.objects.get(pk=start.pk).name != "Changed"
