import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from configurator.interchange.validation import CatalogueFormatError, load_catalogue_text
from configurator.services import CatalogueRejected, import_catalogue


class Command(BaseCommand):
    help = "Import an atelier-catalogue/1 JSON file into the draft (and publish it with --publish)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the catalogue JSON file, or - for stdin")
        parser.add_argument("--publish", action="store_true", help="publish the import at once")

    def handle(self, *args, file: str, publish: bool, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        try:
            document = load_catalogue_text(text)
            result = import_catalogue(document=document, publish=publish)
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
