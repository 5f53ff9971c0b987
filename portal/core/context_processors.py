from typing import Any

from django.conf import settings
from django.http import HttpRequest

# Pages of the employee's own space: their enrollment steps and account activation.
MEMBER_NAMESPACES = {"journey", "member_requests", "assistance"}


def is_member_page(request: HttpRequest) -> bool:
    """An employee's page: a member's login, or the employee's steps before they log in."""
    user = getattr(request, "user", None)
    if getattr(user, "role", "") == "member":
        return True
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name == "member_login":
        return True
    return match is not None and match.namespace in MEMBER_NAMESPACES


def portal(request: HttpRequest) -> dict[str, Any]:
    """Brand, help contacts, the name of the space and the demo flag, for every template.

    The employer's space is "Mon Entreprise"; an employee is in their mutuelle's space and sees
    its name alone.
    """
    brand = settings.PORTAL_BRAND
    member = is_member_page(request)
    return {
        "brand": brand,
        "demo": settings.DEMO,
        "member_page": member,
        "space_name": "" if member else brand["space_name"],
    }
