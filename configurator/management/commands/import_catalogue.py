"""`import_catalogue FILE [--media PATH] [--publish]`.

FILE is the catalogue JSON (or `-` for stdin), or an export archive (.zip holding
catalogue.json and media/). Pictures are read from `--media` (a folder, or a .zip of
pictures), by default from the `media/` folder beside the JSON file. A missing, oversized
or non-picture file is refused with its path, and then nothing is imported.
"""

import sys
import zipfile
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from configurator.interchange.bundles import (
    CATALOGUE_NAME,
    MEDIA_FOLDER,
    ArchiveSource,
    FolderSource,
    MediaSource,
    NoMedia,
    archive_prefix,
)
from configurator.interchange.validation import CatalogueFormatError, load_catalogue_text
from configurator.services import CatalogueRejected, import_catalogue


def _open_archive(path: Path, stack: ExitStack) -> zipfile.ZipFile:
    try:
        return stack.enter_context(zipfile.ZipFile(path))
    except (OSError, zipfile.BadZipFile) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc


def _media_source(media: str | None, beside: Path | None, stack: ExitStack) -> MediaSource:
    if media is not None:
        path = Path(media)
        if path.is_dir():
            return FolderSource(path)
        if path.is_file() and zipfile.is_zipfile(path):
            archive = _open_archive(path, stack)
            return ArchiveSource(archive, prefix=archive_prefix(archive), label=str(path))
        raise CommandError(f"--media {media}: not a folder or a .zip archive")
    if beside is not None and (beside / MEDIA_FOLDER).is_dir():
        return FolderSource(beside / MEDIA_FOLDER)
    # No folder: a picture the catalogue names must already be stored, else it is refused.
    return NoMedia(str(beside / MEDIA_FOLDER) if beside else "(no --media given)")


class Command(BaseCommand):
    help = (
        "Import an atelier-catalogue/1 JSON file (or an export .zip) into the draft, with "
        "its pictures; publish it with --publish."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="the catalogue JSON file, - for stdin, or an export .zip archive"
        )
        parser.add_argument(
            "--media",
            help="folder or .zip of the pictures the catalogue names "
            "(default: the media/ folder beside the JSON file)",
        )
        parser.add_argument("--publish", action="store_true", help="publish the import at once")

    def handle(self, *args, file: str, publish: bool, media: str | None = None, **options):
        with ExitStack() as stack:
            source: MediaSource
            if file != "-" and Path(file).suffix.lower() == ".zip":
                archive = _open_archive(Path(file), stack)
                try:
                    text = archive.read(CATALOGUE_NAME).decode("utf-8")
                except (KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
                    raise CommandError(f"cannot read {CATALOGUE_NAME} in {file}: {exc}") from exc
                source = (
                    _media_source(media, None, stack)
                    if media
                    else ArchiveSource(archive, prefix=f"{MEDIA_FOLDER}/", label=file)
                )
            else:
                try:
                    text = (
                        sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
                    )
                except (OSError, UnicodeDecodeError) as exc:
                    raise CommandError(f"cannot read {file}: {exc}") from exc
                beside = None if file == "-" else Path(file).resolve().parent
                source = _media_source(media, beside, stack)
            try:
                document = load_catalogue_text(text)
                result = import_catalogue(document=document, publish=publish, media_source=source)
            except (CatalogueFormatError, CatalogueRejected) as exc:
                lines = "\n".join(f"  {error}" for error in exc.errors)
                raise CommandError(
                    f"{file} was refused ({len(exc.errors)} error(s)); nothing was imported:\n{lines}"
                ) from exc
        where = f"published as {result.version}" if publish else "imported into the draft"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.products} products and {result.components} components {where}."
            )
        )
