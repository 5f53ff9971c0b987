"""Back office: waivers are read, searched and their documents downloaded; never edited here."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from portal.core import audit
from portal.core.admin import AuditedReadMixin
from portal.core.audit import AuditAction
from portal.waivers.models import Waiver

# Document kind in the URL → (file field, link label).
DOCUMENTS = {
    "justificatif": ("proof", "Justificatif"),
    "demande": ("request_pdf", "Demande écrite (PDF)"),
    "demande-signee": ("signed_request_pdf", "Demande signée (PDF)"),
}


SHOWN: tuple[str, ...] = (
    "company",
    "employee",
    "membership",
    "case_code",
    "status",
    "end_date",
    "next_proof_due",
    "requested_at",
    "requested_by",
    "decided_at",
    "decided_by",
    "refusal_reason",
    "end_notices_sent",
    "ended_at",
    "end_reason",
    "request",
    "documents",
    "proof_name",
    "proof_content_type",
    "proof_sha256",
    "request_sha256",
    "signed_request_sha256",
    "consequences_statement",
    "retention_note",
)


def _download_name(waiver: Waiver, kind: str) -> str:
    if kind == "justificatif":
        return waiver.proof_name or f"justificatif-dispense-{waiver.pk}"
    return f"{kind}-dispense-{waiver.pk}.pdf"


@admin.register(Waiver)
class WaiverAdmin(AuditedReadMixin, admin.ModelAdmin[Waiver]):
    """Staff follow waivers and download their evidence; every download is audited (R8.6),
    and so is every opening of a waiver's page (its proof and requests)."""

    audited_shows = ("document",)

    list_display = [
        "requested_at",
        "company",
        "employee",
        "case_code",
        "status",
        "end_date",
        "next_proof_due",
    ]
    list_filter = ["status", "case_code"]
    search_fields = [
        "employee__last_name",
        "employee__first_name",
        "employee__employee_number",
        "company__legal_name",
        "company__siret",
    ]
    list_select_related = ["company", "employee"]
    # The files themselves are shown as download links: never as storage URLs.
    fields = SHOWN
    readonly_fields = SHOWN

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # kept for URSSAF audits, even after the employee left (R2.9)

    @admin.display(description="documents")
    def documents(self, waiver: Waiver) -> str:
        links = [
            (reverse("admin:waivers_waiver_document", args=[waiver.pk, kind]) + suffix, text)
            for kind, (field, label) in DOCUMENTS.items()
            if getattr(waiver, field)
            for suffix, text in [("?affichage=page", f"Voir : {label}"), ("", label)]
        ]
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links) or "—"

    def get_urls(self) -> list[URLPattern]:
        document = path(
            "<int:waiver_id>/document/<slug:kind>/",
            self.admin_site.admin_view(self.document_view),
            name="waivers_waiver_document",
        )
        return [document, *super().get_urls()]

    def document_view(self, request: HttpRequest, waiver_id: int, kind: str) -> FileResponse:
        """One of the waiver's documents, as an attachment (staff with view permission)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        waiver = get_object_or_404(Waiver, pk=waiver_id)
        if kind not in DOCUMENTS:
            raise Http404
        file: FieldFile = getattr(waiver, DOCUMENTS[kind][0])
        if not file:
            raise Http404
        audit.record(
            AuditAction.WAIVER_DOCUMENT_DOWNLOADED,
            by=request.user,
            target=waiver,
            company_id=waiver.company_id,
            request=request,
            document=kind,
        )
        content_type = waiver.proof_content_type if kind == "justificatif" else "application/pdf"
        # "?affichage=page": shown in the browser (the proof is checked before deciding).
        inline = request.GET.get("affichage") == "page"
        response = FileResponse(
            file.open("rb"),
            as_attachment=not inline,
            filename=_download_name(waiver, kind),
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Shown as a document, never run as a page of the back office.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
        response["Cache-Control"] = "private, no-store"
        return response
