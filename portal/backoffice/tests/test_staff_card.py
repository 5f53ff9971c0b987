"""Staff download a member's card from the dossier page: audited; HR and members get a 404,
an anonymous visitor the login page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import User
from portal.cards.models import MembershipCard
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.signatures.journey import close_enrollment
from portal.tracking.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(affiliation: Request, staff_user: User) -> Request:
    """The signed dossier put "en gestion": its card is made."""
    assert affiliation.membership is not None
    close_enrollment(membership=affiliation.membership, by=staff_user)
    return Request.objects.get(pk=affiliation.pk)


def card_of(item: Request) -> MembershipCard:
    return MembershipCard.objects.get(membership__requests=item, superseded_at=None)


def card_url(card: MembershipCard) -> str:
    return reverse("backoffice:card", args=[card.pk])


def dossier(client: Client, item: Request) -> str:
    return client.get(reverse("backoffice:dossier", args=[item.pk])).content.decode()


def test_the_dossier_page_links_the_card_once_put_in_management(
    staff_client: Client, affiliation: Request, staff_user: User
) -> None:
    assert "Télécharger la carte mutualiste" not in dossier(staff_client, affiliation)
    assert affiliation.membership is not None
    close_enrollment(membership=affiliation.membership, by=staff_user)
    card = card_of(affiliation)
    page = dossier(staff_client, affiliation)
    assert f'<a href="{card_url(card)}">Télécharger la carte mutualiste' in page
    assert f"(version 1, valable du {card.valid_from:%d/%m/%Y} au " in page


def test_staff_download_the_card_and_it_is_audited(
    staff_client: Client, staff_user: User, closed: Request
) -> None:
    card = card_of(closed)
    response = staff_client.get(card_url(card))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    assert response["Content-Disposition"] == (
        f'attachment; filename="carte-mutualiste-{card.lines["member_number"]}-v1.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.CARD_DOWNLOADED)
    assert (event.actor_id, event.target_id, event.details) == (
        staff_user.pk,
        str(card.pk),
        {"version": 1},
    )


def test_hr_and_the_member_get_a_404_and_nothing_is_audited(
    client_a: Client, closed: Request
) -> None:
    card = card_of(closed)
    assert client_a.get(card_url(card)).status_code == 404
    member = closed.employee.user
    assert member is not None
    own = Client()
    own.force_login(member)
    assert own.get(card_url(card)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.CARD_DOWNLOADED).exists()


def test_an_anonymous_visitor_is_sent_to_the_login(closed: Request) -> None:
    url = card_url(card_of(closed))
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert not AuditEvent.objects.filter(action=AuditAction.CARD_DOWNLOADED).exists()


def test_an_unknown_card_is_a_404(staff_client: Client) -> None:
    assert staff_client.get(reverse("backoffice:card", args=[999_999])).status_code == 404
