from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from portal.core import audit, jobs
from portal.core.admin import AuditedReadMixin
from portal.core.audit import AuditAction
from portal.core.nir import mask_nir
from portal.dsn import services
from portal.dsn.errors import DsnError
from portal.dsn.mapping import nir15
from portal.dsn.models import (
    ContractOption,
    ContractPopulation,
    DsnContract,
    DsnDeclaration,
    DsnFile,
    DsnOutcome,
)
from portal.dsn.outcomes import OutcomeKind


class ContractPopulationInline(admin.TabularInline[ContractPopulation, DsnContract]):
    model = ContractPopulation
    fk_name = "contract"
    extra = 1

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        match = request.resolver_match
        if db_field.name == "insured_group" and field is not None and match is not None:
            contract_id = match.kwargs.get("object_id")
            if contract_id and field.queryset is not None:
                field.queryset = field.queryset.filter(contract_id=contract_id)
        return field


class ContractOptionInline(admin.TabularInline[ContractOption, DsnContract]):
    model = ContractOption
    fk_name = "contract"
    extra = 1


@admin.register(DsnContract)
class DsnContractAdmin(admin.ModelAdmin[DsnContract]):
    """The insurer's "fiche de paramétrage" of each contract: configuration, edited by staff."""

    list_display = ["number", "company", "kind", "dsn_reference", "dsn_organisme"]
    search_fields = ["number", "company__legal_name", "dsn_reference"]
    list_select_related = ["company"]
    fields = ["number", "company", "kind", "dsn_reference", "dsn_organisme", "dsn_delegataire"]
    readonly_fields = ["number", "company", "kind"]
    inlines = [ContractPopulationInline, ContractOptionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # contracts are created in "Contrats"

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DsnFileForm(forms.ModelForm[DsnFile]):
    upload = forms.FileField(label="Fichier DSN")

    class Meta:
        model = DsnFile
        fields: list[str] = []

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        if upload.size is not None and upload.size > settings.DSN_MAX_BYTES:
            raise forms.ValidationError(
                DsnError.DSN_FILE_TOO_LARGE.text(megabytes=settings.DSN_MAX_BYTES // (1024 * 1024))
            )
        return upload


def _table(headers: list[str], rows: list[list[Any]]) -> SafeString:
    if not rows:
        return format_html("<p>{}</p>", "Aucun.")
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((c,) for c in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def _findings(findings: list[dict[str, Any]]) -> SafeString:
    return _table(
        ["Ligne", "Rubrique", "Valeur", "Message"],
        [
            [f.get("line") or "", f.get("rubrique"), f.get("value"), f.get("message")]
            for f in findings
        ],
    )


NIR_RUBRIQUES = {"S21.G00.30.001", "S21.G00.73.007"}


def _shown(rubrique: str, value: str) -> str:
    """A NIR masked as everywhere in the portal (rules.md R8.1); other values as read."""
    full = nir15(value) if rubrique in NIR_RUBRIQUES else ""
    return mask_nir(full) if full else value


@admin.register(DsnFile)
class DsnFileAdmin(AuditedReadMixin, admin.ModelAdmin[DsnFile]):
    """ "Fichiers DSN": staff deposit a file (Ajouter); each file's page is its report."""

    audited_shows = ("document",)  # the file, its report and compte rendu (NIRs, masked)
    audited_company = ""  # a file may hold several companies' declarations

    list_display = [
        "uploaded_at",
        "original_name",
        "status",
        "test",
        "declarations_total",
        "affiliation_count",
        "termination_count",
        "anomaly_count",
        "rejected_count",
    ]
    list_filter = ["status", "test"]
    search_fields = ["original_name", "sha256"]

    def get_form(
        self, request: HttpRequest, obj: DsnFile | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[DsnFile]]:
        if obj is None:
            kwargs["form"] = DsnFileForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: DsnFile | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["upload"]
        return [
            "original_name",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "status",
            "refusal",
            "declared_version",
            "checked_version",
            "test",
            "progress",
            "individual_count",
            "affiliation_count",
            "termination_count",
            "change_count",
            "anomaly_count",
            "rejected_count",
            "file_findings",
            "crm_files",
            "report",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: DsnFile | None = None) -> list[str]:
        return [] if obj is None else list(self.get_fields(request, obj))

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # only its processing moves a file

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="avancement")
    def progress(self, obj: DsnFile) -> str:
        done = f"{obj.declarations_done} / {obj.declarations_total} déclaration(s)"
        if not obj.running:
            return done
        state = jobs.health(obj)
        if state == jobs.Health.INTERRUPTED:
            return (
                f"{done} — traitement interrompu : il reprendra automatiquement à la "
                "déclaration suivante"
            )
        if state == jobs.Health.RESUMED:
            return f"{done} — reprise après interruption"
        return done

    @admin.display(description="anomalies de lecture du fichier")
    def file_findings(self, obj: DsnFile) -> SafeString:
        return _findings(obj.findings)

    @admin.display(description="comptes rendus métier (CRM)")
    def crm_files(self, obj: DsnFile) -> SafeString:
        links: list[tuple[str, int | str, str, str]] = [
            (
                reverse("admin:dsn_dsnfile_crm", args=[obj.pk, d.position]),
                d.position,
                d.crm_file_name,
                d.crm_return_code,
            )
            for d in obj.declarations.exclude(crm="").order_by("position")
        ]
        if obj.crm:
            links.insert(
                0,
                (
                    reverse("admin:dsn_dsnfile_refusal_crm", args=[obj.pk]),
                    "refusée",
                    obj.crm_file_name,
                    obj.crm_return_code,
                ),
            )
        if not links:
            return format_html("<p>{}</p>", "Aucun.")
        return format_html_join(
            "",
            '<p><a href="{}">Déclaration {} : {}</a> (code retour {})</p>',
            links,
        )

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:file_id>/crm/<int:position>/",
            self.admin_site.admin_view(self.crm_view),
            name="dsn_dsnfile_crm",
        )
        refusal = path(
            "<int:file_id>/crm/refus/",
            self.admin_site.admin_view(self.refusal_crm_view),
            name="dsn_dsnfile_refusal_crm",
        )
        return [download, refusal, *super().get_urls()]

    def refusal_crm_view(self, request: HttpRequest, file_id: int) -> FileResponse:
        """The compte rendu métier of a file refused as a whole, as an attachment; audited
        like a declaration's (it may hold declared NIRs, rules.md R8.6)."""
        received = get_object_or_404(DsnFile, pk=file_id)
        if not self.has_view_permission(request, received):
            raise PermissionDenied
        if not received.crm:
            raise Http404
        audit.record(
            AuditAction.DSN_CRM_DOWNLOADED,
            by=request.user,
            target=received,
            request=request,
            file=received.pk,
        )
        return _crm_response(received.crm, received.crm_file_name)

    def crm_view(self, request: HttpRequest, file_id: int, position: int) -> FileResponse:
        """A declaration's compte rendu métier, as an attachment (staff who may see the file);
        it holds the declared NIRs: every download is audited (rules.md R8.6)."""
        received = get_object_or_404(DsnFile, pk=file_id)
        if not self.has_view_permission(request, received):
            raise PermissionDenied
        declaration = get_object_or_404(DsnDeclaration, file=received, position=position)
        if not declaration.crm:
            raise Http404
        audit.record(
            AuditAction.DSN_CRM_DOWNLOADED,
            by=request.user,
            target=declaration,
            company_id=declaration.company_id,
            request=request,
            file=received.pk,
        )
        return _crm_response(declaration.crm, declaration.crm_file_name)

    @admin.display(description="déclarations et résultats")
    def report(self, obj: DsnFile) -> SafeString:
        parts = []
        outcomes: dict[int, list[DsnOutcome]] = {}
        for outcome in DsnOutcome.objects.filter(declaration__file=obj).order_by(
            "declaration__position", "position"
        ):
            outcomes.setdefault(outcome.declaration_id, []).append(outcome)
        for declaration in obj.declarations.select_related("company").order_by("position"):
            title = format_html(
                "<h3>Déclaration {} — SIRET {} {} — nature {} type {} — {}</h3>"
                "<p>{} individu(s) : {} affiliation(s), {} résiliation(s), {} changement(s), "
                "{} anomalie(s), {} rejet(s)</p>",
                declaration.position,
                declaration.siret or "inconnu",
                f"({declaration.company})" if declaration.company else "",
                declaration.nature,
                declaration.kind,
                declaration.get_status_display(),
                declaration.individual_count,
                declaration.affiliation_count,
                declaration.termination_count,
                declaration.change_count,
                declaration.anomaly_count,
                declaration.rejected_count,
            )
            rows = [
                [
                    o.line or "",
                    o.name,
                    OutcomeKind(o.kind).label,
                    o.code,
                    o.message,
                    o.rubrique,
                    _shown(o.rubrique, o.value),
                    self._request_link(o),
                ]
                for o in outcomes.get(declaration.pk, [])
            ]
            parts.append(
                format_html(
                    "{}{}<h4>{}</h4>{}",
                    title,
                    _table(
                        [
                            "Ligne",
                            "Salarié",
                            "Résultat",
                            "Code",
                            "Message",
                            "Rubrique",
                            "Valeur",
                            "Demande",
                        ],
                        rows,
                    ),
                    "Anomalies de lecture",
                    _findings(declaration.findings),
                )
            )
        if not parts:
            return format_html("<p>{}</p>", "Aucune déclaration traitée.")
        return format_html_join("", "{}", ((p,) for p in parts))

    @staticmethod
    def _request_link(outcome: DsnOutcome) -> SafeString | str:
        if outcome.request_id is None:
            return ""
        url = reverse("admin:tracking_request_change", args=[outcome.request_id])
        return format_html('<a href="{}">n° {}</a>', url, outcome.request_id)

    def save_model(self, request: HttpRequest, obj: DsnFile, form: Any, change: bool) -> None:
        if change:
            return
        upload = form.cleaned_data["upload"]
        received, new = services.receive_file(
            upload.name or "fichier.dsn",
            upload,  # streamed: a large upload is a temporary file, never read whole
            request.user,  # type: ignore[arg-type]
        )
        obj.pk = received.pk
        if new:
            messages.info(
                request, "Le fichier est en cours de traitement : suivez l'avancement ici."
            )
        else:
            messages.warning(
                request, "Ce fichier a déjà été reçu : il n'est pas intégré une seconde fois."
            )

    def response_add(
        self, request: HttpRequest, obj: DsnFile, post_url_continue: str | None = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:dsn_dsnfile_change", args=[obj.pk]))


def _crm_response(crm: FieldFile, name: str) -> FileResponse:
    response = FileResponse(
        crm.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="application/xml; charset=ISO-8859-1",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
