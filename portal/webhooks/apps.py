from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "portal.webhooks"
    label = "webhooks"
    verbose_name = "Notifications (webhooks)"

    def ready(self) -> None:
        from portal.core import audit
        from portal.webhooks.events import on_audit_event
        from portal.webhooks.messages import register_renderers

        audit.subscribe(on_audit_event)
        register_renderers()
