"""`export_catalogue [-o FILE] [--media DIR] [--catalogue-version N]`.

`-o catalogue.json` writes the JSON and every picture it names under `media/` beside
it; `-o catalogue.zip` writes one archive (catalogue.json + media/); without `-o` the
JSON goes to stdout and the pictures to `--media DIR` if given. Exporting then importing
gives the same pictures byte for byte.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from configurator.interchange.bundles import MEDIA_FOLDER, write_archive, write_folder
from configurator.media import read_images
from configurator.selectors import version_by_number
from configurator.services import export_catalogue


class Command(BaseCommand):
    help = (
        "Export the catalogue (the draft, or --catalogue-version N) as atelier-catalogue/1 "
        "JSON with its pictures (a media/ folder beside it, or one .zip)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="file to write: .json (+ media/ beside it) or .zip"
        )
        parser.add_argument("--media", help="folder for the pictures (default: media/ beside -o)")
        parser.add_argument(
            "--catalogue-version", type=int, dest="number", help="a published version number"
        )

    def handle(
        self, *args, output: str | None, number: int | None, media: str | None = None, **options
    ):
        version = None
        if number is not None:
            version = version_by_number(number)
            if version is None:
                raise CommandError(f"there is no published version {number}")
        document = export_catalogue(version=version)
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        files, missing = read_images(document)
        for path in missing:
            self.stderr.write(f"warning: picture '{path}' is named but not stored; not exported")
        try:
            if output and Path(output).suffix.lower() == ".zip":
                write_archive(target=Path(output), catalogue_text=text, files=files)
                return
            if output:
                Path(output).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            folder = (
                Path(media) if media else Path(output).parent / MEDIA_FOLDER if output else None
            )
            if files and folder is not None:
                write_folder(root=folder, files=files)
            elif files:
                self.stderr.write("warning: pictures not written (give -o FILE or --media DIR)")
        except OSError as exc:
            raise CommandError(f"cannot write {output or media}: {exc}") from exc
