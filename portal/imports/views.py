"""Employer space: "Ajouter des salariés — Fichier Excel ou structuré" and the import history."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view, requires
from portal.companies.models import AccessRight, Company
from portal.core import jobs
from portal.core.errors import BusinessError
from portal.core.plural import counted
from portal.imports import processing, queries, services, templates
from portal.imports.columns import COLUMNS
from portal.imports.errors import ImportFileError
from portal.imports.forms import ImportForm
from portal.imports.models import ImportBatch, ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell typed in the correction table: longer is no employee's data (the longest column,
# an e-mail, is 254 characters).
MAX_CELL_CHARS = 300
DECLARED = "ligne corrigée et déclarée,lignes corrigées et déclarées"
STILL_REJECTED = "ligne toujours en erreur,lignes toujours en erreur"
# The rows corrected and declared listed under the table, with their history.
CORRECTED_SHOWN = 100


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
    done = batch.status == ImportStatus.DONE
    context = company_context(request, company, "requests")
    context.update(
        batch=batch,
        health=jobs.health(batch).value if batch.running else "",
        step=3 if done else 2,
        preview=processing.preview(batch) if done else [],
        corrections=processing.corrections(batch) if done else [],
        # The correction table, for a login that may declare.
        rejected_rows=(
            queries.rejected_rows(batch, services.CORRECTION_MAX_ROWS)
            if done and context["can"]["declare"]
            else []
        ),
        corrected_rows=queries.corrected_rows(batch, CORRECTED_SHOWN) if done else [],
    )
    return render(request, "imports/batch.html", context)


def _typed(post: QueryDict) -> dict[int, dict[str, str]]:
    """The rows sent by the correction table: row id -> column key -> text. Ids that are not
    numbers are dropped (the service ignores those of other imports); a missing cell is an
    empty one, as in a file; an overlong one is cut."""
    ids: list[int] = []
    for value in post.getlist("row")[: services.CORRECTION_MAX_ROWS]:
        if value.isascii() and value.isdigit() and len(value) < 19 and int(value) not in ids:
            ids.append(int(value))
    return {
        pk: {c.key: post.get(f"row-{pk}-{c.key}", "")[:MAX_CELL_CHARS] for c in COLUMNS}
        for pk in ids
    }


@company_view
@requires(AccessRight.DECLARE)
@require_POST
def correct(request: AuthenticatedRequest, company: Company, batch_id: int) -> HttpResponse:
    """ "Valider les corrections": the rows corrected in the table are checked and declared as
    the file's, then the page shows what is still rejected (post/redirect/get)."""
    batch = _batch(company, batch_id)
    typed = _typed(request.POST)
    if not typed:
        messages.error(request, ImportFileError.CORRECTION_NOTHING_SENT.message)
        return redirect("imports:batch", company.pk, batch.pk)
    try:
        result = services.correct_rows(batch=batch, typed=typed, by=request.user)
    except BusinessError as error:
        messages.error(request, error.message)
        return redirect("imports:batch", company.pk, batch.pk)
    for number in result.already_declared:
        messages.info(request, ImportFileError.ROW_ALREADY_DECLARED.text(line=number))
    if result.declared:
        messages.success(
            request,
            f"✓ {_lines(result.declared, DECLARED)}.",
        )
    if result.rejected:
        messages.error(
            request,
            f"⚠ {_lines(result.rejected, STILL_REJECTED)}.",
        )
    if not (result.declared or result.rejected or result.already_declared):
        messages.info(request, "Aucune ligne n'a été modifiée.")
    return redirect("imports:batch", company.pk, batch.pk)


def _lines(numbers: list[int], forms: str) -> str:
    """ "2 lignes corrigées et déclarées (lignes 3 et 5)"."""
    shown = ", ".join(str(n) for n in numbers[:-1])
    shown = f"{shown} et {numbers[-1]}" if shown else str(numbers[-1])
    return f"{counted(len(numbers), forms)} ({'ligne' if len(numbers) < 2 else 'lignes'} {shown})"


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
