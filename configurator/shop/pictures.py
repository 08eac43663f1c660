"""Which picture a product shows for a configuration, as the page's `Picture`.

The rule (docs/catalogue-media.md): in group order, the first group flagged
`changes_picture` whose picked option has an `image` gives the picture (and its
`image_alt`); otherwise the product's own `image`. A name that is a built-in drawing
(`notebook`, `creator`, `tower`) or is not stored gives no picture: the page draws the
product's drawing instead, so nothing is ever a broken link.

Alt text is the catalogue's (`image_alt`), else "<product name>, <option name>" for an
option's picture, else the product's name.

Every option with a stored picture also shows it on demand, in its details
(`option_pictures`, fetched only when the details open: see `static/shop/option_pictures.js`),
and the partner API lists each picture's absolute URLs (`picture_links`).
"""

from __future__ import annotations

from collections.abc import Callable

from atelier.caching import BoundedCache
from configurator.interchange.images import is_file_reference
from configurator.media import StoredPicture, stored_pictures
from configurator.models import CatalogueVersion
from configurator.shop.presentation import Picture, Selections

# Owner: pictures_of. Key (version pk, product code) of a published version, whose names
# never change; bound 256 (as the product documents'). Cleared with every cache by
# atelier.caching.clear_all.
_stored = BoundedCache[tuple[int, str], dict[str, StoredPicture]](name="shop.pictures", maxsize=256)


def _names(doc: dict) -> set[str]:
    names: set[object] = {doc.get("image")}
    for group in doc.get("groups", []):
        names.update(option.get("image") for option in group.get("options", []))
    return {name for name in names if isinstance(name, str) and is_file_reference(name)}


def _stored_of(version: CatalogueVersion, doc: dict) -> dict[str, StoredPicture]:
    return _stored.get_or_set(
        (version.pk, str(doc.get("code"))), lambda: stored_pictures(_names(doc))
    )


# An option's picture sits in its details, inside the group's column: never wider than it.
OPTION_SIZES = "(min-width: 48rem) 20rem, 90vw"


def _picture(stored: StoredPicture, alt: str, sizes: str = Picture.sizes) -> Picture:
    return Picture(
        src=stored.url,
        alt=alt,
        width=stored.width,
        height=stored.height,
        srcset=", ".join(f"{url} {width}w" for url, width in stored.srcset),
        sizes=sizes,
    )


def _option_alt(doc: dict, option: dict) -> str:
    return option.get("image_alt") or f"{doc['name']}, {option['name']}"


def picture_for(*, version: CatalogueVersion, doc: dict, selections: Selections) -> Picture | None:
    """The picture product `doc` shows with `selections` (see the module docstring)."""
    stored = _stored_of(version, doc)
    if not stored:
        return None
    for group in doc.get("groups", []):
        if not group.get("changes_picture"):
            continue
        picks = set(selections.get(group["code"], ()))
        for option in group.get("options", []):
            if option["code"] in picks and option.get("image") in stored:
                return _picture(stored[option["image"]], _option_alt(doc, option))
    if doc.get("image") in stored:
        return _picture(stored[doc["image"]], doc.get("image_alt") or doc["name"])
    return None


def option_pictures(*, version: CatalogueVersion, doc: dict) -> dict[tuple[str, str], Picture]:
    """(group code, option code) → the option's own stored picture, for every option of
    product `doc` that has one (a colour's included: its details preview it unpicked)."""
    stored = _stored_of(version, doc)
    return {
        (group["code"], option["code"]): _picture(
            stored[option["image"]], _option_alt(doc, option), OPTION_SIZES
        )
        for group in doc.get("groups", [])
        for option in group.get("options", [])
        if option.get("image") in stored
    }


def picture_links(*, version: CatalogueVersion, doc: dict, absolute: Callable[[str], str]) -> dict:
    """A copy of product `doc` in which the product and each option carry `picture`: its
    stored picture as the partner API shows it (`url`, `alt`, `width`, `height` and
    `srcset`, the stored widths as [{"url", "width"}], narrowest first, empty for an SVG;
    every URL made absolute by `absolute`), or None when it has none stored (a built-in
    drawing's name, no `image`, or a name not stored)."""
    stored = _stored_of(version, doc)

    def links(name: object, alt: str) -> dict | None:
        if not isinstance(name, str) or name not in stored:
            return None
        picture = stored[name]
        return {
            "url": absolute(picture.url),
            "alt": alt,
            "width": picture.width,
            "height": picture.height,
            "srcset": [{"url": absolute(url), "width": width} for url, width in picture.srcset],
        }

    return {
        **doc,
        "picture": links(doc.get("image"), doc.get("image_alt") or doc["name"]),
        "groups": [
            {
                **group,
                "options": [
                    {**option, "picture": links(option.get("image"), _option_alt(doc, option))}
                    for option in group.get("options", [])
                ],
            }
            for group in doc.get("groups", [])
        ],
    }
