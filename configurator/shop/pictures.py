"""Which picture a product shows for a configuration, as the page's `Picture`.

The rule (docs/catalogue-media.md): in group order, the first group flagged
`changes_picture` whose picked option has an `image` gives the picture (and its
`image_alt`); otherwise the product's own `image`. A name that is a built-in drawing
(`notebook`, `creator`, `tower`) or is not stored gives no picture: the page draws the
product's drawing instead, so nothing is ever a broken link.

Alt text is the catalogue's (`image_alt`), else "<product name>, <option name>" for an
option's picture, else the product's name.
"""

from __future__ import annotations

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


def _picture(stored: StoredPicture, alt: str) -> Picture:
    return Picture(
        src=stored.url,
        alt=alt,
        width=stored.width,
        height=stored.height,
        srcset=", ".join(f"{url} {width}w" for url, width in stored.srcset),
    )


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
                alt = option.get("image_alt") or f"{doc['name']}, {option['name']}"
                return _picture(stored[option["image"]], alt)
    if doc.get("image") in stored:
        return _picture(stored[doc["image"]], doc.get("image_alt") or doc["name"])
    return None
