"""The access checks themselves (without the middleware in front) want a session that passed the
second factor when one is required: staff always, HR as their companies decide (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from portal.accounts.models import User
from portal.backoffice.access import staff_view
from portal.companies.access import correspondent_required
from portal.companies.models import Company

ENROL = reverse("accounts:enrol_second_factor")


def answered(request: HttpRequest, *args: Any) -> HttpResponse:
    return HttpResponse("ok")


@pytest.mark.django_db
def test_staff_view_sends_an_unverified_staff_session_to_the_enrolment(staff_user: User) -> None:
    request = RequestFactory().get("/backoffice/")
    request.user = staff_user  # logged in, no django-otp device in the session
    response = staff_view(answered)(request)
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=%2Fbackoffice%2F"


@pytest.mark.django_db
def test_employer_space_sends_an_unverified_hr_session_to_the_enrolment(
    correspondent_a: User,
) -> None:
    request = RequestFactory().get("/entreprises/")
    request.user = correspondent_a
    response = correspondent_required(answered)(request)
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=%2Fentreprises%2F"


@pytest.mark.django_db
def test_employer_space_lets_hr_in_with_the_password_when_optional(
    correspondent_a: User, company_a: Company
) -> None:
    company_a.hr_two_factor_required = False
    company_a.save(update_fields=["hr_two_factor_required"])
    request = RequestFactory().get("/entreprises/")
    request.user = correspondent_a
    response = correspondent_required(answered)(request)
    assert isinstance(response, HttpResponse)
    assert response.content == b"ok"
