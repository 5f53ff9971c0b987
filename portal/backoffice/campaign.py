"""Staff's "Avancée des adhésions" across companies (issue 17, item 1): the total, and the
companies with the most employees to chase, each linking its waiting affiliations."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from portal.backoffice.access import screen_context, staff_view
from portal.tracking.campaign import STAFF_COMPANIES, STAGES, staff_campaign

WAITING = "state__exact=waiting&reason__exact=affiliation"


@require_safe
@staff_view
def campaign(request: HttpRequest) -> HttpResponse:
    found, ranked = staff_campaign()
    requests = reverse("admin:tracking_request_changelist")
    context = screen_context(
        request,
        title="Avancée des adhésions",
        campaign=found,
        stages=STAGES,
        chase_url=f"{requests}?{WAITING}",
        ranked=[
            (company, count, f"{requests}?company__id__exact={company.pk}&{WAITING}")
            for company, count in ranked
        ],
        limit=STAFF_COMPANIES,
    )
    return render(request, "backoffice/campaign.html", context)
