"""The back office's "Prendre la main à distance": who may open it, and the code field."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conftest import declare, make_user, text
from portal.accounts.models import Role, User
from portal.assistance import services
from portal.assistance.models import AssistanceSession, EndReason
from portal.companies.models import Company
from portal.enrollment.models import Membership

pytestmark = pytest.mark.django_db
PAGE = reverse("backoffice:assistance")


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def membership(company_a: Company) -> Membership:
    return Membership.objects.get(pk=declare(company_a).membership_id)


def issue(membership: Membership) -> services.IssuedCode:
    user = membership.employee.user
    assert user is not None
    return services.issue_code(membership=membership, by=user)


def test_the_page_is_linked_from_every_working_screen(staff_client: Client) -> None:
    page = text(staff_client.get(reverse("backoffice:queue")))
    assert f'<a href="{PAGE}">Prendre la main à distance</a>' in page
    page = text(staff_client.get(PAGE))
    assert "<h1>Prendre la main à distance</h1>" in page
    assert "Code d'assistance (6 chiffres)" in page


def test_a_valid_code_opens_the_employees_journey(
    staff_client: Client, staff_user: User, membership: Membership
) -> None:
    response = staff_client.post(PAGE, {"code": issue(membership).code})
    assert response["Location"] == reverse("journey:resume", args=[membership.pk])
    session = AssistanceSession.objects.get()
    assert session.claimed_by == staff_user
    page = text(staff_client.get(PAGE))
    assert "Vous assistez <strong>Cédric SIMON</strong>" in page
    assert "Terminer l'assistance" in page


def test_a_wrong_code_says_so_without_telling_whose_it_could_be(
    staff_client: Client, membership: Membership
) -> None:
    code = issue(membership).code
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = staff_client.post(PAGE, {"code": wrong})
    assert response.status_code == 400
    page = text(response)
    assert "Ce code d'assistance n'est pas valable : il est erroné, expiré (15 minutes)" in page
    assert "SIMON" not in page and code not in page
    assert AssistanceSession.objects.get().claimed_by is None


def test_too_many_wrong_codes_are_refused_for_a_while(
    staff_client: Client, membership: Membership
) -> None:
    code = issue(membership).code
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(services.WRONG_CODES_PER_STAFF):
        staff_client.post(PAGE, {"code": wrong})
    page = text(staff_client.post(PAGE, {"code": code}))
    assert "Trop de codes d'assistance erronés : réessayez dans 15 minutes." in page
    assert AssistanceSession.objects.get().claimed_by is None


def test_an_adviser_cannot_end_another_advisers_assistance(
    staff_client: Client, membership: Membership, staff_user: User
) -> None:
    other = Client()
    colleague = make_user("collegue@example.org", Role.STAFF, is_staff=True)
    session = services.claim(code=issue(membership).code, staff=colleague)
    end = reverse("backoffice:assistance_end", args=[session.pk])
    assert staff_client.post(end).status_code == 404
    assert staff_client.get(end).status_code == 405
    other.force_login(colleague)
    assert other.post(end)["Location"] == PAGE
    session.refresh_from_db()
    assert session.end_reason == EndReason.ENDED_BY_STAFF


def test_hr_members_and_visitors_never_reach_the_staff_pages(
    client: Client, correspondent_a: User, membership: Membership
) -> None:
    session = services.claim(code=issue(membership).code, staff=_staff())
    urls = [PAGE, reverse("backoffice:assistance_end", args=[session.pk])]
    for url in urls:
        response = client.post(url, {"code": "123456"})
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/?next=")
    member = membership.employee.user
    assert member is not None
    for user in (correspondent_a, member):
        client.force_login(user)
        for url in urls:
            assert client.post(url, {"code": "123456"}).status_code == 404
    session.refresh_from_db()
    assert session.ended_at is None


def _staff() -> User:
    return make_user("conseil@example.org", Role.STAFF, is_staff=True)
