import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from configurator.selectors import version_by_number
from configurator.services import export_catalogue


class Command(BaseCommand):
    help = "Export the catalogue (the draft, or --version N) as atelier-catalogue/1 JSON."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (stdout by default)")
        parser.add_argument(
            "--catalogue-version", type=int, dest="number", help="a published version number"
        )

    def handle(self, *args, output: str | None, number: int | None, **options):
        version = None
        if number is not None:
            version = version_by_number(number)
            if version is None:
                raise CommandError(f"there is no published version {number}")
        text = json.dumps(export_catalogue(version=version), indent=2, ensure_ascii=False) + "\n"
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc}") from exc
        else:
            self.stdout.write(text, ending="")
