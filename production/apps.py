from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = "Production"

    def ready(self) -> None:
        # Imported here because tasks need the models loaded (Django's start-up hook). The
        # replan writer (services floor) sends the task that lives on the floor above it.
        from production import tasks
        from production.services import replanning

        replanning.register_replan_task(tasks.replan_task)
