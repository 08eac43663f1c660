"""Make a fresh database usable for trying Atelier out: with ATELIER_DEMO=1 (`make run`
sets it), the demo catalogue published and a staff login printed.

Without ATELIER_DEMO it changes nothing: production (docker-compose.yml) never loads
demo data nor sets a password. There the catalogue is imported by staff
(`import_catalogue FILE --publish`) and the first staff user made with `createsuperuser`.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from configurator.models import CatalogueVersion

DEMO = Path(__file__).resolve().parents[2] / "demo" / "catalogue.json"
NOT_DEMO = (
    "ATELIER_DEMO is not set: no demo data loaded, no account touched.\n"
    "Publish a catalogue:   python manage.py import_catalogue FILE --publish\n"
    "First staff user:      python manage.py createsuperuser"
)


class Command(BaseCommand):
    help = (
        "With ATELIER_DEMO=1: load the demo catalogue (if nothing is published) and "
        "create the demo staff account. Without it: nothing (production)."
    )

    def handle(self, *args, **options):
        if not settings.ATELIER_DEMO:
            self.stdout.write(NOT_DEMO)
            return
        if not CatalogueVersion.objects.filter(status="published").exists():
            call_command("import_catalogue", str(DEMO), publish=True, stdout=self.stdout)
        password_file = Path(settings.VAR_DIR) / "admin-password.txt"
        User = get_user_model()
        user = User.objects.filter(username="admin").first()
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            user = user or User(username="admin", email="admin@atelier.example")
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        self.stdout.write(f"Staff login: admin / {password_file.read_text().strip()}")
