"""The member's pages: "Mes bénéficiaires" during the contract's life (add one after a life
event, remove one), "Envoyer un justificatif", and cancelling a request not yet decided."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.models import Role, User
from portal.core.errors import BusinessError
from portal.enrollment import life_events
from portal.enrollment.models import Dependant, Employee, Membership, MembershipStatus
from portal.member_requests import rules, services
from portal.member_requests.choices import RequestKind
from portal.member_requests.forms import AdditionForm, DocumentForm, RemovalForm
from portal.member_requests.models import MemberRequest
from portal.member_requests.queries import requests_of
from portal.member_requests.rules import Direction

View = Callable[..., HttpResponse]


def member_space_view(view: View) -> View:
    """Logged-in members only (HR and staff logins: 403), with their own employee file."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)
        if user.role != Role.MEMBER:
            raise PermissionDenied
        employee = Employee.objects.filter(user=user).select_related("company").first()
        if employee is None:
            raise Http404
        return view(request, employee, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def get_membership_for_member(employee: Employee, membership_id: int) -> Membership:
    """The member's own membership (another one's: 404)."""
    return get_object_or_404(
        Membership.objects.select_related("employee", "contract"),
        pk=membership_id,
        employee=employee,
    )


def get_dependant_for_member(employee: Employee, dependant_id: int) -> Dependant:
    """A dependant of one of the member's memberships (another member's: 404)."""
    return get_object_or_404(
        Dependant.objects.select_related("membership__contract"),
        pk=dependant_id,
        membership__employee=employee,
    )


def get_request_for_member(employee: Employee, request_id: int) -> MemberRequest:
    return get_object_or_404(MemberRequest, pk=request_id, employee=employee)


def _proof(request: HttpRequest) -> services.Proof | None:
    upload: UploadedFile[bytes] | None = request.FILES.get("proof")
    if upload is None:
        return None
    return services.Proof(name=upload.name or "", data=upload.read())


@dataclass
class MembershipBlock:
    """One health membership on "Mes bénéficiaires"."""

    membership: Membership
    in_force: bool
    dependants: list[tuple[Dependant, bool]] = field(default_factory=list)  # removal asked?
    pending: list[MemberRequest] = field(default_factory=list)


def _space(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(request, template, {"space_name": "Mon espace perso", **context})


@require_http_methods(["GET", "HEAD"])
@member_space_view
def beneficiaries(request: HttpRequest, employee: Employee) -> HttpResponse:
    """ "Mes bénéficiaires": per health contract, the dependants covered and their dates, the
    requests waiting for the insurer."""
    today = timezone.localdate()
    memberships = (
        employee.memberships.filter(contract__kind="health")
        .exclude(status=MembershipStatus.CANCELLED)
        .select_related("contract")
        .prefetch_related("dependants")
        .order_by("-effective_date", "-id")
    )
    own = requests_of(employee.pk)
    removals = {
        r.dependant_id
        for r in own
        if r.is_pending and r.kind == RequestKind.REMOVE_DEPENDANT and r.dependant_id
    }
    blocks = []
    for membership in memberships:
        block = MembershipBlock(membership, life_events.in_force(membership))
        block.dependants = [
            (d, d.pk in removals) for d in life_events.covered_dependants(membership, on=today)
        ]
        block.pending = [
            r
            for r in own
            if r.membership_id == membership.pk and r.is_pending and r.kind != RequestKind.DOCUMENT
        ]
        blocks.append(block)
    return _space(
        request,
        "member_requests/beneficiaries.html",
        section="beneficiaries",
        employee=employee,
        blocks=blocks,
        member_requests=own,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@member_space_view
def add(request: HttpRequest, employee: Employee, membership_id: int) -> HttpResponse:
    """ "Ajouter un bénéficiaire": after a life event, with its proof."""
    membership = get_membership_for_member(employee, membership_id)
    if not life_events.in_force(membership):
        raise Http404
    form = AdditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_addition(
                membership=membership,
                life_event=form.cleaned_data.get("life_event") or "",
                event_date=form.cleaned_data.get("event_date"),
                facts=form.to_facts(),
                proof=_proof(request),
                by=_user(request),
                today=timezone.localdate(),
            )
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            messages.success(
                request,
                "Votre demande d'ajout de bénéficiaire est envoyée : nous vous répondrons par "
                "e-mail après vérification du justificatif.",
            )
            return redirect("member_requests:beneficiaries")
    return _space(
        request,
        "member_requests/add.html",
        section="beneficiaries",
        form=form,
        membership=membership,
        events=rules.events_for(Direction.ADD),
        max_megabytes=settings.PROOF_MAX_MEGABYTES,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@member_space_view
def remove(request: HttpRequest, employee: Employee, dependant_id: int) -> HttpResponse:
    """ "Retirer": a dependant leaves the cover after a life event."""
    dependant = get_dependant_for_member(employee, dependant_id)
    if not life_events.in_force(dependant.membership) or dependant.cover_end is not None:
        raise Http404
    form = RemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_removal(
                dependant=dependant,
                life_event=form.cleaned_data.get("life_event") or "",
                event_date=form.cleaned_data.get("event_date"),
                proof=_proof(request),
                by=_user(request),
                today=timezone.localdate(),
            )
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            messages.success(
                request,
                f"Votre demande de radiation de {dependant.full_name} est envoyée : nous vous "
                "répondrons par e-mail.",
            )
            return redirect("member_requests:beneficiaries")
    return _space(
        request,
        "member_requests/remove.html",
        section="beneficiaries",
        form=form,
        dependant=dependant,
        events=rules.events_for(Direction.REMOVE),
        max_megabytes=settings.PROOF_MAX_MEGABYTES,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@member_space_view
def send_document(request: HttpRequest, employee: Employee) -> HttpResponse:
    """ "Envoyer un justificatif": a quote or a proof for the insurer."""
    memberships = [
        m
        for m in employee.memberships.select_related("contract").order_by("contract__kind", "-id")
        if m.is_current
    ]
    if not memberships:
        raise Http404
    form = DocumentForm(
        request.POST or None,
        memberships=memberships,
        initial={"membership": memberships[0].pk},
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("membership")
        membership = next((m for m in memberships if m.pk == chosen), memberships[0])
        try:
            services.send_document(
                membership=membership,
                document_type=form.cleaned_data.get("document_type") or "",
                note=form.cleaned_data.get("note") or "",
                proof=_proof(request),
                by=_user(request),
            )
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            messages.success(request, "Votre document est envoyé à nos services.")
            return redirect("journey:space_requests")
    return _space(
        request,
        "member_requests/send_document.html",
        section="documents",
        form=form,
        max_megabytes=settings.PROOF_MAX_MEGABYTES,
    )


@require_POST
@member_space_view
def withdraw(request: HttpRequest, employee: Employee, request_id: int) -> HttpResponse:
    """ "Annuler la demande" (a request not yet decided)."""
    member_request = get_request_for_member(employee, request_id)
    try:
        services.withdraw_request(request_id=member_request.pk, by=_user(request))
    except BusinessError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, f"Votre demande « {member_request.get_kind_display()} » est annulée."
        )
    return redirect("member_requests:beneficiaries")
