"""Employer space: "Ajouter des salariés — Fichier Excel ou structuré" and the import history."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view, requires
from portal.companies.models import AccessRight, Company
from portal.core import jobs
from portal.core.errors import BusinessError
from portal.imports import processing, services, templates
from portal.imports.forms import ImportForm
from portal.imports.models import ImportBatch, ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch(company: Company, batch_id: int) -> ImportBatch:
    batch = (
        ImportBatch.objects.filter(company=company, pk=batch_id)
        .select_related("insured_group", "created_by")
        .prefetch_related("other_groups__contract")
        .first()
    )
    if batch is None:
        raise Http404("Import introuvable.")
    return batch


@company_view
@requires(AccessRight.DECLARE)
def upload(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """Télécharger le modèle, choose the insured group, "+ Ajouter" the file, "Valider"."""
    bound = request.method == "POST"
    form = ImportForm(
        request.POST if bound else None, request.FILES if bound else None, company=company
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.start_import(
                company=company,
                groups=form.groups(),
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except BusinessError as error:
            form.add_error("file", error.message)
        else:
            return redirect("imports:batch", company.pk, batch.pk)
    context = company_context(request, company, "requests")
    context.update(form=form, step=2)
    return render(request, "imports/upload.html", context)


@company_view
def template(request: AuthenticatedRequest, company: Company, extension: str) -> HttpResponse:
    """ "Télécharger le modèle Excel" / "Télécharger le modèle CSV"."""
    if extension == "xlsx":
        content, content_type = templates.build_xlsx_template(), XLSX
    else:
        content, content_type = templates.build_csv_template(), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="Modele_import_salaries.{extension}"'
    return response


@company_view
def batch_detail(request: AuthenticatedRequest, company: Company, batch_id: int) -> HttpResponse:
    """Progress, then "Confirmation des salariés renseignés"."""
    batch = _batch(company, batch_id)
    context = company_context(request, company, "requests")
    context.update(
        batch=batch,
        health=jobs.health(batch).value if batch.running else "",
        step=3 if batch.status == ImportStatus.DONE else 2,
        preview=processing.preview(batch) if batch.status == ImportStatus.DONE else [],
        corrections=processing.corrections(batch) if batch.status == ImportStatus.DONE else [],
    )
    return render(request, "imports/batch.html", context)


@company_view
def rejection_file(request: AuthenticatedRequest, company: Company, batch_id: int) -> FileResponse:
    """ "Télécharger le fichier de rejet"."""
    batch = _batch(company, batch_id)
    if not batch.rejection_file:
        raise Http404("Pas de fichier de rejet pour cet import.")
    stem = batch.filename.rsplit(".", 1)[0]
    return FileResponse(
        batch.rejection_file.open("rb"),
        as_attachment=True,
        filename=f"{stem}-rejet.xlsx",
        content_type=XLSX,
    )


@company_view
def history(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """Every import of the company: who, when, file, group, counts, rejection file."""
    batches = (
        ImportBatch.objects.filter(company=company)
        .select_related("insured_group", "created_by")
        .prefetch_related("other_groups__contract")[:100]
    )
    context = company_context(request, company, "requests")
    context["batches"] = batches
    return render(request, "imports/history.html", context)
