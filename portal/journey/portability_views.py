""" "Ma portabilité" in the member's space: the former employee's portability (until when),
the France Travail proofs asked and their state, the upload of one, and the declaration of what
ends it early (a new job, the end of benefits, retirement).

The member's own only: another member's proof or portability is a 404; HR and staff get 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.models import User
from portal.core.errors import BusinessError
from portal.enrollment.models import Employee
from portal.journey.space_views import member_space
from portal.terminations import follow_up
from portal.terminations.forms import EarlyEndForm, PortabilityProofForm
from portal.terminations.models import PortabilityProof, PortabilityProofStatus, Termination
from portal.terminations.portability import EarlyEndSource, is_overdue
from portal.terminations.rules import portability_start


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _portabilities(employee: Employee | None) -> list[Termination]:
    if employee is None:
        return []
    return list(
        Termination.objects.filter(membership__employee=employee, portability=True, undone_at=None)
        .select_related("membership__contract__company")
        .prefetch_related("proofs")
        .order_by("-termination_date", "-pk")
    )


def _page(
    request: HttpRequest,
    employee: Employee | None,
    *,
    proof_forms: dict[int, PortabilityProofForm] | None = None,
    end_forms: dict[int, EarlyEndForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    blocks: list[dict[str, Any]] = []
    for termination in _portabilities(employee):
        last_day = termination.portability_last_day
        assert last_day is not None
        proofs = []
        for proof in termination.proofs.all():
            awaited = proof.status in follow_up.AWAITED
            proofs.append(
                {
                    "proof": proof,
                    "awaited": awaited,
                    "late": awaited and is_overdue(proof.due_on, today),
                    "form": (proof_forms or {}).get(proof.pk)
                    or PortabilityProofForm(auto_id=f"proof-{proof.pk}-%s"),
                }
            )
        blocks.append(
            {
                "termination": termination,
                "start": portability_start(contract_end=termination.termination_date),
                "last_day": last_day,
                "running": last_day >= today,
                "proofs": proofs,
                "end_form": (end_forms or {}).get(termination.pk)
                or EarlyEndForm(auto_id=f"end-{termination.pk}-%s"),
            }
        )
    return render(
        request,
        "journey/space_portability.html",
        {
            "employee": employee,
            "blocks": blocks,
            "section": "documents",
            "max_megabytes": settings.PROOF_MAX_MEGABYTES,
            "received": PortabilityProofStatus.RECEIVED,
            "refused": PortabilityProofStatus.REFUSED,
            "accepted": PortabilityProofStatus.ACCEPTED,
        },
        status=status,
    )


@member_space
@require_http_methods(["GET", "HEAD"])
def portability_page(request: HttpRequest, employee: Employee | None) -> HttpResponse:
    if not _portabilities(employee):
        raise Http404("Aucune portabilité.")
    return _page(request, employee)


@member_space
@require_POST
def send_proof(request: HttpRequest, employee: Employee | None, proof_id: int) -> HttpResponse:
    """ "Envoyer mon attestation" for one proof asked (or refused)."""
    if employee is None:
        raise Http404
    form = PortabilityProofForm(request.POST, request.FILES, auto_id=f"proof-{proof_id}-%s")
    upload: UploadedFile[bytes] | None = request.FILES.get("proof")
    try:
        follow_up.submit_proof(
            proof_id=proof_id,
            employee_id=employee.pk,
            name=(upload.name or "") if upload is not None else "",
            data=upload.read() if upload is not None else None,
            by=_user(request),
        )
    except PortabilityProof.DoesNotExist as missing:
        raise Http404("Justificatif introuvable.") from missing
    except BusinessError as refused:
        form.is_valid()
        form.show(refused.problems)
        return _page(request, employee, proof_forms={proof_id: form}, status=400)
    messages.success(
        request,
        "Votre attestation est envoyée : nos services la vérifient. Vous serez prévenu(e) par "
        "e-mail si elle ne convient pas.",
    )
    return redirect("journey:space_portability_page")


@member_space
@require_POST
def declare_end(
    request: HttpRequest, employee: Employee | None, termination_id: int
) -> HttpResponse:
    """ "Ma portabilité prend fin": a new job, the end of benefits, retirement."""
    if employee is None:
        raise Http404
    form = EarlyEndForm(request.POST, auto_id=f"end-{termination_id}-%s")
    if not form.is_valid():  # a date that is not one: said as typed
        if not Termination.objects.filter(
            pk=termination_id, membership__employee=employee, portability=True
        ).exists():
            raise Http404("Portabilité introuvable.")
        return _page(request, employee, end_forms={termination_id: form}, status=400)
    try:
        follow_up.end_portability_early(
            termination_id=termination_id,
            reason=form.cleaned_data.get("reason") or "",
            event_date=form.cleaned_data.get("event_date"),
            source=EarlyEndSource.MEMBER,
            by=_user(request),
            today=timezone.localdate(),
            employee_id=employee.pk,
        )
    except Termination.DoesNotExist as missing:
        raise Http404("Portabilité introuvable.") from missing
    except BusinessError as refused:
        form.show(refused.problems)
        return _page(request, employee, end_forms={termination_id: form}, status=400)
    messages.success(
        request,
        "C'est enregistré : votre portabilité prend fin à cette date. Un e-mail vous le confirme.",
    )
    return redirect("journey:space_portability_page")
