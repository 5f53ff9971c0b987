from django.apps import AppConfig


class TerminationsConfig(AppConfig):
    name = "portal.terminations"
    verbose_name = "Résiliations"

    def ready(self) -> None:
        from portal.terminations.messages import register_renderers

        register_renderers()
