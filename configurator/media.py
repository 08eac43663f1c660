"""The catalogue's pictures in storage: check, store, read back, and find for a page.

Pictures go through Django's storage API (`STORAGES["default"]`: a folder under
var/media for `make run`, a volume in compose, any backend such as S3 by settings), under
content-hashed names (`catalogue/products/nb14.3f2a9c1b0d4e.svg`), so a name never
changes meaning and is served with a year's max-age.

No half import: `stage_images` reads and checks every picture a document names before
anything is written; `store_images` runs last inside the import's transaction and lists
each file it created, so the caller deletes exactly those if the transaction rolls back
(a file another import already stored under the same content is left alone).

A name the document holds that the media source lacks is accepted when that path is
already stored (a re-import of the JSON alone keeps the pictures); otherwise it is
refused as missing. A caller that carries no pictures at all (`source=None`: the
service called with a document only, as tests and the admin's JSON upload do) checks
none; a name that is not stored then shows the product's drawing. `import_catalogue`
(the command) always passes a source, so there a missing file is refused. A path re-imported with other bytes points at the new file; the old
file stays in storage, so pages cached with its URL keep working.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from configurator.interchange.bundles import MediaSource
from configurator.interchange.errors import CatalogueIssue
from configurator.interchange.images import (
    ImageFacts,
    ImageRefused,
    check_image,
    extension_of,
    image_references,
    renditions,
)
from configurator.models import MediaAsset

STORAGE_FOLDER = "catalogue"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class MediaRejected(Exception):
    """One or more pictures are missing, too large or not pictures; nothing was written."""

    def __init__(self, errors: list[CatalogueIssue]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class StagedImage:
    """A checked picture ready to store: its catalogue path, bytes, facts and the
    smaller copies made for `srcset` (width → WebP bytes)."""

    path: str
    data: bytes
    facts: ImageFacts
    smaller: dict[int, bytes]


@dataclass(frozen=True)
class StoredPicture:
    """What a page needs to show a stored picture."""

    url: str
    width: int | None
    height: int | None
    srcset: tuple[tuple[str, int], ...]  # (url, width), narrowest first, original last


def max_bytes() -> int:
    return int(settings.ATELIER_MEDIA_MAX_BYTES)


def stage(*, path: str, data: bytes) -> StagedImage:
    """Check one picture and make its smaller copies (ImageRefused if it is not one)."""
    facts = check_image(path=path, data=data, max_bytes=max_bytes())
    return StagedImage(path, data, facts, renditions(data=data, facts=facts))


def stage_images(*, document: dict, source: MediaSource | None) -> list[StagedImage]:
    """Every picture `document` names, read from `source` and checked; MediaRejected
    naming each bad one by its JSON path and file path. Writes nothing."""
    if source is None:
        return []
    references = image_references(document)
    stored = set(
        MediaAsset.objects.filter(path__in={r.path for r in references}).values_list(
            "path", flat=True
        )
    )
    limit = max_bytes()
    staged: dict[str, StagedImage] = {}
    errors: list[CatalogueIssue] = []
    for reference in references:
        if reference.path in staged:
            continue
        size = source.size(reference.path)
        if size is None:
            if reference.path not in stored:
                where = source.describe(reference.path)
                errors.append(
                    CatalogueIssue(
                        reference.where, f"picture '{reference.path}' is missing ({where})"
                    )
                )
            continue
        if size > limit:
            errors.append(
                CatalogueIssue(
                    reference.where,
                    f"picture '{reference.path}' is {size:,} bytes, over the limit of {limit:,}",
                )
            )
            continue
        try:
            staged[reference.path] = stage(path=reference.path, data=source.read(reference.path))
        except ImageRefused as exc:
            errors.append(CatalogueIssue(reference.where, f"picture {exc}"))
        except OSError as exc:
            errors.append(
                CatalogueIssue(reference.where, f"picture '{reference.path}' unreadable: {exc}")
            )
    if errors:
        raise MediaRejected(errors)
    return list(staged.values())


def _stored_name(path: str, sha256: str, suffix: str = "") -> str:
    stem, _, _ = path.rpartition(".")
    extension = "webp" if suffix else extension_of(path)
    return f"{STORAGE_FOLDER}/{stem}.{sha256[:12]}{suffix}.{extension}"


def _save(name: str, data: bytes, created: list[str]) -> str:
    """Store `data` as `name` unless it is there already; the name it is stored under (a
    backend that will not overwrite may pick another when two imports race: same bytes)."""
    if default_storage.exists(name):  # same hash, same bytes: already there
        return name
    saved = default_storage.save(name, ContentFile(data))
    created.append(saved)
    return saved


def store_images(staged: Iterable[StagedImage], *, created: list[str]) -> list[MediaAsset]:
    """Write each staged picture (and its smaller copies) to storage and upsert its
    MediaAsset row. Call inside the import's transaction; every file created is appended
    to `created` as it is made, so the caller can delete them if the transaction fails."""
    assets = []
    for image in staged:
        sha = image.facts.sha256
        name = _save(_stored_name(image.path, sha), image.data, created)
        smaller = {
            str(width): _save(_stored_name(image.path, sha, f".w{width}"), data, created)
            for width, data in sorted(image.smaller.items())
        }
        asset, _ = MediaAsset.objects.update_or_create(
            path=image.path,
            defaults={
                "stored_name": name,
                "sha256": sha,
                "content_type": image.facts.content_type,
                "size": len(image.data),
                "width": image.facts.width,
                "height": image.facts.height,
                "renditions": smaller,
            },
        )
        assets.append(asset)
    return assets


def upload_path(*, folder: str, filename: str) -> str:
    """A catalogue path for an uploaded file: `folder/filename` with every character the
    catalogue format does not allow in a path replaced by '-' (the extension lowercased)."""
    stem, dot, extension = filename.rpartition(".")
    stem = _UNSAFE.sub("-", stem if dot else filename).strip(".-") or "picture"
    return f"{folder}/{stem}.{extension.lower()}" if dot else f"{folder}/{stem}"


def store_upload(*, path: str, data: bytes) -> MediaAsset:
    """Check and store one uploaded picture under catalogue path `path` (ImageRefused
    if it is not one). Called inside the admin's transaction; if that rolls back, the
    content-hashed files stay unreferenced and harmless."""
    created: list[str] = []
    try:
        (asset,) = store_images([stage(path=path, data=data)], created=created)
    except BaseException:
        delete_created(created)
        raise
    return asset


def delete_created(created: Iterable[str]) -> None:
    """Undo `store_images` after a rollback: delete the files it created."""
    for name in created:
        default_storage.delete(name)


def read_images(document: dict) -> tuple[dict[str, bytes], list[str]]:
    """The original bytes of every picture `document` names (catalogue path → bytes),
    and the paths it names that are not stored (an export reports them)."""
    paths = {reference.path for reference in image_references(document)}
    assets = {a.path: a for a in MediaAsset.objects.filter(path__in=paths)}
    files = {}
    for path in sorted(paths):
        asset = assets.get(path)
        if asset is None:
            continue
        with default_storage.open(asset.stored_name, "rb") as handle:
            files[path] = handle.read()
    return files, sorted(paths - files.keys())


def stored_pictures(paths: Iterable[str]) -> dict[str, StoredPicture]:
    """The stored pictures among `paths`, with their URLs (one query)."""
    found = {}
    for asset in MediaAsset.objects.filter(path__in=set(paths)):
        original = default_storage.url(asset.stored_name)
        srcset = [
            (default_storage.url(name), int(width))
            for width, name in sorted(asset.renditions.items(), key=lambda item: int(item[0]))
        ]
        if asset.width and srcset:
            srcset.append((original, asset.width))
        found[asset.path] = StoredPicture(original, asset.width, asset.height, tuple(srcset))
    return found
