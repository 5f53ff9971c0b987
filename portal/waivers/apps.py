from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "portal.waivers"
    label = "waivers"
    verbose_name = "Dispenses d'adhésion"

    def ready(self) -> None:
        from portal.waivers.messages import register_renderers

        register_renderers()
        from portal.signatures.contents import register_content
        from portal.signatures.effects import register_effect
        from portal.signatures.models import Purpose
        from portal.waivers.services import (
            record_signed_waiver,
            request_content,
            request_documents,
        )

        register_effect(Purpose.WAIVER, record_signed_waiver)
        register_content(Purpose.WAIVER, content=request_content, documents=request_documents)
