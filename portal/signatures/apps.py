from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "portal.signatures"
    label = "signatures"
    verbose_name = "Signatures électroniques"

    def ready(self) -> None:
        from portal.enrollment.journey import dossier_content
        from portal.signatures.contents import register_content
        from portal.signatures.effects import register_effect
        from portal.signatures.journey import dossier_documents, sign_enrollment
        from portal.signatures.models import Purpose

        register_effect(Purpose.ENROLLMENT, sign_enrollment)
        register_content(Purpose.ENROLLMENT, content=dossier_content, documents=dossier_documents)
