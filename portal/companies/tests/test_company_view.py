"""`company_view`: the one access check of the employer space's company pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.test import RequestFactory

from conftest import make_user
from portal.accounts.http import AuthenticatedRequest
from portal.accounts.models import Role, User
from portal.companies.access import company_view
from portal.companies.models import Company

seen: list[tuple[User, Company, int]] = []


@company_view
def page(request: AuthenticatedRequest, company: Company, item_id: int) -> HttpResponse:
    seen.append((request.user, company, item_id))
    return HttpResponse(company.legal_name)


def call(user: User | AnonymousUser, company_id: int) -> HttpResponseBase:
    request = RequestFactory().get("/entreprises/")
    request.user = user
    # As after the code step (the middleware's mark): this tests the company access alone.
    request.user.is_verified = lambda: True  # type: ignore[union-attr]
    response = page(request, company_id=company_id, item_id=7)
    return response


@pytest.fixture(autouse=True)
def forget_calls() -> None:
    seen.clear()


@pytest.mark.django_db
def test_the_view_gets_the_correspondents_company_and_its_own_arguments(
    correspondent_a: User, company_a: Company
) -> None:
    response = call(correspondent_a, company_a.pk)
    assert response.status_code == 200
    assert seen == [(correspondent_a, company_a, 7)]


@pytest.mark.django_db
def test_a_company_not_linked_to_the_login_is_404_and_the_view_does_not_run(
    correspondent_a: User, company_b: Company
) -> None:
    with pytest.raises(Http404):
        call(correspondent_a, company_b.pk)
    assert seen == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MEMBER, Role.STAFF])
def test_other_roles_are_refused_even_when_linked_to_the_company(
    company_a: Company, role: str
) -> None:
    user = make_user("other@example.org", role)
    user.companies.add(company_a)
    with pytest.raises(PermissionDenied):
        call(user, company_a.pk)
    assert seen == []


@pytest.mark.django_db
def test_a_logged_out_visitor_is_sent_to_log_in(company_a: Company) -> None:
    response = call(AnonymousUser(), company_a.pk)
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
    assert seen == []
