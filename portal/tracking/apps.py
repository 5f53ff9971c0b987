from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "portal.tracking"
    label = "tracking"
    verbose_name = "Demandes"

    def ready(self) -> None:
        from portal.tracking.messages import register_renderers

        register_renderers()
