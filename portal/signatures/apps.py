from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "portal.signatures"
    label = "signatures"
    verbose_name = "Signatures électroniques"

    def ready(self) -> None:
        from portal.signatures.effects import register_effect
        from portal.signatures.journey import sign_enrollment
        from portal.signatures.models import Purpose

        register_effect(Purpose.ENROLLMENT, sign_enrollment)
