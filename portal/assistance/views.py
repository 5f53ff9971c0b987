"""The employee's side of the remote assistance: "Assistance à distance" in their space."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from portal.accounts.models import Role, User
from portal.assistance import browser, services
from portal.assistance.errors import AssistanceError
from portal.assistance.models import EndReason
from portal.assistance.queries import journey_to_assist
from portal.core.errors import BusinessError

View = Callable[..., HttpResponse]


def member_only(view: View) -> View:
    """Logged-in members only (HR and staff: 403); the view gets the member's user."""

    @login_required(login_url="accounts:member_login")
    @never_cache  # the page may show the code: never kept by a cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or user.role != Role.MEMBER:
            raise PermissionDenied("Cette page est celle de l'espace perso d'un adhérent.")
        return view(request, user, *args, **kwargs)

    return wrapper


@member_only
@require_safe
def member(request: HttpRequest, user: User) -> HttpResponse:
    """ "Assistance à distance": what it is, the code to read to the adviser, who is helping."""
    now = timezone.now()
    membership = journey_to_assist(user)
    session = services.active_session_for_member(membership, now=now) if membership else None
    context = {
        "membership": membership,
        "session": session,
        "assisting": session is not None and session.is_assisting(now),
        "code": browser.shown_code(request, session, now=now),
        "code_minutes": services.CODE_MINUTES,
        "section": "assistance",
    }
    return render(request, "assistance/member.html", context)


@member_only
@require_POST
def issue(request: HttpRequest, user: User) -> HttpResponse:
    """ "Obtenir un code d'assistance"."""
    membership = journey_to_assist(user)
    try:
        if membership is None:
            raise BusinessError(AssistanceError.NOTHING_TO_ASSIST)
        issued = services.issue_code(membership=membership, by=user, request=request)
    except BusinessError as refused:
        messages.error(request, refused.message)
    else:
        browser.remember_code(request, issued)
    return redirect("assistance:member")


@member_only
@require_POST
def revoke(request: HttpRequest, user: User) -> HttpResponse:
    """ "Révoquer l'accès": the code no longer works; an adviser at work is stopped at once."""
    membership = journey_to_assist(user)
    session = services.active_session_for_member(membership) if membership else None
    if session is None:
        messages.info(request, "Aucune assistance à distance n'est en cours.")
    else:
        services.end(session=session, by=user, reason=EndReason.REVOKED, request=request)
        messages.success(
            request,
            "L'accès est révoqué : le conseiller ne peut plus intervenir sur votre adhésion.",
        )
    return redirect("assistance:member")
