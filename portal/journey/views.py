"""The employee's side: activating the account from the invitation link, their space."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from portal.accounts.forms import ChoosePasswordForm
from portal.accounts.models import Role, User
from portal.core.errors import BusinessError
from portal.enrollment import services
from portal.enrollment.models import Employee


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
    return render(request, "journey/activate.html", {"form": form, "employee": employee})


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
    return render(request, "journey/space.html", {"employee": employee})
