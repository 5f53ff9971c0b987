"""The employee's side: activating the account from the invitation link, the card's PDF
(the member's space itself is `space_views`)."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
