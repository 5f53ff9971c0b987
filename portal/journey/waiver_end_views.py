"""The end of a waiver, from the member's space (rules.md R2.11): "Envoyer un nouveau
justificatif" to keep it, or "Adhérer au contrat" to give it up and enroll."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.accounts.models import User
from portal.core.errors import BusinessError
from portal.enrollment.models import Employee, Membership, MembershipStatus
from portal.journey.space_views import _own_membership, member_space
from portal.waivers import ending, rules
from portal.waivers.models import Waiver, WaiverStatus


def _granted(employee: Employee | None, membership_id: int) -> tuple[Membership, Waiver]:
    """The member's own waived membership and its waiver in force, or 404."""
    membership = _own_membership(employee, membership_id)
    waiver = (
        Waiver.objects.filter(membership=membership, status=WaiverStatus.GRANTED)
        .order_by("-pk")
        .first()
    )
    if membership.status != MembershipStatus.WAIVED or waiver is None:
        raise Http404("Aucune dispense en cours pour cette adhésion.")
    return membership, waiver


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@member_space
@require_http_methods(["GET", "HEAD", "POST"])
def renew(request: HttpRequest, employee: Employee | None, membership_id: int) -> HttpResponse:
    """ "Envoyer un nouveau justificatif": the proof (and the new end date when the case has
    one) that keeps the waiver past its end, checked by our services."""
    membership, waiver = _granted(employee, membership_id)
    case = rules.get_case(waiver.case_code)
    if case is None or not ending.offers_renewal(waiver):
        raise Http404("Cette dispense ne peut pas être prolongée.")
    waiting = ending.waiting_renewal(waiver)
    errors: dict[str, list[str]] = {}
    raw_end = request.POST.get("end_date", "")
    if request.method == "POST" and waiting is None:
        end_date: date | None = None
        if raw_end:
            try:
                end_date = date.fromisoformat(raw_end)
            except ValueError:
                errors["end_date"] = ["Saisissez une date valide (jj/mm/aaaa)."]
        upload = request.FILES.get("proof")
        if not errors:
            try:
                ending.send_renewal(
                    waiver_id=waiver.pk,
                    end_date=end_date,
                    proof_name=(upload.name or "") if upload else "",
                    proof_data=upload.read() if upload else None,
                    by=_user(request),
                    today=timezone.localdate(),
                )
            except BusinessError as rejected:
                for problem in rejected.problems:
                    errors.setdefault(problem.field or "proof", []).append(problem.message)
            else:
                messages.success(
                    request,
                    "Votre nouveau justificatif est envoyé : nos services le vérifient. Vous "
                    "serez prévenu(e) par e-mail de leur réponse.",
                )
                return redirect("journey:space")
    context = {
        "employee": employee,
        "membership": membership,
        "waiver": waiver,
        "case": case,
        "waiting": waiting,
        "errors": errors,
        "end_date": raw_end,
        "max_megabytes": settings.PROOF_MAX_MEGABYTES,
        "section": "home",
    }
    return render(request, "journey/space_waiver_renew.html", context)


@member_space
@require_http_methods(["GET", "HEAD", "POST"])
def give_up(request: HttpRequest, employee: Employee | None, membership_id: int) -> HttpResponse:
    """ "Adhérer au contrat": the employee ends their waiver and enrolls (confirmed first)."""
    membership, waiver = _granted(employee, membership_id)
    today = timezone.localdate()
    if request.method == "POST":
        try:
            ending.give_up_waiver(waiver_id=waiver.pk, by=_user(request), today=today)
        except BusinessError as rejected:
            for problem in rejected.problems:
                messages.error(request, problem.message)
            return redirect("journey:space")
        return redirect("journey:resume", membership.pk)
    last_day = min(waiver.end_date, today) if waiver.end_date else today
    context = {
        "employee": employee,
        "membership": membership,
        "waiver": waiver,
        "case": rules.get_case(waiver.case_code),
        "starts": max(membership.effective_date, rules.affiliation_due(last_day)),
        "section": "home",
    }
    return render(request, "journey/space_waiver_give_up.html", context)
