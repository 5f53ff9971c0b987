"""The insurer's view of the accesses correspondents gave ("Mes accès"), and stopping one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.companies.access_services import revoke_access
from portal.companies.models import DelegatedAccess
from portal.core.errors import BusinessError


@staff_view
def accesses(request: HttpRequest) -> HttpResponse:
    """Every access given, live ones first, with its company, person, rights and dates."""
    given = DelegatedAccess.objects.select_related(
        "company", "user", "granted_by", "revoked_by"
    ).order_by("revoked_at", "-granted_at", "-id")[:500]
    return render(
        request,
        "backoffice/accesses.html",
        screen_context(request, title="Accès délégués", accesses=given, today=timezone.localdate()),
    )


@require_POST
@staff_view
def stop(request: HttpRequest, access_id: int) -> HttpResponse:
    try:
        access = revoke_access(access_id=access_id, company=None, by=staff_user(request))
    except DelegatedAccess.DoesNotExist:
        raise Http404("Accès introuvable.") from None
    except BusinessError as refused:
        messages.error(request, refused.problems[0].message)
    else:
        messages.success(
            request, f"L'accès de {access.user.email} à {access.company.legal_name} est arrêté."
        )
    return redirect("backoffice:accesses")
