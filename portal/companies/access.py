"""Access to the employer space: correspondents only, each to its own companies."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from portal.accounts.models import Role
from portal.companies.models import Company, ContractKind
from portal.companies.queries import companies_for_user

View = Callable[..., HttpResponseBase]


def correspondent_required(view: View) -> View:
    """Logged-in HR correspondents only; others are sent to log in or refused."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.role != Role.CORRESPONDENT:  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def company_context(request: HttpRequest, company: Company, section: str) -> dict[str, Any]:
    """What every page of the employer space shows: menu, current company, switcher."""
    contracts = list(company.contracts.all())
    return {
        "company": company,
        "section": section,
        "has_provident": any(c.kind == ContractKind.PROVIDENT for c in contracts),
        "other_companies": companies_for_user(request.user).exclude(pk=company.pk),  # type: ignore[arg-type]
    }
