"""Access to the employer space: correspondents only, each to its own companies."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from portal.accounts.http import AuthenticatedRequest
from portal.accounts.models import Role, User
from portal.accounts.policy import second_factor_satisfied
from portal.accounts.views import second_factor_url
from portal.companies.errors import AccessError
from portal.companies.models import AccessRight, Company, ContractKind
from portal.companies.queries import companies_for_user, get_company_for_user, rights_of

View = Callable[..., HttpResponseBase]


def correspondent_required(view: View) -> View:
    """Logged-in HR correspondents only; others are sent to log in or refused."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not isinstance(request.user, User) or request.user.role != Role.CORRESPONDENT:
            raise PermissionDenied
        if not second_factor_satisfied(request.user):  # the company requires a second factor
            target = second_factor_url(request.user, request.get_full_path())
            assert target is not None
            return redirect(target)
        return view(request, *args, **kwargs)

    return wrapper


def company_view(view: View) -> View:
    """Correspondents only, on a company linked to their login (another one is a 404): the
    view is called with an `AuthenticatedRequest` and the `Company` instead of `company_id`."""

    @correspondent_required
    @wraps(view)
    def wrapper(
        request: AuthenticatedRequest, company_id: int, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        company = get_company_for_user(request.user, company_id)
        return view(request, company, *args, **kwargs)

    return wrapper


def requires(right: AccessRight) -> Callable[[View], View]:
    """Under `company_view`: the view answers only a login whose access to the company has
    `right` (a person given read-only access gets the 403 page, which says what is missing)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: AuthenticatedRequest, company: Company, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            if right not in rights_of(request.user, company):
                raise PermissionDenied(
                    AccessError.RIGHT_MISSING.text(right=AccessRight(right).label)
                )
            return view(request, company, *args, **kwargs)

        return wrapper

    return decorate


def company_context(
    request: AuthenticatedRequest, company: Company, section: str
) -> dict[str, Any]:
    """What every page of the employer space shows: menu, current company, switcher, and what
    the login may do there (`can.declare`, `can.terminate`, `can.manage`)."""
    contracts = list(company.contracts.all())
    rights = rights_of(request.user, company)
    return {
        "company": company,
        "section": section,
        "has_provident": any(c.kind == ContractKind.PROVIDENT for c in contracts),
        "other_companies": companies_for_user(request.user).exclude(pk=company.pk),
        "can": {right: right in rights for right in AccessRight.values},
    }
