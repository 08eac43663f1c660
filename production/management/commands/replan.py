"""`python manage.py replan`: re-place the not-started build-to-order work now, in this
process, with a progress bar; every promise is kept. Recorded as a ReplanRun like the
admin's, so staff see it in the history."""

from django.core.management.base import BaseCommand

from production import services
from production.models import ReplanRun

BAR_WIDTH = 40


class Command(BaseCommand):
    help = "Re-place not-started build-to-order work to cut lateness, keeping every promise."

    def handle(self, *args, **options):
        run = ReplanRun.objects.create(requested_by="manage.py replan")
        run = services.run_replan(run_id=run.pk, on_progress=self._bar)
        self.stdout.write("")
        if run.status != ReplanRun.Status.DONE:
            self.stderr.write(self.style.ERROR(f"Replan {run.pk} {run.status}: {run.message}"))
            raise SystemExit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Replan {run.pk}: {run.message} Total tardiness {run.total_tardiness} days, "
                f"worst lateness {run.max_lateness} days."
            )
        )

    def _bar(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else 0
        percent = 100 * done // total if total else 0
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {done}/{total}",
            ending="",
        )
        self.stdout.flush()
