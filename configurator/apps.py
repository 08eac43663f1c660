from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConfiguratorConfig(AppConfig):
    name = "configurator"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        # Imported here because services needs the models loaded (Django's start-up hook),
        # not to dodge a cycle.
        from configurator import services

        # A deploy runs `migrate`: forms written by an older engine are compiled and stored
        # once here, not by every process on its first click (selectors only read).
        post_migrate.connect(
            lambda sender, **kwargs: services.store_stale_compiled(),
            sender=self,
            weak=False,
            dispatch_uid="configurator.store_stale_compiled",
        )
