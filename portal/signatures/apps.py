from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "portal.signatures"
    label = "signatures"
    verbose_name = "Signatures électroniques"

    def ready(self) -> None:
        from portal.enrollment.journey import dossier_content
        from portal.enrollment.mandates import mandate_change_content, mandate_change_documents
        from portal.signatures.contents import register_content
        from portal.signatures.effects import register_effect
        from portal.signatures.journey import dossier_documents, sign_enrollment
        from portal.signatures.mandates import sign_mandate
        from portal.signatures.models import Purpose

        register_effect(Purpose.ENROLLMENT, sign_enrollment)
        register_content(Purpose.ENROLLMENT, content=dossier_content, documents=dossier_documents)
        register_effect(Purpose.MANDATE, sign_mandate)
        register_content(
            Purpose.MANDATE, content=mandate_change_content, documents=mandate_change_documents
        )
