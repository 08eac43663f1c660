"""Pictures in the catalogue: import_catalogue reads them from a folder or an archive and
refuses a missing, oversized or non-picture file (or an SVG with a script) by its path,
writing nothing; export_catalogue writes them back byte for byte; staff upload them in
admin; /media/ serves them with cache headers; the page's picture follows the colour."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from atelier import caching
from configurator import media
from configurator.interchange.bundles import FolderSource
from configurator.models import CatalogueVersion, MediaAsset, Option, Product
from configurator.services import CatalogueRejected, import_catalogue
from tests.media import SCRIPTED_SVG, demo_bundle, png_bytes, stored_files, use_media_root

pytestmark = pytest.mark.django_db

# The demo nb14's colour group is its 10th (index 9); graphite is its second option.
GRAPHITE = "products[0].groups[9].options[1].image"
# The bundle's pictures: 9 of products' colours (sage a PNG), 9 options' own drawings.
PICTURES = 18


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    caching.clear_all()
    return use_media_root(settings, tmp_path / "storage")


@pytest.fixture
def bundle(tmp_path, demo) -> Path:
    """The demo with a PNG (a raster, so smaller widths are made) for nb14's sage colour."""
    colour = demo["products"][0]["groups"][9]
    assert colour["code"] == "colour" and colour["options"][2]["code"] == "sage"
    colour["options"][2]["image"] = "photos/nb14-sage.png"
    path = demo_bundle(tmp_path / "in", demo)
    (path.parent / "media" / "photos").mkdir()
    (path.parent / "media" / "photos" / "nb14-sage.png").write_bytes(png_bytes(900, 600))
    (path.parent / "media" / "products" / "nb14-sage.svg").unlink()  # named no more
    return path


def _nothing_written(root: Path) -> None:
    assert stored_files(root) == []
    assert not MediaAsset.objects.exists()
    assert not Product.objects.exists()
    assert not CatalogueVersion.objects.filter(status="published").exists()


def test_import_stores_pictures_and_export_round_trips_them_byte_for_byte(
    media_root, bundle, tmp_path
):
    call_command("import_catalogue", str(bundle), "--publish")
    sources = {
        str(p.relative_to(bundle.parent / "media")): p.read_bytes()
        for p in (bundle.parent / "media").rglob("*")
        if p.is_file()
    }
    assert MediaAsset.objects.count() == len(sources) == PICTURES
    sage = MediaAsset.objects.get(path="photos/nb14-sage.png")
    assert sage.content_type == "image/png" and (sage.width, sage.height) == (900, 600)
    assert sorted(sage.renditions) == ["320", "640"]  # narrower than the 900-px original
    assert all(".w320." in n or ".w640." in n for n in sage.renditions.values())

    out = tmp_path / "out" / "catalogue.json"
    out.parent.mkdir()
    call_command("export_catalogue", "-o", str(out))
    exported = {
        str(p.relative_to(out.parent / "media")): p.read_bytes()
        for p in (out.parent / "media").rglob("*")
        if p.is_file()
    }
    assert exported == sources
    document = json.loads(out.read_text())
    assert document["products"][0]["groups"][9]["changes_picture"] is True
    assert document["products"][0]["image_alt"].startswith("Atelier Notebook 14")

    # The archive form, imported again into a fresh storage: the same bytes once more.
    archive = tmp_path / "out" / "catalogue.zip"
    call_command("export_catalogue", "-o", str(archive))
    with zipfile.ZipFile(archive) as z:
        assert json.loads(z.read("catalogue.json")) == document
        assert {
            n.removeprefix("media/"): z.read(n) for n in z.namelist() if n != "catalogue.json"
        } == sources


def test_archive_import_into_empty_storage_round_trips(media_root, bundle, tmp_path, settings):
    call_command("import_catalogue", str(bundle))
    archive = tmp_path / "catalogue.zip"
    call_command("export_catalogue", "-o", str(archive))
    MediaAsset.objects.all().delete()
    fresh = use_media_root(settings, tmp_path / "fresh")
    call_command("import_catalogue", str(archive), "--publish")
    assert len(stored_files(fresh)) == PICTURES + 2  # the pictures and the PNG's two widths
    files, missing = media.read_images(json.loads(zipfile.ZipFile(archive).read("catalogue.json")))
    assert missing == []
    with zipfile.ZipFile(archive) as z:
        assert all(files[path] == z.read(f"media/{path}") for path in files)


def _refused(bundle: Path, *args: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("import_catalogue", str(bundle), "--publish", *args)
    message = str(refused.value)
    assert "nothing was imported" in message
    return message


def test_missing_picture_is_refused_with_its_path_and_nothing_is_written(media_root, bundle):
    (bundle.parent / "media" / "products" / "nb14-graphite.svg").unlink()
    message = _refused(bundle)
    assert f"{GRAPHITE}: picture 'products/nb14-graphite.svg' is missing" in message
    assert str(bundle.parent / "media" / "products" / "nb14-graphite.svg") in message
    _nothing_written(media_root)


def test_oversized_picture_is_refused_with_its_path(media_root, bundle, settings):
    settings.ATELIER_MEDIA_MAX_BYTES = 50_000  # the PNG is larger; the SVGs are not
    assert (bundle.parent / "media" / "photos" / "nb14-sage.png").stat().st_size < 50_000
    (bundle.parent / "media" / "photos" / "nb14-sage.png").write_bytes(png_bytes(3000, 3000) * 3)
    message = _refused(bundle)
    assert "products[0].groups[9].options[2].image: picture 'photos/nb14-sage.png' is" in message
    assert "over the limit of 50,000" in message
    _nothing_written(media_root)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("photos/nb14-sage.png", b"just some text, not a picture", "is not a picture"),
        ("photos/nb14-sage.png", png_bytes()[:200], "damaged"),
        ("products/nb14-graphite.svg", SCRIPTED_SVG, "<script> element"),
        (
            "products/nb14-graphite.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="x()"/></svg>',
            "event handler",
        ),
        (
            "products/nb14-graphite.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&e;</svg>',
            "DTD",
        ),
        (
            "products/nb14-graphite.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.example/a.png"/></svg>',
            "refers outside itself",
        ),
    ],
)
def test_non_picture_is_refused_by_its_content(media_root, bundle, name, content, says):
    (bundle.parent / "media" / name).write_bytes(content)
    message = _refused(bundle)
    assert f"picture {name}: " in message and says in message
    _nothing_written(media_root)


def test_a_png_named_svg_is_judged_by_its_content(media_root, bundle):
    (bundle.parent / "media" / "products" / "nb14-graphite.svg").write_bytes(png_bytes())
    assert "not well-formed XML" in _refused(bundle)
    _nothing_written(media_root)


def test_a_path_leaving_the_media_folder_is_refused_by_the_schema(media_root, bundle, demo):
    demo["products"][0]["image"] = "../secrets.png"
    bundle.write_text(json.dumps(demo))
    message = _refused(bundle)
    assert "products[0].image:" in message and "no '..'" in message
    _nothing_written(media_root)


def test_storage_failing_midway_leaves_no_file_and_no_row(media_root, bundle, monkeypatch):
    real = media._save
    calls = []

    def flaky(name, data, created):
        calls.append(name)
        if len(calls) == 4:
            raise OSError("disk full")
        return real(name, data, created)

    monkeypatch.setattr(media, "_save", flaky)
    with pytest.raises(CatalogueRejected, match="storing the pictures failed: disk full"):
        import_catalogue(
            document=json.loads(bundle.read_text()),
            publish=True,
            media_source=FolderSource(bundle.parent / "media"),
        )
    assert len(calls) == 4
    _nothing_written(media_root)


def test_json_only_reimport_keeps_stored_pictures(media_root, bundle, tmp_path):
    call_command("import_catalogue", str(bundle))
    alone = tmp_path / "alone" / "catalogue.json"
    alone.parent.mkdir()
    alone.write_text(bundle.read_text())
    call_command("import_catalogue", str(alone), "--publish")  # no media/ beside it
    assert MediaAsset.objects.count() == PICTURES


# --- Admin upload --------------------------------------------------------------------


@pytest.fixture
def staff(client):
    user = User.objects.create_user("cat", password="pw-123456789", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="configurator"))
    client.force_login(user)
    return client


def _product_form(product: Product, **extra) -> dict:
    return {
        "version": product.version_id,
        "code": product.code,
        "name": product.name,
        "description": product.description,
        "image": product.image,
        "image_alt": "Front view",
        "base_price": str(product.base_price),
        "position": product.position,
        **{
            f"{prefix}-{f}": v
            for prefix in ("route", "groups", "rules", "price_rules", "starting_points")
            for f, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
        **extra,
    }


def test_staff_upload_a_product_picture_in_admin(media_root, staff, demo):
    import_catalogue(document=demo)
    product = Product.objects.get(version__status="draft", code="nb14")
    url = reverse("admin:configurator_product_change", args=[product.pk])
    data = png_bytes(700, 500)
    response = staff.post(
        url, _product_form(product, upload_image=SimpleUploadedFile("Front View!.PNG", data))
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert product.image == "products/nb14/Front-View.png" and product.image_alt == "Front view"
    asset = MediaAsset.objects.get(path=product.image)
    assert media.read_images({"products": [{"image": product.image, "groups": []}]})[0] == {
        product.image: data
    }
    assert sorted(asset.renditions) == ["320", "640"]


def test_admin_refuses_a_non_picture_upload_and_stores_nothing(media_root, staff, demo):
    import_catalogue(document=demo)
    product = Product.objects.get(version__status="draft", code="nb14")
    before = product.image
    response = staff.post(
        reverse("admin:configurator_product_change", args=[product.pk]),
        _product_form(product, upload_image=SimpleUploadedFile("evil.svg", SCRIPTED_SVG)),
    )
    assert response.status_code == 200
    assert "evil.svg: is an SVG with a &lt;script&gt; element, refused" in response.content.decode()
    product.refresh_from_db()
    assert product.image == before and stored_files(media_root) == []


def test_staff_upload_an_option_picture_in_admin(media_root, staff, demo):
    import_catalogue(document=demo)
    option = Option.objects.get(
        group__product__version__status="draft", group__product__code="nb14", code="rtx4050"
    )
    response = staff.post(
        reverse("admin:configurator_option_change", args=[option.pk]),
        {
            "group": option.group_id,
            "code": option.code,
            "name": option.name,
            "description": option.description,
            "image": "",
            "image_alt": "The RTX 4050 card",
            "price": str(option.price),
            "bom": json.dumps(option.bom),
            "attributes": json.dumps(option.attributes),
            "extra_minutes": json.dumps(option.extra_minutes),
            "position": option.position,
            "upload_image": SimpleUploadedFile(
                "gpu.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"/>'
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    option.refresh_from_db()
    assert option.image == "options/nb14/graphics/gpu.svg"
    assert MediaAsset.objects.get(path=option.image).content_type == "image/svg+xml"


# --- Serving and the page ------------------------------------------------------------


@pytest.fixture
def published_with_pictures(media_root, bundle):
    call_command("import_catalogue", str(bundle), "--publish")


def test_media_url_answers_with_content_type_and_cache_headers(client, published_with_pictures):
    asset = MediaAsset.objects.get(path="products/nb14-platinum.svg")
    url = "/media/" + asset.stored_name
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{asset.sha256[:12]}"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert (
        b"".join(response.streaming_content)
        == (
            Path(media.__file__).parent / "demo" / "media" / "products" / "nb14-platinum.svg"
        ).read_bytes()
    )
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    png = MediaAsset.objects.get(path="photos/nb14-sage.png")
    small = client.get("/media/" + png.renditions["320"])
    assert small.status_code == 200 and small["Content-Type"] == "image/webp"
    assert client.get("/media/catalogue/../../atelier.sqlite3").status_code == 404
    assert client.get("/media/catalogue/nothing.abcdefabcdef.svg").status_code == 404


def test_picture_follows_the_colour_on_the_page_and_in_the_update(client, published_with_pictures):
    html = client.get("/p/nb14/").content.decode()
    platinum = MediaAsset.objects.get(path="products/nb14-platinum.svg").stored_name
    assert f'src="/media/{platinum}"' in html
    assert 'alt="Atelier Notebook 14 in platinum silver"' in html
    # Sage is a PNG: the picture offers its widths in srcset.
    response = client.post("/p/nb14/", {"g-colour": "sage", "action": "update"})
    sage = MediaAsset.objects.get(path="photos/nb14-sage.png")
    page = response.content.decode()
    assert f'src="/media/{sage.stored_name}"' in page
    assert (
        f"/media/{sage.renditions['320']} 320w" in page
        and f"/media/{sage.stored_name} 900w" in page
    )
    fragment = client.post(
        "/p/nb14/update/", {"g-colour": "graphite"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    graphite = MediaAsset.objects.get(path="products/nb14-graphite.svg").stored_name
    # The summary's picture inside the configurator, the header's swapped out of band.
    assert 'id="product-picture"' in fragment
    assert 'id="header-picture" class="product-art" hx-ext="morph" hx-swap-oob="morph"' in fragment
    assert fragment.count(f'src="/media/{graphite}"') == 2
    listing = client.get("/").content.decode()
    assert listing.count('class="picture-img"') == 3


def _picture_address(html: str, group: str, option: str) -> str:
    match = re.search(rf'id="opt-{group}-{option}-details" data-picture="([^"]+)"', html)
    assert match, f"no data-picture on {group}.{option}'s details"
    return match.group(1)


def test_an_option_picture_is_fetched_when_its_details_open_not_carried_by_the_page(
    client, published_with_pictures
):
    version = CatalogueVersion.objects.get(status="published").number
    card = MediaAsset.objects.get(path="options/gpu-rtx4060.svg").stored_name
    html = client.get("/p/tower/").content.decode()
    # The page holds the picture's address only: no <img>, nothing downloaded unopened.
    address = _picture_address(html, "graphics", "rtx4060")
    assert address == f"/p/tower/pictures/graphics/rtx4060/?v={version}"
    assert card not in html
    assert 'id="opt-cpu-u7-details" data-picture' not in html  # no picture, no address

    fragment = client.get(address)
    assert fragment.status_code == 200
    assert fragment["Cache-Control"] == "public, max-age=3600"
    assert (
        fragment.content.decode()
        .strip()
        .endswith(
            f'<figure class="option-picture"><img src="/media/{card}" width="480" height="320"'
            ' alt="A GeForce RTX 4060 graphics card with two fans" decoding="async"></figure>'
        )
    )
    assert client.get(f"/media/{card}").status_code == 200

    # A click's out-of-band update swaps the graphics group, and carries no picture either.
    update = client.post(
        "/p/tower/update/",
        {"g-graphics": "rtx4070", "shown": "", "order": ""},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'id="slot-graphics"' in update
    assert _picture_address(update, "graphics", "rtx4060") == address
    stored = MediaAsset.objects.filter(path__startswith="options/").values_list(
        "stored_name", flat=True
    )
    assert stored and not any(name in update for name in stored)


def test_a_raster_option_picture_offers_its_widths(client, published_with_pictures):
    """The bundle's sage colour is a PNG: its details (a preview before it is picked)
    offer the smaller copies in srcset, with sizes for the details' column."""
    sage = MediaAsset.objects.get(path="photos/nb14-sage.png")
    html = client.get("/p/nb14/").content.decode()
    fragment = client.get(_picture_address(html, "colour", "sage")).content.decode()
    assert f'src="/media/{sage.stored_name}"' in fragment
    assert f'srcset="/media/{sage.renditions["320"]} 320w, ' in fragment
    assert f'/media/{sage.stored_name} 900w"' in fragment
    assert 'sizes="(min-width: 48rem) 20rem, 90vw"' in fragment
    assert 'alt="Atelier Notebook 14 in sage green"' in fragment


@pytest.mark.parametrize(
    "address",
    [
        "/p/tower/pictures/cpu/u7/",  # an option without a picture
        "/p/tower/pictures/graphics/nothing/",
        "/p/nothing/pictures/graphics/rtx4060/",
        "/p/tower/pictures/graphics/rtx4060/?v=999",  # no such published version
        "/p/tower/pictures/graphics/rtx4060/?v=abc",
        "/p/tower/pictures/graphics/rtx4060/?v=99999999999999999999",  # no overflow, no 500
        "/p/tower/pictures/graphics/rtx4060/?v=%C2%B2",  # a digit to str.isdigit, not to int
    ],
)
def test_an_unknown_option_picture_is_a_404(client, published_with_pictures, address):
    assert client.get(address).status_code == 404


def test_the_option_picture_address_is_read_only(client, published_with_pictures):
    assert client.post("/p/tower/pictures/graphics/rtx4060/").status_code == 405


def test_the_printable_spec_sheet_shows_the_picked_options_pictures(
    client, published_with_pictures
):
    monitor = MediaAsset.objects.get(path="options/monitor-27.svg").stored_name
    tower = MediaAsset.objects.get(path="products/tower-black.svg").stored_name
    html = client.get("/p/tower/specs/", {"g-display": "27qhd", "g-colour": "black"}).content
    page = html.decode()
    assert (
        f'<img class="spec-pick-img" src="/media/{monitor}" width="480" height="320"'
        ' alt="A 27-inch monitor on its stand" loading="lazy" decoding="async">' in page
    )
    assert f'class="spec-print-picture" src="/media/{tower}"' in page
    card = MediaAsset.objects.get(path="options/gpu-rtx4060.svg").stored_name
    assert card not in page  # not picked


def test_admin_exports_a_zip_and_imports_it_back_with_its_pictures(
    media_root, staff, published_with_pictures, settings, tmp_path
):
    draft = CatalogueVersion.objects.get(status="draft")
    url = reverse("admin:configurator_catalogueversion_export", args=[draft.pk])
    response = staff.get(url + "?format=zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert len([n for n in archive.namelist() if n.startswith("media/")]) == PICTURES
    MediaAsset.objects.all().delete()
    fresh = use_media_root(settings, tmp_path / "fresh")
    imported = staff.post(
        reverse("admin:configurator_catalogueversion_import"),
        {"file": SimpleUploadedFile("catalogue.zip", response.content), "publish": "on"},
    )
    assert imported.status_code == 302
    assert MediaAsset.objects.count() == PICTURES and len(stored_files(fresh)) == PICTURES + 2
