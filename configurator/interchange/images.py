"""Pictures a catalogue names: which fields hold them, and whether a file is a picture.

Pure Python (no Django): the import, the export and the admin upload call it.

A catalogue names a picture by its path relative to the catalogue's media folder
(`products/nb14-sage.svg`), in a product's or an option's `image`. The three built-in
drawing names (`notebook`, `creator`, `tower`) name no file: they pick the drawing the
shop draws itself, as before pictures could be imported.

A file is accepted only for what its bytes are, never for its name:
  * a raster (PNG, JPEG, WebP, GIF) that Pillow opens and `verify()`s, of a format its
    extension says, and at most `MAX_PIXELS`;
  * an SVG that parses as XML with no DTD, no entity, no `<script>`, no `on…` event
    attribute, no `<foreignObject>`, and no reference outside itself (an `href` must be
    a `#fragment`; `url(...)` in styles must be `url(#...)`).
Anything else, an empty file, or one over the size limit is refused with its path.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from PIL import Image, UnidentifiedImageError

BUILT_IN_DRAWINGS = frozenset({"notebook", "creator", "tower"})
RASTER_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP", "gif": "GIF"}
CONTENT_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "SVG": "image/svg+xml",
}
# Widths made for `srcset` from a raster wider than them (the original is the largest).
RENDITION_WIDTHS = (320, 640, 1280)
MAX_PIXELS = 40_000_000
_SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_SVG_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video"}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)
_IMPORT = re.compile(r"@import", re.IGNORECASE)


class ImageRefused(ValueError):
    """`path` is not a picture the catalogue may carry; `message` says why."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class ImageFacts:
    """What a checked picture is: its format, content type, size in pixels (an SVG's from
    its viewBox or width/height, when it says) and the SHA-256 of its bytes."""

    format: str
    content_type: str
    width: int | None
    height: int | None
    sha256: str

    @property
    def is_vector(self) -> bool:
        return self.format == "SVG"


@dataclass(frozen=True)
class ImageReference:
    """One field of a document naming a picture file: where (a JSON path) and which."""

    where: str
    path: str
    alt: str


def is_file_reference(value: object) -> bool:
    """Whether an `image` value names a file (not empty, not a built-in drawing name)."""
    return isinstance(value, str) and bool(value) and value.lower() not in BUILT_IN_DRAWINGS


def image_references(document: dict[str, Any]) -> list[ImageReference]:
    """Every picture file a schema-valid document names, in document order."""
    found: list[ImageReference] = []
    for p, product in enumerate(document.get("products", [])):
        if is_file_reference(product.get("image")):
            found.append(
                ImageReference(
                    f"products[{p}].image", product["image"], product.get("image_alt", "")
                )
            )
        for g, group in enumerate(product.get("groups", [])):
            for o, option in enumerate(group.get("options", [])):
                if is_file_reference(option.get("image")):
                    found.append(
                        ImageReference(
                            f"products[{p}].groups[{g}].options[{o}].image",
                            option["image"],
                            option.get("image_alt", ""),
                        )
                    )
    return found


def extension_of(path: str) -> str:
    return path.rpartition(".")[2].lower() if "." in path else ""


def check_image(*, path: str, data: bytes, max_bytes: int) -> ImageFacts:
    """The facts of `data`, the file at catalogue path `path`, or ImageRefused.

    >>> check_image(path="a.svg", data=b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    ...             max_bytes=100).content_type
    'image/svg+xml'
    """
    if not data:
        raise ImageRefused(path, "is empty")
    if len(data) > max_bytes:
        raise ImageRefused(path, f"is {len(data):,} bytes, over the limit of {max_bytes:,} bytes")
    extension = extension_of(path)
    digest = hashlib.sha256(data).hexdigest()
    if extension == "svg":
        width, height = _check_svg(path, data)
        return ImageFacts("SVG", CONTENT_TYPES["SVG"], width, height, digest)
    expected = RASTER_FORMATS.get(extension)
    if expected is None:
        raise ImageRefused(
            path, "has no picture extension (.png, .jpg, .jpeg, .webp, .gif or .svg)"
        )
    width, height, found = _check_raster(path, data)
    if found != expected:
        raise ImageRefused(path, f"is a {found} picture, not the {expected} its name says")
    return ImageFacts(found, CONTENT_TYPES[found], width, height, digest)


def _check_raster(path: str, data: bytes) -> tuple[int, int, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height, found = image.width, image.height, image.format or ""
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(path, "is not a picture (PNG, JPEG, WebP, GIF or SVG)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused(path, f"is a damaged picture: {exc}") from None
    if found not in CONTENT_TYPES or found == "SVG":
        raise ImageRefused(path, f"is a {found or 'unknown'} file, not PNG, JPEG, WebP or GIF")
    if width * height > MAX_PIXELS:
        raise ImageRefused(path, f"has {width}×{height} pixels, over {MAX_PIXELS:,}")
    return width, height, found


def _check_svg(path: str, data: bytes) -> tuple[int | None, int | None]:
    try:
        root = parse_xml(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ImageRefused(path, f"is an SVG with a DTD or entities, refused: {exc}") from None
    except SyntaxError as exc:  # xml.etree.ElementTree.ParseError
        raise ImageRefused(path, f"is not a picture: not well-formed XML ({exc})") from None
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        raise ImageRefused(path, "is XML but not an SVG picture")
    for element in _walk(root):
        _check_svg_element(path, element)
    return _svg_size(root)


def _walk(root: Element) -> Iterator[Element]:
    yield from root.iter()


def _local(name: str) -> str:
    return name.rpartition("}")[2].lower()


def _check_svg_element(path: str, element: Element) -> None:
    tag = _local(str(element.tag))
    if tag in _FORBIDDEN_SVG_TAGS:
        raise ImageRefused(path, f"is an SVG with a <{tag}> element, refused")
    for name, value in element.attrib.items():
        attribute = _local(name)
        if attribute.startswith("on"):
            raise ImageRefused(path, f"is an SVG with an event handler ({attribute}), refused")
        if attribute == "href" and not value.strip().startswith("#"):
            raise ImageRefused(
                path, f"is an SVG that refers outside itself ({attribute}={value[:60]!r}), refused"
            )
        if attribute == "style" and (_EXTERNAL_URL.search(value) or _IMPORT.search(value)):
            raise ImageRefused(path, "is an SVG whose style refers outside itself, refused")
    if (
        tag == "style"
        and element.text
        and (_EXTERNAL_URL.search(element.text) or _IMPORT.search(element.text))
    ):
        raise ImageRefused(path, "is an SVG whose style refers outside itself, refused")


def _svg_size(root: Element) -> tuple[int | None, int | None]:
    box = root.attrib.get("viewBox", "").replace(",", " ").split()
    try:
        if len(box) == 4:
            return round(float(box[2])), round(float(box[3]))
        return round(float(root.attrib["width"])), round(float(root.attrib["height"]))
    except (KeyError, ValueError):
        return None, None


def renditions(*, data: bytes, facts: ImageFacts) -> dict[int, bytes]:
    """Smaller copies of a checked raster for `srcset`, as WebP, by width: one for each
    of RENDITION_WIDTHS narrower than the original (none for an SVG: it scales itself)."""
    if facts.is_vector or facts.width is None:
        return {}
    made: dict[int, bytes] = {}
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        frame = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image
        for width in RENDITION_WIDTHS:
            if width >= facts.width:
                continue
            height = max(1, round(facts.height * width / facts.width)) if facts.height else width
            out = io.BytesIO()
            frame.resize((width, height), Image.Resampling.LANCZOS).save(
                out, format="WEBP", quality=82, method=4
            )
            made[width] = out.getvalue()
    return made
