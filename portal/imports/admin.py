from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from portal.companies.models import InsuredGroup
from portal.core.admin import AuditedReadMixin
from portal.imports import services
from portal.imports.models import ImportBatch


class ImportBatchForm(forms.ModelForm[ImportBatch]):
    class Meta:
        model = ImportBatch
        fields = ["company", "insured_group", "other_groups", "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("insured_group", "other_groups"):
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                # Each choice names its company (InsuredGroup.__str__), in one query.
                field.queryset = InsuredGroup.objects.select_related("contract__company").order_by(
                    "contract__company__legal_name", "code"
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        company, group = data.get("company"), data.get("insured_group")
        others = list(data.get("other_groups") or [])
        if company and group:
            groups = [group, *others]
            if any(g.contract.company_id != company.pk for g in groups):
                self.add_error(
                    "insured_group", "Ce groupe d'assurés n'appartient pas à cette entreprise."
                )
            elif len({g.contract_id for g in groups}) != len(groups):
                self.add_error("other_groups", "Un seul groupe d'assurés par contrat.")
        return data


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditedReadMixin, admin.ModelAdmin[ImportBatch]):
    """Staff import a file for a company; the same processing as the employer space."""

    audited_shows = ("document",)  # the imported file and the rejection file (NIRs)

    form = ImportBatchForm
    list_display = [
        "created_at",
        "company",
        "filename",
        "insured_group",
        "status",
        "declared_count",
        "rejected_count",
    ]
    list_filter = ["status"]
    search_fields = ["company__legal_name", "filename"]
    list_select_related = ["company", "insured_group__contract__company"]
    autocomplete_fields = ["company"]

    # A batch is started through the service; then only its processing moves it.
    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_readonly_fields(
        self, request: HttpRequest, obj: ImportBatch | None = None
    ) -> list[str]:
        if obj is None:
            return []
        return [f.name for f in ImportBatch._meta.fields]

    def save_model(self, request: HttpRequest, obj: ImportBatch, form: Any, change: bool) -> None:
        if change:
            return
        batch = services.start_import(
            company=form.cleaned_data["company"],
            groups=[form.cleaned_data["insured_group"], *form.cleaned_data["other_groups"]],
            upload=form.cleaned_data["file"],
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = batch.pk
        messages.info(request, "Le fichier est en cours de traitement : suivez l'avancement ici.")
