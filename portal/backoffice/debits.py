"""The staff screens of the SEPA debits: the runs, a run's lines, "Préparer un prélèvement",
and the pain.008 file for the bank."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.billing.models import DebitRun
from portal.billing.services import download_run_file, prepare_run
from portal.core.errors import BusinessError


class PrepareRunForm(forms.Form):
    due_date = forms.DateField(
        label="Date d'échéance",
        help_text="Le 5, le 10, le 15 ou le 20 du mois.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@staff_view
def debit_runs(request: HttpRequest) -> HttpResponse:
    """The runs, newest due date first, and the form that prepares one."""
    form = PrepareRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = prepare_run(due_date=form.cleaned_data["due_date"], by=staff_user(request))
        except BusinessError as error:
            for problem in error.problems:
                form.add_error("due_date" if problem.field == "due_date" else None, problem.message)
        else:
            messages.success(
                request, f"{run} : {run.line_count} prélèvement(s) préparé(s) et pré-notifié(s)."
            )
            return redirect("backoffice:debit_run", run_id=run.pk)
    runs = DebitRun.objects.select_related("created_by")[:200]
    return render(
        request,
        "backoffice/debit_runs.html",
        screen_context(request, title="Prélèvements SEPA", runs=runs, form=form),
    )


@staff_view
def debit_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run's lines: who is debited, for which period, how much, pre-notified when."""
    run = get_object_or_404(DebitRun, pk=run_id)
    lines = run.lines.select_related("membership__employee", "notice").order_by("pk")
    return render(
        request,
        "backoffice/debit_run.html",
        screen_context(request, title=str(run), run=run, lines=lines),
    )


@require_POST
@staff_view
def debit_run_file(request: HttpRequest, run_id: int) -> HttpResponse:
    """The pain.008 file for the bank (it holds the debtors' IBANs: the service audits it)."""
    get_object_or_404(DebitRun, pk=run_id)
    try:
        run = download_run_file(run_id=run_id, by=staff_user(request), request=request)
    except BusinessError as error:
        messages.error(request, error.message)
        return redirect("backoffice:debit_run", run_id=run_id)
    response = HttpResponse(run.file_xml.encode(), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{run.file_name}"'
    return response
