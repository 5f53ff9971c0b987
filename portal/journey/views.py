"""The employee's side: activating the account from the invitation link, the card's PDF
(the member's space itself is `space_views`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.accounts.forms import ChoosePasswordForm
from portal.accounts.models import Role, User
from portal.cards.models import MembershipCard
from portal.cards.services import record_download
from portal.cards.views import card_response
from portal.core.audit import client_ip
from portal.core.errors import BusinessError
from portal.enrollment import services
from portal.enrollment.dossiers import Dossier
from portal.journey.forms import NewLinkCodeForm, NewLinkForm
from portal.tracking import link_renewal
from portal.tracking.services import renew_links_by_employee


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


# --- "Obtenir un nouveau lien" (issue 17, item 3) ------------------------------------------------

_RENEWAL = "link_renewal"  # the session's renewal id (None when nothing was sent: same pages)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def new_link(request: HttpRequest) -> HttpResponse:
    """The NIR, the birth date and the channel; the same answer whether or not they match."""
    form = NewLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identity = link_renewal.Identity(
            nir=form.cleaned_data["nir"],
            birth_date=form.cleaned_data.get("birth_date"),
            channel=form.cleaned_data["channel"],
        )
        try:
            renewal_id = link_renewal.request_code(identity, address=client_ip(request) or "")
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            request.session[_RENEWAL] = renewal_id
            messages.info(
                request,
                "Si ces informations correspondent à une adhésion en attente, un code à 6 "
                "chiffres vient de vous être envoyé. Il est valable 15 minutes.",
            )
            return redirect("journey:new_link_code")
    return render(request, "journey/new_link.html", {"form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def new_link_code(request: HttpRequest) -> HttpResponse:
    """The code received → a fresh 60-day link, opened at once (and e-mailed when possible)."""
    if _RENEWAL not in request.session:
        return redirect("journey:new_link")
    form = NewLinkCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employee = link_renewal.check_code(
                request.session.get(_RENEWAL), form.cleaned_data["code"]
            )
            invitation = renew_links_by_employee(employee_id=employee.pk)
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            del request.session[_RENEWAL]
            messages.success(
                request,
                "Voici votre nouveau lien, valable 60 jours : choisissez votre mot de passe pour "
                "reprendre votre adhésion.",
            )
            return redirect("journey:activate", invitation.token)
    return render(request, "journey/new_link_code.html", {"form": form})
