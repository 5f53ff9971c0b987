from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "portal.tracking"
    label = "tracking"
    verbose_name = "Demandes"
