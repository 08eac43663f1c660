"""Pictures in the partner API: `GET /api/v1/products/` and `/{code}/` give the product's
and each option's stored picture as absolute URLs (with the widths of a raster's smaller
copies, and alt text), null where there is none; the OpenAPI schema says so. The
contract is only extended: `image` (the catalogue's name) stays as it was."""

from __future__ import annotations

import re

import pytest

from atelier import caching
from configurator.interchange.bundles import FolderSource
from configurator.models import MediaAsset
from configurator.services import import_catalogue
from tests.demo import demo_document
from tests.media import demo_bundle, png_bytes, use_media_root

pytestmark = pytest.mark.django_db

ABSOLUTE_SVG = r"^http://testserver/media/catalogue/{}\.[0-9a-f]{{12}}\.svg$"


@pytest.fixture
def with_pictures(settings, tmp_path):
    """The demo published with its pictures, the tower's RTX 4060 a PNG (a raster: stored
    with smaller copies) without alt text; caches cleared before and after, since this
    version rolls back."""
    caching.clear_all()
    use_media_root(settings, tmp_path / "storage")
    document = demo_document()
    tower = next(p for p in document["products"] if p["code"] == "tower")
    graphics = next(g for g in tower["groups"] if g["code"] == "graphics")
    rtx4060 = next(o for o in graphics["options"] if o["code"] == "rtx4060")
    rtx4060["image"] = "photos/rtx4060.png"
    del rtx4060["image_alt"]
    folder = demo_bundle(tmp_path / "in", document).parent / "media"
    (folder / "photos").mkdir()
    (folder / "photos" / "rtx4060.png").write_bytes(png_bytes(900, 600))
    import_catalogue(document=document, publish=True, media_source=FolderSource(folder))
    yield
    caching.clear_all()


def _option(product: dict, group: str, option: str) -> dict:
    found = next(g for g in product["groups"] if g["code"] == group)
    return next(o for o in found["options"] if o["code"] == option)


def test_product_list_gives_each_product_picture_as_absolute_urls(anon, with_pictures):
    products = anon.get("/api/v1/products/").json()
    nb14 = products[0]
    assert nb14["image"] == "products/nb14-platinum.svg"  # the catalogue's name, as before
    picture = nb14["picture"]
    assert re.match(ABSOLUTE_SVG.format("products/nb14-platinum"), picture["url"])
    assert picture["alt"] == "Atelier Notebook 14, a 14-inch notebook, in platinum silver"
    assert (picture["width"], picture["height"]) == (480, 320)
    assert picture["srcset"] == []  # an SVG scales itself
    assert [p["picture"]["url"].split("/")[-1].split(".")[0] for p in products] == [
        "nb14-platinum",
        "nb16c-graphite",
        "tower-black",
    ]


def test_product_detail_gives_each_option_picture_or_null(anon, with_pictures):
    product = anon.get("/api/v1/products/nb14/").json()
    assert re.match(ABSOLUTE_SVG.format("products/nb14-platinum"), product["picture"]["url"])
    gpu = _option(product, "graphics", "rtx4050")["picture"]
    assert re.match(ABSOLUTE_SVG.format("options/gpu-laptop-rtx4050"), gpu["url"])
    assert gpu["alt"] == "The GeForce RTX 4050 Laptop GPU on its board, with three memory chips"
    sage = _option(product, "colour", "sage")["picture"]
    assert sage["alt"] == "Atelier Notebook 14 in sage green"
    assert _option(product, "cpu", "u7")["picture"] is None
    assert _option(product, "graphics", "integrated")["picture"] is None
    # The fields the contract had are all still there.
    assert set(_option(product, "cpu", "u7")) == {
        "code",
        "name",
        "description",
        "price",
        "attributes",
        "specs",
        "picture",
    }
    # Every URL answers with the picture.
    assert anon.get(gpu["url"].removeprefix("http://testserver")).status_code == 200


def test_a_raster_option_lists_its_stored_widths(anon, with_pictures):
    product = anon.get("/api/v1/products/tower/").json()
    picture = _option(product, "graphics", "rtx4060")["picture"]
    asset = MediaAsset.objects.get(path="photos/rtx4060.png")
    assert picture["url"] == f"http://testserver/media/{asset.stored_name}"
    assert (picture["width"], picture["height"]) == (900, 600)
    assert picture["srcset"] == [
        {"url": f"http://testserver/media/{asset.renditions['320']}", "width": 320},
        {"url": f"http://testserver/media/{asset.renditions['640']}", "width": 640},
        {"url": f"http://testserver/media/{asset.stored_name}", "width": 900},
    ]
    # No image_alt in the catalogue: the product's and the option's names.
    assert picture["alt"] == "Atelier Tower, NVIDIA GeForce RTX 4060, 8 GB GDDR6"


def test_pictures_are_null_when_nothing_is_stored(anon):
    """The package's demo is published from the document alone: no picture is stored, so
    every `picture` is null while `image` still names the catalogue's file."""
    caching.clear_all()
    products = anon.get("/api/v1/products/").json()
    assert [p["picture"] for p in products] == [None, None, None]
    assert products[0]["image"] == "products/nb14-platinum.svg"
    product = anon.get("/api/v1/products/tower/").json()
    assert {o["picture"] for g in product["groups"] for o in g["options"]} == {None}


def test_the_schema_describes_pictures_as_nullable_objects(anon):
    response = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schemas = response.json()["components"]["schemas"]
    for name in ("ProductSummary", "Product", "Option"):
        field = schemas[name]["properties"]["picture"]
        assert field.get("nullable") is True or {"type": "null"} in field.get("oneOf", [])
        assert name != "Option" or "picture" not in schemas[name].get("required", [])
    picture = schemas["Picture"]
    assert set(picture["properties"]) == {"url", "alt", "width", "height", "srcset"}
    assert picture["properties"]["url"]["format"] == "uri"
    width = schemas[picture["properties"]["srcset"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(width["properties"]) == {"url", "width"}
