from django.apps import AppConfig


class TerminationsConfig(AppConfig):
    name = "portal.terminations"
    verbose_name = "Résiliations"
