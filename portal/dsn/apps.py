from django.apps import AppConfig


class DsnConfig(AppConfig):
    name = "portal.dsn"
    label = "dsn"
    verbose_name = "Flux DSN"
