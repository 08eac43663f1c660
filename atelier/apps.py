from django.apps import AppConfig


class AtelierConfig(AppConfig):
    """The project itself: project-wide management commands (serve)."""

    name = "atelier"
    verbose_name = "Atelier"
