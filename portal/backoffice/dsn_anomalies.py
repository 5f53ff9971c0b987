"""The "Anomalies DSN" queue of "À traiter": the DSN outcomes of kind anomaly staff have not
handled yet, oldest first, each with a link to its DSN file; "Traitée" marks one handled."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.core.errors import BusinessError
from portal.dsn.models import DsnOutcome
from portal.dsn.outcomes import OutcomeKind
from portal.dsn.services import mark_anomaly_handled

PAGE_SIZE = 50


def open_anomalies() -> QuerySet[DsnOutcome]:
    """The anomalies still to handle (the partial index `dsn_outcome_open_anomaly`)."""
    return DsnOutcome.objects.filter(kind=OutcomeKind.ANOMALY, handled_at=None)


@require_GET
@staff_view
def anomalies(request: HttpRequest) -> HttpResponse:
    found = open_anomalies().select_related("declaration__file", "declaration__company")
    page = Paginator(found.order_by("declaration_id", "position"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "backoffice/dsn_anomalies.html",
        screen_context(request, title="Anomalies DSN", page=page),
    )


@require_POST
@staff_view
def handled(request: HttpRequest) -> HttpResponse:
    """ "Traitée": the anomaly leaves the queue (audited)."""
    value = request.POST.get("anomalie", "")
    if not value.isdigit() or not DsnOutcome.objects.filter(pk=int(value)).exists():
        raise Http404("Anomalie introuvable.")
    try:
        outcome = mark_anomaly_handled(outcome_id=int(value), by=staff_user(request))
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Anomalie {outcome.code.upper()} traitée : {outcome.name}.")
    return redirect(reverse("backoffice:dsn_anomalies"))
