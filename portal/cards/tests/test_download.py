"""Who downloads a card: the member their own, staff from the back office, nobody else."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, make_nir
from portal.accounts.models import User
from portal.cards.models import MembershipCard
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership

pytestmark = pytest.mark.django_db


def card_url(membership: Membership) -> str:
    return reverse("journey:card", args=[membership.pk])


def admin_url(membership: Membership) -> str:
    card = MembershipCard.objects.get(membership=membership, superseded_at=None)
    return reverse("admin:cards_membershipcard_pdf", args=[card.pk])


@pytest.fixture
def other_member(company_a: Company) -> User:
    request = declare(
        company_a,
        civility="MME",
        last_name="Garcia",
        first_name="Léa",
        nir=make_nir("2", "9002", "75115", "456"),
        birth_date=date(1990, 2, 11),
        email="lea.garcia@example.org",
        employee_number="M-0002",
    )
    user: User | None = request.membership.employee.user
    assert user is not None
    return user


def test_the_member_downloads_their_card_and_it_is_audited(
    client: Client, active: Membership, member: User
) -> None:
    client.force_login(member)
    response = client.get(card_url(active))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.CARD_DOWNLOADED)
    assert (event.actor_id, event.details) == (member.pk, {"version": 1})


def test_the_member_space_offers_the_card_once_it_exists(
    client: Client, signed: Membership, staff_user: User
) -> None:
    user = signed.employee.user
    assert user is not None
    client.force_login(user)
    assert "Ma carte mutualiste" not in client.get(reverse("journey:space")).content.decode()
    assert client.get(card_url(signed)).status_code == 404
    from portal.signatures.journey import close_enrollment

    close_enrollment(membership=signed, by=staff_user)
    page = client.get(reverse("journey:space")).content.decode()
    assert "<h3>Ma carte mutualiste</h3>" in page
    assert f'href="{card_url(signed)}"' in page


def test_another_member_gets_a_404(client: Client, active: Membership, other_member: User) -> None:
    client.force_login(other_member)
    assert client.get(card_url(active)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.CARD_DOWNLOADED).exists()


def test_the_employer_never_sees_the_card(
    client: Client, active: Membership, correspondent_a: User
) -> None:
    client.force_login(correspondent_a)
    assert client.get(card_url(active)).status_code == 404
    assert client.get(admin_url(active)).status_code == 302  # to the back office login
    assert not AuditEvent.objects.filter(action=AuditAction.CARD_DOWNLOADED).exists()


def test_an_anonymous_visitor_is_sent_to_the_login(client: Client, active: Membership) -> None:
    response = client.get(card_url(active))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(admin_url(active)).status_code == 302


def test_a_member_cannot_open_the_back_office_download(
    client: Client, active: Membership, member: User
) -> None:
    client.force_login(member)
    response = client.get(admin_url(active))
    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]


def test_staff_download_a_card_from_the_back_office_audited(
    client: Client, active: Membership, staff_user: User
) -> None:
    client.force_login(staff_user)
    listing = client.get(reverse("admin:cards_membershipcard_changelist")).content.decode()
    assert admin_url(active) in listing
    response = client.get(admin_url(active))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(action=AuditAction.CARD_DOWNLOADED)
    assert event.actor_id == staff_user.pk
