from django.apps import AppConfig


class AtelierConfig(AppConfig):
    """The project itself: project-wide management commands (serve)."""

    name = "atelier"
    verbose_name = "Atelier"

    def ready(self) -> None:
        # Registers the schema extension of strict request bodies (drf-spectacular finds
        # extensions by subclass, so the module must be imported once).
        from atelier import serializers  # noqa: F401
