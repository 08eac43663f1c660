"""Pictures judged by their bytes (configurator.interchange.images) and read from a folder
or an archive without leaving it (configurator.interchange.bundles). Pure Python."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from configurator.interchange import validate_catalogue
from configurator.interchange.bundles import ArchiveSource, FolderSource, safe_parts
from configurator.interchange.images import (
    ImageRefused,
    check_image,
    image_references,
    renditions,
)
from tests.demo import demo_document
from tests.media import DEMO_MEDIA, SCRIPTED_SVG, png_bytes

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 320"><rect width="4" height="4"/></svg>'


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48)).save(out, format="JPEG")
    return out.getvalue()


def test_every_demo_picture_is_a_safe_svg_and_every_name_resolves():
    document = demo_document()
    assert validate_catalogue(document) == []
    references = image_references(document)
    # each product, each colour, and ten options' own (graphics cards and chips, monitors)
    assert len(references) == 3 + 9 + 10
    folder = FolderSource(DEMO_MEDIA)
    for reference in references:
        assert reference.alt, reference.where
        data = folder.read(reference.path)
        facts = check_image(path=reference.path, data=data, max_bytes=100_000)
        assert facts.content_type == "image/svg+xml" and (facts.width, facts.height) == (480, 320)


@pytest.mark.parametrize(
    ("path", "data", "kind"),
    [("a.svg", SVG, "SVG"), ("a.png", png_bytes(10, 10), "PNG"), ("a.JPG", _jpeg(), "JPEG")],
)
def test_good_pictures_pass(path, data, kind):
    assert check_image(path=path, data=data, max_bytes=1_000_000).format == kind


@pytest.mark.parametrize(
    ("path", "data", "says"),
    [
        ("a.png", b"", "is empty"),
        ("a.png", b"x" * 201, "over the limit of 200 bytes"),
        ("a.png", b"not a picture", "is not a picture"),
        ("a.jpg", png_bytes(5, 5)[:90], "is a PNG picture, not the JPEG"),
        ("a.txt", SVG, "has no picture extension"),
        ("a.svg", SCRIPTED_SVG, "<script> element"),
        (
            "a.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
            "foreignobject",
        ),
        ("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "event handler"),
        (
            "a.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:x()"/></svg>',
            "outside itself",
        ),
        (
            "a.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/p)"/></svg>',
            "style refers outside",
        ),
        (
            "a.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://x.example/c.css";</style></svg>',
            "style refers outside",
        ),
        (
            "a.svg",
            b'<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><svg>&b;</svg>',
            "DTD",
        ),
        ("a.svg", b"<html><body/></html>", "not an SVG"),
        ("a.svg", b"<svg", "not well-formed"),
    ],
)
def test_bad_pictures_are_refused_with_their_path(path, data, says):
    with pytest.raises(ImageRefused) as refused:
        check_image(path=path, data=data, max_bytes=200)
    assert refused.value.path == path and says in str(refused.value)


def test_raster_widths_are_made_below_the_original_only():
    data = png_bytes(700, 350)
    facts = check_image(path="p.png", data=data, max_bytes=10**7)
    made = renditions(data=data, facts=facts)
    assert sorted(made) == [320, 640]
    with Image.open(io.BytesIO(made[320])) as small:
        assert (small.format, small.size) == ("WEBP", (320, 160))
    assert renditions(data=SVG, facts=check_image(path="a.svg", data=SVG, max_bytes=10**4)) == {}


@pytest.mark.parametrize("path", ["", "/etc/passwd", "../x.png", "a/../../x.png", "a\\b.png"])
def test_paths_that_could_leave_the_media_folder_are_not_followed(path, tmp_path):
    (tmp_path / "inside").mkdir()
    (tmp_path / "x.png").write_bytes(png_bytes(2, 2))
    assert safe_parts(path) is None
    assert FolderSource(tmp_path / "inside").size(path) is None


def test_a_symlink_out_of_the_folder_is_missing(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "secret.png").write_bytes(png_bytes(2, 2))
    (tmp_path / "media" / "x.png").symlink_to(tmp_path / "secret.png")
    assert FolderSource(tmp_path / "media").size("x.png") is None


def test_an_archive_member_larger_than_it_says_is_not_read_past_its_size(tmp_path):
    target = tmp_path / "a.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("media/x.png", png_bytes(4, 4))
    with zipfile.ZipFile(target) as archive:
        archive.getinfo("media/x.png").file_size = 10  # a lying header
        source = ArchiveSource(archive, prefix="media/")
        assert source.size("x.png") == 10
        with pytest.raises(OSError):
            source.read("x.png")
