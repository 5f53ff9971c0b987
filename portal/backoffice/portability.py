"""The staff's "Registre des portabilités" (every company; filters: company, ending within 30
days, proof missing) and one portability's page: its proofs (each opening of a file audited),
"Accepter" / "Refuser", and the early end staff record (end of benefits, new job, retirement,
death). Every read of the register and of a portability is audited."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.companies.models import Company
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.terminations import follow_up
from portal.terminations.forms import EarlyEndForm, ProofRefusalForm
from portal.terminations.models import PortabilityProof, PortabilityProofStatus, Termination
from portal.terminations.portability import EarlyEndSource
from portal.terminations.register import row_of, rows_of, running_portabilities
from portal.tracking.models import RequestEvent

PAGE_SIZE = 50


@require_GET
@staff_view
def register(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    company = request.GET.get("entreprise", "")
    company_id = int(company) if company.isdigit() else None
    ending_soon = request.GET.get("fin_30_jours") == "1"
    proof_missing = request.GET.get("justificatif_manquant") == "1"
    found = running_portabilities(
        today, company_id=company_id, ending_soon=ending_soon, proof_missing=proof_missing
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(
        AuditAction.PORTABILITY_REGISTER_VIEWED,
        by=staff_user(request),
        company_id=company_id,
        request=request,
        page=page.number,
        ending_soon=ending_soon,
        proof_missing=proof_missing,
        terminations=[t.pk for t in page.object_list],
    )
    filters = {
        k: v
        for k, v in (
            ("entreprise", company if company_id else ""),
            ("fin_30_jours", "1" if ending_soon else ""),
            ("justificatif_manquant", "1" if proof_missing else ""),
        )
        if v
    }
    return render(
        request,
        "backoffice/portability_register.html",
        screen_context(
            request,
            title="Registre des portabilités",
            page=page,
            rows=rows_of(list(page.object_list), today),
            companies=Company.objects.order_by("legal_name").values_list("pk", "legal_name"),
            company_id=company_id,
            ending_soon=ending_soon,
            proof_missing=proof_missing,
            query=urlencode(filters),
        ),
    )


def _termination(termination_id: int) -> Termination:
    return get_object_or_404(
        Termination.objects.select_related(
            "membership__employee", "membership__contract__company", "request"
        ).prefetch_related("proofs"),
        pk=termination_id,
        portability=True,
        undone_at=None,
    )


def _page(
    request: HttpRequest,
    termination: Termination,
    *,
    end_form: EarlyEndForm | None = None,
    refusal_forms: dict[int, ProofRefusalForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    row = row_of(termination, today)
    proofs = [
        (proof, (refusal_forms or {}).get(proof.pk) or ProofRefusalForm(auto_id=f"p{proof.pk}-%s"))
        for proof in termination.proofs.all()
    ]
    employee = termination.membership.employee
    return render(
        request,
        "backoffice/portability.html",
        screen_context(
            request,
            title=f"Portabilité de {employee.first_name} {employee.last_name}",
            termination=termination,
            row=row,
            running=row.last_day >= today,
            proofs=proofs,
            received=PortabilityProofStatus.RECEIVED,
            end_form=end_form or EarlyEndForm(auto_id="end-%s"),
            steps=RequestEvent.objects.filter(
                request=termination.request, kind__startswith="portability_"
            ).order_by("at", "pk"),
        ),
        status=status,
    )


@require_GET
@staff_view
def portability_page(request: HttpRequest, termination_id: int) -> HttpResponse:
    termination = _termination(termination_id)
    audit.record(
        AuditAction.STAFF_RECORD_VIEWED,
        by=staff_user(request),
        target=termination,
        company_id=termination.membership.contract.company_id,
        request=request,
    )
    return _page(request, termination)


@require_GET
@staff_view
def proof_file(request: HttpRequest, proof_id: int) -> FileResponse:
    """The attestation, shown in the browser; each opening is audited."""
    proof = get_object_or_404(
        PortabilityProof.objects.select_related("termination__membership__contract"),
        pk=proof_id,
    )
    if not proof.file:
        raise Http404("Aucun fichier.")
    audit.record(
        AuditAction.PORTABILITY_PROOF_VIEWED,
        by=staff_user(request),
        target=proof,
        company_id=proof.termination.membership.contract.company_id,
        request=request,
    )
    response = FileResponse(
        proof.file.open("rb"),
        as_attachment=False,
        filename=f"attestation-france-travail-{proof.pk}",
        content_type=proof.content_type or "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@staff_view
def decide(request: HttpRequest, proof_id: int) -> HttpResponse:
    """ "Accepter" (decision=accepter) or "Refuser" with the reason e-mailed."""
    proof = get_object_or_404(PortabilityProof, pk=proof_id)
    accept = request.POST.get("decision") == "accepter"
    form = ProofRefusalForm(request.POST, auto_id=f"p{proof.pk}-%s")
    form.is_valid()
    try:
        follow_up.decide_proof(
            proof_id=proof.pk,
            accept=accept,
            reason=form.cleaned_data.get("reason") or "",
            by=staff_user(request),
        )
    except BusinessError as refused:
        form.show(refused.problems)
        return _page(
            request, _termination(proof.termination_id), refusal_forms={proof.pk: form}, status=400
        )
    messages.success(
        request,
        "Justificatif accepté."
        if accept
        else "Justificatif refusé : l'ancien salarié est prévenu.",
    )
    return redirect("backoffice:portability", proof.termination_id)


@require_POST
@staff_view
def end_early(request: HttpRequest, termination_id: int) -> HttpResponse:
    """Staff record what ends the portability early (the cover stops; the person is told)."""
    termination = _termination(termination_id)
    form = EarlyEndForm(request.POST, auto_id="end-%s")
    if not form.is_valid():
        return _page(request, termination, end_form=form, status=400)
    try:
        follow_up.end_portability_early(
            termination_id=termination.pk,
            reason=form.cleaned_data.get("reason") or "",
            event_date=form.cleaned_data.get("event_date"),
            source=EarlyEndSource.STAFF,
            by=staff_user(request),
            today=timezone.localdate(),
        )
    except BusinessError as refused:
        form.show(refused.problems)
        return _page(request, _termination(termination_id), end_form=form, status=400)
    messages.success(request, "Fin anticipée enregistrée : l'ancien salarié est prévenu.")
    return redirect("backoffice:portability", termination.pk)
