"""The employee's side: activating the account from the invitation link, their space."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.accounts.forms import ChoosePasswordForm
from portal.accounts.models import Role, User
from portal.cards.models import MembershipCard
from portal.cards.services import record_download
from portal.cards.views import card_response
from portal.core.errors import BusinessError
from portal.enrollment import services
from portal.enrollment.dossiers import Dossier
from portal.enrollment.models import Employee, Membership, MembershipStatus


@never_cache
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """ "L'activation du compte": the e-mail, then the password, then "Continuer"."""
    try:
        invitation = services.get_invitation(token)
    except BusinessError as error:
        return render(request, "journey/activate_invalid.html", {"error": error}, status=410)
    employee = invitation.membership.employee
    assert employee.user is not None
    form = ChoosePasswordForm(employee.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.activate_account(
                token=token, password=form.cleaned_data["password1"]
            )
        except BusinessError as error:
            return render(request, "journey/activate_invalid.html", {"error": error}, status=410)
        user = membership.employee.user
        assert user is not None
        login(request, user, backend="portal.accounts.backends.IdentifierOrEmailBackend")
        request.session.set_expiry(0)
        # "Continuer": straight to the enrollment steps ("Mon profil").
        return redirect("journey:resume", membership.pk)
    context = {
        "form": form,
        "employee": employee,
        "offer_phrase": Dossier.of(invitation.membership).offer_phrase,
    }
    return render(request, "journey/activate.html", context)


@login_required
def space(request: HttpRequest) -> HttpResponse:
    """The employee's own space: their memberships (the enrollment steps come next)."""
    if not isinstance(request.user, User) or request.user.role != Role.MEMBER:
        raise PermissionDenied
    employee = (
        Employee.objects.filter(user_id=request.user.pk or 0)
        .select_related("company")
        .prefetch_related("memberships__contract", "memberships__insured_group")
        .first()
    )
    today = timezone.localdate()
    memberships = (
        [(m, membership_standing(m, today)) for m in employee.memberships.all()] if employee else []
    )
    carded = set(
        MembershipCard.objects.filter(
            membership__employee=employee, superseded_at=None
        ).values_list("membership_id", flat=True)
        if employee
        else ()
    )
    context = {"employee": employee, "memberships": memberships, "carded": carded}
    return render(request, "journey/space.html", context)


@login_required
@require_safe
def card(request: HttpRequest, membership_id: int) -> HttpResponse:
    """ "Ma carte mutualiste": the member's own current card (404 for anyone else: the
    employer never sees it)."""
    user = request.user
    if not isinstance(user, User) or user.role != Role.MEMBER:
        raise Http404
    found = (
        MembershipCard.objects.select_related("membership__contract")
        .filter(membership_id=membership_id, membership__employee__user=user, superseded_at=None)
        .first()
    )
    if found is None:
        raise Http404
    record_download(card=found, by=user, request=request)
    return card_response(found)


@dataclass(frozen=True)
class Standing:
    """What "Mon espace" says of a membership: its status, and one sentence on the cover."""

    status: str
    sentence: str
    covered: bool  # the "Date d'effet" is a date of cover


def _day(value: date) -> str:
    return format_date(value, "d/m/Y")


def membership_standing(membership: Membership, today: date) -> Standing:
    """Each status in its own words: only an enrollment in force says "couvert(e)"."""
    start = membership.effective_date
    end = membership.end_date
    match membership.status:
        case MembershipStatus.PRE_ENROLLED:
            return Standing(
                "En attente d'adhésion",
                f"Finalisez votre adhésion : vos garanties prendront effet le {_day(start)}.",
                covered=True,
            )
        case MembershipStatus.SIGNED:
            return Standing(
                "Signée, en cours de vérification",
                "Votre adhésion est signée : la vérification de vos informations est en cours. "
                f"Vos garanties prennent effet le {_day(start)}.",
                covered=True,
            )
        case MembershipStatus.ACTIVE:
            sentence = (
                f"Vous êtes couvert(e) depuis le {_day(start)}."
                if start <= today
                else f"Vous serez couvert(e) à partir du {_day(start)}."
            )
            return Standing("Adhésion enregistrée", sentence, covered=True)
        case MembershipStatus.TERMINATED:
            if end is None:
                sentence = "Votre adhésion a pris fin."
            elif end < today:
                sentence = f"Votre adhésion a pris fin le {_day(end)}."
            else:
                sentence = f"Votre adhésion prend fin le {_day(end)}."
            return Standing("Radié(e)", sentence, covered=True)
        case MembershipStatus.WAIVED:
            return Standing(
                "Dispensé(e) d'adhésion",
                "Vous êtes dispensé(e) d'adhésion à ce contrat : vous ne bénéficiez pas de ses "
                "garanties.",
                covered=False,
            )
        case _:
            return Standing(
                "Déclaration annulée",
                "Votre employeur a annulé cette déclaration : vous ne bénéficiez pas des "
                "garanties de ce contrat.",
                covered=False,
            )
