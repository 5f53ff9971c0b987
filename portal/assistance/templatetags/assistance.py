"""The assistance banner of the journey's pages, on both sides of the call."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from portal.accounts.models import Role, User
from portal.assistance import browser, services
from portal.enrollment.models import Membership

register = template.Library()


@register.inclusion_tag("assistance/_banner.html", takes_context=True)
def assistance_banner(context: template.Context) -> dict[str, Any]:
    """For an adviser: "Vous assistez …" and "Terminer l'assistance". For the employee: the
    adviser with them since when and "Révoquer l'accès", the code still waiting, or the way to
    ask for one while their journey is unfinished."""
    request = context.get("request")
    membership = context.get("membership")
    if not isinstance(request, HttpRequest) or not isinstance(request.user, User):
        return {}
    user = request.user
    if user.is_staff:
        return {"assistance_staff": browser.active_staff_session(request)}
    if user.role != Role.MEMBER or not isinstance(membership, Membership):
        return {}
    session = services.active_session_for_member(membership)
    return {
        "assistance_member": session,
        "assistance_offer": session is None and membership.editable_by_employee,
    }
