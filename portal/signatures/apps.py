from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "portal.signatures"
    label = "signatures"
    verbose_name = "Signatures électroniques"
