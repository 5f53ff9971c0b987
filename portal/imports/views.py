"""Employer space: "Ajouter des salariés — Fichier Excel ou structuré" and the import history."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.companies.access import company_context, correspondent_required
from portal.companies.models import Company
from portal.companies.queries import get_company_for_user
from portal.core.errors import BusinessError
from portal.imports import processing, services, templates
from portal.imports.forms import ImportForm
from portal.imports.models import ImportBatch, ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _company(request: HttpRequest, company_id: int) -> Company:
    return get_company_for_user(request.user, company_id)  # type: ignore[arg-type]


def _batch(company: Company, batch_id: int) -> ImportBatch:
    batch = (
        ImportBatch.objects.filter(company=company, pk=batch_id)
        .select_related("insured_group", "created_by")
        .first()
    )
    if batch is None:
        raise Http404("Import introuvable.")
    return batch


@correspondent_required
def upload(request: HttpRequest, company_id: int) -> HttpResponse:
    """Télécharger le modèle, choose the insured group, "+ Ajouter" the file, "Valider"."""
    company = _company(request, company_id)
    bound = request.method == "POST"
    form = ImportForm(
        request.POST if bound else None, request.FILES if bound else None, company=company
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.start_import(
                company=company,
                group=form.cleaned_data["insured_group"],
                upload=form.cleaned_data["file"],
                by=request.user,  # type: ignore[arg-type]
            )
        except BusinessError as error:
            form.add_error("file", error.message)
        else:
            return redirect("imports:batch", company.pk, batch.pk)
    context = company_context(request, company, "requests")
    context.update(form=form, step=2)
    return render(request, "imports/upload.html", context)


@correspondent_required
def template(request: HttpRequest, company_id: int, extension: str) -> HttpResponse:
    """ "Télécharger le modèle Excel" / "Télécharger le modèle CSV"."""
    _company(request, company_id)
    if extension == "xlsx":
        content, content_type = templates.build_xlsx_template(), XLSX
    else:
        content, content_type = templates.build_csv_template(), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="Modele_import_salaries.{extension}"'
    return response


@correspondent_required
def batch_detail(request: HttpRequest, company_id: int, batch_id: int) -> HttpResponse:
    """Progress, then "Confirmation des salariés renseignés"."""
    company = _company(request, company_id)
    batch = _batch(company, batch_id)
    context = company_context(request, company, "requests")
    context.update(
        batch=batch,
        step=3 if batch.status == ImportStatus.DONE else 2,
        preview=processing.preview(batch) if batch.status == ImportStatus.DONE else [],
    )
    return render(request, "imports/batch.html", context)


@correspondent_required
def rejection_file(request: HttpRequest, company_id: int, batch_id: int) -> FileResponse:
    """ "Télécharger le fichier de rejet"."""
    company = _company(request, company_id)
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


@correspondent_required
def history(request: HttpRequest, company_id: int) -> HttpResponse:
    """Every import of the company: who, when, file, group, counts, rejection file."""
    company = _company(request, company_id)
    batches = ImportBatch.objects.filter(company=company).select_related(
        "insured_group", "created_by"
    )[:100]
    context = company_context(request, company, "requests")
    context["batches"] = batches
    return render(request, "imports/history.html", context)
