"""The adviser's side of the remote assistance: "Prendre la main à distance" with the code the
employee reads, then "Terminer l'assistance"."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.assistance import browser, services
from portal.assistance.models import AssistanceSession, EndReason
from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.core.errors import BusinessError


@staff_view
def assistance(request: HttpRequest) -> HttpResponse:
    """The code field; on a valid code the assisted mode starts on the employee's journey."""
    staff = staff_user(request)
    error = ""
    if request.method == "POST":
        try:
            session = services.claim(
                code=request.POST.get("code", ""), staff=staff, request=request
            )
        except BusinessError as refused:
            error = refused.message
        else:
            browser.remember_staff_session(request, session)
            return redirect("journey:resume", session.membership_id)
    context = screen_context(
        request,
        title="Prendre la main à distance",
        current=browser.active_staff_session(request),
        error=error,
    )
    return render(request, "backoffice/assistance.html", context, status=400 if error else 200)


@require_POST
@staff_view
def end(request: HttpRequest, session_id: int) -> HttpResponse:
    """ "Terminer l'assistance"."""
    staff = staff_user(request)
    session = AssistanceSession.objects.filter(pk=session_id, claimed_by=staff).first()
    if session is None:
        raise Http404("Assistance introuvable.")
    services.end(session=session, by=staff, reason=EndReason.ENDED_BY_STAFF, request=request)
    if browser.staff_session_id(request) == session.pk:
        browser.forget_staff_session(request)
    messages.success(
        request,
        f"L'assistance à distance de {session.membership.employee.full_name} est terminée.",
    )
    return redirect("backoffice:assistance")
