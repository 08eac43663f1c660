"""Staff keep the catalogue in admin; others cannot change it."""

import io
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from configurator.models import CatalogueVersion, OptionGroup, Product, Rule
from configurator.services import import_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(demo):
    return import_catalogue(document=demo, publish=True).version


@pytest.fixture
def catalogue_staff(client):
    user = User.objects.create_user("cat", password="pw-123456789", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="configurator"))
    client.force_login(user)
    return client


@pytest.fixture
def other_staff(client):
    user = User.objects.create_user("clerk", password="pw-123456789", is_staff=True)
    client.force_login(user)
    return client


def test_admin_pages_render_for_catalogue_staff(catalogue_staff, published):
    draft_product = Product.objects.filter(version__status="draft").first()
    group = OptionGroup.objects.filter(product=draft_product).first()
    rule = Rule.objects.filter(product=draft_product).first()
    urls = [
        reverse("admin:index"),
        reverse("admin:configurator_catalogueversion_changelist"),
        reverse("admin:configurator_catalogueversion_import"),
        reverse("admin:configurator_catalogueversion_export", args=[published.pk]),
        reverse("admin:configurator_product_changelist") + "?q=notebook",
        reverse("admin:configurator_product_change", args=[draft_product.pk]),
        reverse("admin:configurator_optiongroup_change", args=[group.pk]),
        reverse("admin:configurator_rule_changelist") + "?type__exact=table",
        reverse("admin:configurator_rule_change", args=[rule.pk]),
        reverse("admin:configurator_pricerule_changelist"),
    ]
    for url in urls:
        response = catalogue_staff.get(url)
        assert response.status_code == 200, url


def test_rule_list_reads_as_words(catalogue_staff, published):
    page = catalogue_staff.get(reverse("admin:configurator_rule_changelist")).content.decode()
    assert "if " in page and " then " in page
    assert "never all of" in page


def test_published_products_are_read_only(catalogue_staff, published):
    product = Product.objects.filter(version=published).first()
    url = reverse("admin:configurator_product_change", args=[product.pk])
    page = catalogue_staff.get(url).content.decode()
    assert 'name="_save"' not in page
    response = catalogue_staff.post(url, {"name": "Changed"})
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name != "Changed"


def test_publish_action_freezes_the_draft(catalogue_staff, published):
    before = CatalogueVersion.objects.filter(status="published").count()
    response = catalogue_staff.post(
        reverse("admin:configurator_catalogueversion_changelist"),
        {"action": "publish", "_selected_action": [published.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert CatalogueVersion.objects.filter(status="published").count() == before + 1


def test_import_from_admin_refuses_bad_file_with_paths(catalogue_staff, demo):
    demo["components"][0]["stock"] = -3
    upload = io.BytesIO(json.dumps(demo).encode())
    upload.name = "bad.json"
    products = Product.objects.count()
    response = catalogue_staff.post(
        reverse("admin:configurator_catalogueversion_import"), {"file": upload, "publish": "on"}
    )
    assert response.status_code == 200
    assert "components[0].stock" in response.content.decode()
    assert Product.objects.count() == products


def test_import_from_admin_publishes(catalogue_staff, demo):
    before = CatalogueVersion.objects.filter(status="published").count()
    upload = io.BytesIO(json.dumps(demo).encode())
    upload.name = "demo.json"
    response = catalogue_staff.post(
        reverse("admin:configurator_catalogueversion_import"), {"file": upload, "publish": "on"}
    )
    assert response.status_code == 302
    assert CatalogueVersion.objects.filter(status="published").count() == before + 1


def test_staff_without_catalogue_permission_cannot_change_it(other_staff, published):
    draft_product = Product.objects.filter(version__status="draft").first()
    for url in [
        reverse("admin:configurator_product_change", args=[draft_product.pk]),
        reverse("admin:configurator_catalogueversion_import"),
        reverse("admin:configurator_catalogueversion_export", args=[published.pk]),
    ]:
        assert other_staff.get(url).status_code == 403, url
    response = other_staff.post(
        reverse("admin:configurator_product_change", args=[draft_product.pk]), {"name": "x"}
    )
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, published):
    response = client.get(reverse("admin:configurator_product_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
