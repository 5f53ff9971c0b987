"""Back office: signatures are read-only; staff download an envelope's evidence file."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from portal.core import audit
from portal.core.admin import AuditedReadMixin, ReadOnlyAdminMixin, readable_details
from portal.core.audit import AuditAction
from portal.signatures.models import (
    ConsentRecord,
    EvidenceEvent,
    OneTimeCode,
    SignatureEnvelope,
    SignedDocument,
)
from portal.signatures.services import evidence_file

EVIDENCE_LABEL = "Télécharger le dossier de preuve"


class SignedDocumentInline(ReadOnlyAdminMixin, admin.TabularInline[SignedDocument, Any]):
    model = SignedDocument
    extra = 0
    fields = readonly_fields = ("position", "name", "kind", "unsigned_sha256", "signed_sha256")


class ConsentInline(ReadOnlyAdminMixin, admin.TabularInline[ConsentRecord, Any]):
    model = ConsentRecord
    extra = 0
    fields = readonly_fields = ("wording", "version", "ticked_at")


class EvidenceEventInline(ReadOnlyAdminMixin, admin.TabularInline[EvidenceEvent, Any]):
    model = EvidenceEvent
    extra = 0
    fields = readonly_fields = (
        "at",
        "kind",
        "phone_masked",
        "ip_address",
        "user_agent",
        "readable_details",
    )

    @admin.display(description="détails")
    def readable_details(self, event: EvidenceEvent) -> str:
        return readable_details(event.details)


def _evidence_response(envelope: SignatureEnvelope, request: HttpRequest) -> HttpResponse:
    response = HttpResponse(evidence_file(envelope), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="preuve-{envelope.pk}.json"'
    # Reading an evidence file reads personal data: logged (rules.md R8.6).
    audit.record(
        AuditAction.SIGNATURE_EVIDENCE_DOWNLOADED,
        by=request.user,
        target=envelope,
        company_id=envelope.membership.employee.company_id,
        request=request,
    )
    return response


@admin.register(SignatureEnvelope)
class SignatureEnvelopeAdmin(
    AuditedReadMixin, ReadOnlyAdminMixin, admin.ModelAdmin[SignatureEnvelope]
):
    audited_shows = ("document",)
    audited_company = "membership__employee__company_id"
    list_display = ["id", "membership", "purpose", "status", "created_at", "signed_at", "evidence"]
    list_filter = ["purpose", "status"]
    search_fields = ["membership__member_number", "membership__employee__last_name"]
    list_select_related = ["membership"]
    fields = readonly_fields = (
        "membership",
        "purpose",
        "status",
        "phone_masked",
        "codes_sent",
        "created_at",
        "created_by",
        "signed_at",
        "abandoned_at",
        "evidence",
    )
    inlines = [SignedDocumentInline, ConsentInline, EvidenceEventInline]
    actions = ["download_evidence"]

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:envelope_id>/preuve/",
            self.admin_site.admin_view(self.evidence_view),
            name="signatures_signatureenvelope_evidence",
        )
        return [download, *super().get_urls()]

    @admin.display(description="Dossier de preuve")
    def evidence(self, envelope: SignatureEnvelope) -> str:
        url = reverse("admin:signatures_signatureenvelope_evidence", args=[envelope.pk])
        return format_html('<a href="{}">{}</a>', url, EVIDENCE_LABEL)

    def evidence_view(self, request: HttpRequest, envelope_id: int) -> HttpResponse:
        envelope = (
            SignatureEnvelope.objects.select_related("membership__employee")
            .filter(pk=envelope_id)
            .first()
        )
        if envelope is None:
            raise Http404
        if not self.has_view_permission(request, envelope):
            raise PermissionDenied
        return _evidence_response(envelope, request)

    @admin.action(description=EVIDENCE_LABEL, permissions=["view"])
    def download_evidence(
        self, request: HttpRequest, queryset: QuerySet[SignatureEnvelope]
    ) -> HttpResponse | None:
        envelopes = list(queryset.select_related("membership__employee")[:2])
        if len(envelopes) != 1:
            self.message_user(
                request, "Sélectionnez un seul dossier de signature.", level=messages.WARNING
            )
            return None
        return _evidence_response(envelopes[0], request)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[OneTimeCode]):
    list_display = ["envelope", "sent_at", "expires_at", "wrong_attempts", "used_at", "revoked_at"]
    list_select_related = ["envelope"]
    # The code's digest and salt stay out of the screens.
    fields = readonly_fields = (
        "envelope",
        "sent_at",
        "expires_at",
        "wrong_attempts",
        "used_at",
        "revoked_at",
    )


@admin.register(EvidenceEvent)
class EvidenceEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[EvidenceEvent]):
    list_display = ["at", "envelope", "kind", "phone_masked", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["envelope"]
    fields = readonly_fields = (
        "envelope",
        "at",
        "kind",
        "phone_masked",
        "ip_address",
        "user_agent",
        "readable_details",
    )

    @admin.display(description="détails")
    def readable_details(self, event: EvidenceEvent) -> str:
        return readable_details(event.details)
