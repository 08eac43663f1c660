"""The catalogue in the database: import, export, round trip, publish, refusal."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from configurator.models import CatalogueVersion, Option, Product
from configurator.services import (
    CatalogueRejected,
    export_catalogue,
    import_catalogue,
    publish_draft,
)
from production.models import Component, StandardProduct, WorkCentre
from tests.media import DEMO_MEDIA, demo_bundle, use_media_root

pytestmark = pytest.mark.django_db


def test_demo_round_trips_exactly(demo):
    import_catalogue(document=demo)
    first = export_catalogue()
    import_catalogue(document=json.loads(json.dumps(first)))
    second = export_catalogue()
    assert first == second
    assert json.dumps(first, sort_keys=False) == json.dumps(second, sort_keys=False)


def test_export_keeps_every_product_group_option_and_rule(demo):
    import_catalogue(document=demo)
    exported = export_catalogue()
    assert [p["code"] for p in exported["products"]] == [p["code"] for p in demo["products"]]
    for mine, theirs in zip(exported["products"], demo["products"], strict=True):
        assert [g["code"] for g in mine["groups"]] == [g["code"] for g in theirs["groups"]]
        assert [r["id"] for r in mine["rules"]] == [r["id"] for r in theirs["rules"]]
        assert [r["id"] for r in mine["price_rules"]] == [r["id"] for r in theirs["price_rules"]]
        for g_mine, g_theirs in zip(mine["groups"], theirs["groups"], strict=True):
            assert [(o["code"], o["price"], o["bom"]) for o in g_mine["options"]] == [
                (o["code"], o["price"], o["bom"]) for o in g_theirs["options"]
            ]
    assert sorted(c["sku"] for c in exported["components"]) == sorted(
        c["sku"] for c in demo["components"]
    )


def _last_number() -> int:
    last = CatalogueVersion.objects.filter(status="published").order_by("-number").first()
    return last.number if last else 0


def test_import_with_publish_creates_numbered_frozen_version(demo):
    before = _last_number()
    result = import_catalogue(document=demo, publish=True)
    version = result.version
    assert version.status == "published" and version.number == before + 1
    assert version.document["products"][0]["code"] == demo["products"][0]["code"]
    # A fresh draft copies it, so staff can go on editing.
    draft = CatalogueVersion.objects.get(status="draft")
    assert draft.products.count() == version.products.count()


def test_editing_the_draft_never_changes_a_published_version(demo):
    published = import_catalogue(document=demo, publish=True).version
    code = demo["products"][0]["code"]
    frozen_price = published.document["products"][0]["base_price"]
    draft_product = Product.objects.get(version__status="draft", code=code)
    draft_product.base_price = "9999.00"
    draft_product.save()
    published.refresh_from_db()
    assert published.document["products"][0]["base_price"] == frozen_price
    assert Product.objects.get(version=published, code=code).base_price != draft_product.base_price
    second = publish_draft()
    assert second.number == published.number + 1
    assert second.document["products"][0]["base_price"] == "9999.00"
    published.refresh_from_db()
    assert published.document["products"][0]["base_price"] == frozen_price


def test_publish_refuses_a_product_without_any_valid_configuration(demo):
    import_catalogue(document=demo)
    product = demo["products"][0]
    first, second = product["groups"][0], product["groups"][1]
    # Every pick of the first group excludes every pick of the second: nothing is buildable.
    impossible = [
        {
            "id": f"never-{a['code']}-{b['code']}",
            "type": "excludes",
            "all": [f"{first['code']}.{a['code']}", f"{second['code']}.{b['code']}"],
            "message": "impossible",
        }
        for a in first["options"]
        for b in second["options"]
    ]
    product["rules"] = product["rules"] + impossible
    # Standard products of that product are no longer valid either; drop them.
    demo["standard_products"] = [
        s for s in demo["standard_products"] if s["product"] != product["code"]
    ]
    before = CatalogueVersion.objects.filter(status="published").count()
    with pytest.raises(CatalogueRejected) as refused:
        import_catalogue(document=demo, publish=True)
    assert any("no valid configuration" in str(e) for e in refused.value.errors)
    assert CatalogueVersion.objects.filter(status="published").count() == before


def _refused_and_nothing_written(document, expected: str):
    published = CatalogueVersion.objects.filter(status="published").count()
    counts = (
        Product.objects.count(),
        Option.objects.count(),
        Component.objects.count(),
        WorkCentre.objects.count(),
        StandardProduct.objects.count(),
    )
    with pytest.raises(CatalogueRejected) as refused:
        import_catalogue(document=document, publish=True)
    messages = [str(e) for e in refused.value.errors]
    assert any(expected in m for m in messages), messages
    assert counts == (
        Product.objects.count(),
        Option.objects.count(),
        Component.objects.count(),
        WorkCentre.objects.count(),
        StandardProduct.objects.count(),
    )
    assert CatalogueVersion.objects.filter(status="published").count() == published


def _first_rule(doc, kind):
    for p_index, product in enumerate(doc["products"]):
        for r_index, rule in enumerate(product["rules"]):
            if rule["type"] == kind:
                return p_index, r_index, rule
    raise AssertionError(f"demo has no {kind} rule")


def test_unknown_option_in_a_requires_rule_is_refused_with_its_path(demo):
    p, r, rule = _first_rule(demo, "requires")
    group = rule["then"][0].split(".")[0]
    rule["then"].append(f"{group}.nope999")
    at = len(rule["then"]) - 1
    _refused_and_nothing_written(
        demo, f"products[{p}].rules[{r}].then[{at}]: unknown option '{group}.nope999'"
    )


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(format="atelier-catalogue/9"), "format"),
        (lambda d: d["components"][0].update(stock=-1), "components[0].stock"),
        (lambda d: d["products"][0].update(base_price="12.5"), "products[0].base_price"),
        (lambda d: d["products"][0]["groups"][0].update(min=3, max=1), "products[0].groups[0]"),
        (
            lambda d: d["products"][0]["groups"][0]["options"].append(
                dict(d["products"][0]["groups"][0]["options"][0])
            ),
            "products[0].groups[0].options[",
        ),
        (
            lambda d: d["products"][0]["groups"][0]["options"][0]["bom"].update({"NO-SUCH-SKU": 1}),
            "products[0].groups[0].options[0].bom",
        ),
        (
            lambda d: d["products"][0]["route"].append({"work_centre": "NOWHERE", "minutes": 5}),
            "products[0].route[",
        ),
        (
            lambda d: d["standard_products"][0]["selections"].update({"nosuchgroup": ["x"]}),
            "standard_products[0].selections",
        ),
        (lambda d: d["products"].append(dict(d["products"][0])), "products["),
        (lambda d: d.update(surprise=True), "surprise"),
        (
            lambda d: d["products"][0]["price_rules"][0]["when"].append("ghost.option"),
            "products[0].price_rules[0].when[",
        ),
    ],
    ids=[
        "format",
        "negative-stock",
        "money",
        "min-gt-max",
        "duplicate-option",
        "unknown-sku",
        "unknown-work-centre",
        "standard-unknown-group",
        "duplicate-product",
        "unknown-key",
        "price-rule-unknown-literal",
    ],
)
def test_bad_catalogue_is_refused_whole(demo, mutate, expected):
    mutate(demo)
    _refused_and_nothing_written(demo, expected)


def test_table_row_of_wrong_length_is_refused(demo):
    p, r, rule = _first_rule(demo, "table")
    rule["allowed"].append(rule["allowed"][0][:-1])
    _refused_and_nothing_written(
        demo, f"products[{p}].rules[{r}].allowed[{len(rule['allowed']) - 1}]"
    )


def test_command_imports_and_exports(tmp_path, demo, settings):
    use_media_root(settings, tmp_path / "storage")
    source = demo_bundle(tmp_path / "in", demo)  # the JSON and its pictures beside it
    out = io.StringIO()
    call_command("import_catalogue", str(source), "--publish", stdout=out)
    assert f"published as Version {_last_number()}" in out.getvalue()
    target = tmp_path / "export.json"
    call_command("export_catalogue", "-o", str(target))
    exported = json.loads(target.read_text())
    stdout = io.StringIO()
    call_command("export_catalogue", stdout=stdout)
    assert json.loads(stdout.getvalue()) == exported
    assert exported["format"] == "atelier-catalogue/1"


def test_command_imports_from_stdin_given_dash(demo, monkeypatch, settings, tmp_path):
    # `manage.py import_catalogue - < catalogue.json`: BaseCommand has no `stdin`, so
    # reading `self.stdin` failed with an AttributeError before any import.
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(demo)))
    use_media_root(settings, tmp_path / "storage")
    out = io.StringIO()
    call_command("import_catalogue", "-", "--media", str(DEMO_MEDIA), "--publish", stdout=out)
    assert f"published as Version {_last_number()}" in out.getvalue()


def test_command_names_every_error_and_writes_nothing(tmp_path, demo):
    p, r, rule = _first_rule(demo, "requires")
    group = rule["then"][0].split(".")[0]
    rule["then"].append(f"{group}.999w")
    demo["components"][0]["stock"] = -5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(demo))
    products = Product.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("import_catalogue", str(bad), "--publish")
    assert "nothing was imported" in str(refused.value)
    assert "components[0].stock" in str(refused.value)
    assert Product.objects.count() == products


def test_command_refuses_invalid_json_with_its_position(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "atelier-catalogue/1",\n  "currency": }')
    products = Product.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("import_catalogue", str(bad))
    assert "line 2" in str(refused.value)
    assert Product.objects.count() == products
