"""The employee's "Assistance à distance" page through HTTP."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, text
from portal.accounts.models import User
from portal.assistance import services
from portal.assistance.models import AssistanceSession, EndReason
from portal.companies.models import Company
from portal.enrollment.models import Membership

pytestmark = pytest.mark.django_db
PAGE = reverse("assistance:member")
ISSUE = reverse("assistance:issue")
REVOKE = reverse("assistance:revoke")


def shown_code(page: str) -> str:
    found = re.search(r'class="assistance-code"[^>]*>(\d{6})<', page)
    assert found is not None
    return found.group(1)


def test_the_page_offers_a_code_and_showing_it_writes_nothing(
    client: Client, employee_user: User
) -> None:
    client.force_login(employee_user)
    page = text(client.get(PAGE))
    assert "Assistance à distance" in page and "Obtenir un code d'assistance" in page
    assert "ne peut jamais signer à votre place ni voir le code reçu par SMS" in page
    assert not AssistanceSession.objects.exists()


def test_the_code_stays_shown_in_big_digits_until_an_adviser_enters_it(
    client: Client, membership: Membership, employee_user: User, adviser: User
) -> None:
    client.force_login(employee_user)
    response = client.post(ISSUE)
    assert response["Location"] == PAGE
    page = text(client.get(PAGE))
    code = shown_code(page)
    session = AssistanceSession.objects.get()
    assert session.code_digest == services.code_digest(code)
    assert f"Valable jusqu'à {session.code_expires_at.astimezone().strftime('%H:%M')}" in page
    assert code not in str(client.session.items())  # kept encrypted in the session
    assert shown_code(text(client.get(PAGE))) == code  # reloading shows it again
    services.claim(code=code, staff=adviser)
    page = text(client.get(PAGE))
    assert code not in page
    assert "Un conseiller (Sophie) vous accompagne depuis" in page
    assert "Révoquer l'accès" in page


def test_revoking_ends_the_assistance(
    client: Client, membership: Membership, employee_user: User, adviser: User
) -> None:
    client.force_login(employee_user)
    client.post(ISSUE)
    code = shown_code(text(client.get(PAGE)))
    session = services.claim(code=code, staff=adviser)
    page = text(client.post(REVOKE, follow=True))
    assert "L'accès est révoqué" in page
    session.refresh_from_db()
    assert (session.end_reason, session.ended_at is not None) == (EndReason.REVOKED, True)
    assert "Obtenir un code d'assistance" in page


def test_another_member_sees_and_revokes_nothing_of_someone_elses_assistance(
    client: Client, company_a: Company, membership: Membership, employee_user: User
) -> None:
    code = services.issue_code(membership=membership, by=employee_user).code
    other = declare(company_a, nir="", email="awa@example.org", employee_number="M-0002")
    client.force_login(other.membership.employee.user)
    page = text(client.get(PAGE))
    assert code not in page and "Obtenir un code d'assistance" in page
    client.post(REVOKE)
    assert services.active_session_for_member(membership) is not None


def test_hr_staff_and_visitors_cannot_use_the_members_page(
    client: Client, correspondent_a: User, adviser: User, membership: Membership
) -> None:
    for url in (PAGE, ISSUE, REVOKE):
        method = client.get if url == PAGE else client.post
        response = method(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:member_login"))
    for user in (correspondent_a, adviser):
        client.force_login(user)
        for url in (PAGE, ISSUE, REVOKE):
            method = client.get if url == PAGE else client.post
            assert method(url).status_code == 403
    assert not AssistanceSession.objects.exists()


def test_a_member_with_a_signed_journey_is_told_there_is_nothing_to_assist(
    client: Client, membership: Membership, employee_user: User
) -> None:
    Membership.objects.filter(pk=membership.pk).update(status="signed")
    client.force_login(employee_user)
    page = text(client.post(ISSUE, follow=True))
    assert "Vous n'avez pas d'adhésion en ligne à finaliser" in page
    assert "Obtenir un code d'assistance" not in page
    assert not AssistanceSession.objects.exists()
