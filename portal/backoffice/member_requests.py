"""The "Demandes des adhérents" queue (additions and removals of dependants after a life event,
documents sent) and its decision page: the proof (audited read), "Accepter", "Refuser"."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.member_requests import rules, services
from portal.member_requests.models import MemberRequest
from portal.member_requests.queries import pending_for_staff

PAGE_SIZE = 50


def _load(request_id: int) -> MemberRequest:
    return get_object_or_404(
        MemberRequest.objects.select_related(
            "employee__company", "membership__contract", "dependant", "decided_by"
        ).prefetch_related("events__by"),
        pk=request_id,
    )


@require_GET
@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(pending_for_staff(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/member_requests.html",
        screen_context(request, title="Demandes des adhérents", page=page),
    )


@require_GET
@staff_view
def decision(request: HttpRequest, request_id: int) -> HttpResponse:
    """The request in full (the dependant's NIR included: an audited read)."""
    item = _load(request_id)
    audit.record(
        AuditAction.STAFF_RECORD_VIEWED,
        by=staff_user(request),
        target=item,
        company_id=item.employee.company_id,
        request=request,
    )
    return render(
        request,
        "backoffice/member_request.html",
        screen_context(
            request,
            title=f"{item.get_kind_display()} n° {item.pk}",
            item=item,
            event=rules.get_event(item.life_event),
        ),
    )


@require_GET
@staff_view
def proof(request: HttpRequest, request_id: int) -> FileResponse:
    """The proof, shown in the browser; each opening is audited."""
    item = _load(request_id)
    if not item.proof:
        raise Http404
    audit.record(
        AuditAction.MEMBER_REQUEST_PROOF_VIEWED,
        by=staff_user(request),
        target=item,
        company_id=item.employee.company_id,
        request=request,
    )
    response = FileResponse(
        item.proof.open("rb"),
        as_attachment=False,
        filename=f"justificatif-{item.pk}",
        content_type=item.proof_content_type or "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@staff_view
def accept(request: HttpRequest, request_id: int) -> HttpResponse:
    item = _load(request_id)
    try:
        services.accept_request(
            request_id=item.pk, by=staff_user(request), today=timezone.localdate()
        )
    except BusinessError as refused:
        for problem in refused.problems:
            messages.error(request, problem.message)
        return redirect("backoffice:member_request", item.pk)
    messages.success(request, f"{item.get_kind_display()} n° {item.pk} acceptée.")
    return redirect("backoffice:member_requests")


@require_POST
@staff_view
def refuse(request: HttpRequest, request_id: int) -> HttpResponse:
    item = _load(request_id)
    try:
        services.refuse_request(
            request_id=item.pk, reason=request.POST.get("reason", ""), by=staff_user(request)
        )
    except BusinessError as refused:
        messages.error(request, refused.message)
        return redirect("backoffice:member_request", item.pk)
    messages.success(request, f"{item.get_kind_display()} n° {item.pk} refusée.")
    return redirect("backoffice:member_requests")
