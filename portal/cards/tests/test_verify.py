"""The public verification page: valid on a day or not since a day, nothing personal."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from portal.cards.models import MembershipCard
from portal.cards.tests.conftest import PARIS
from portal.cards.verification import token_of, verification_url
from portal.core.models import AuditEvent
from portal.enrollment.effects import MembershipChange, membership_changed
from portal.enrollment.models import Membership, MembershipStatus
from portal.enrollment.services import move_membership

pytestmark = pytest.mark.django_db


def card_of(membership: Membership) -> MembershipCard:
    return MembershipCard.objects.get(membership=membership, superseded_at=None)


def answer(client: Client, card: MembershipCard) -> tuple[int, str]:
    response = client.get(verification_url(card).removeprefix("http://127.0.0.1:8000"))
    page = response.content.decode()
    sentence = page.split("<strong>", 1)[1].split("</strong>", 1)[0] if "<strong>" in page else ""
    return response.status_code, sentence


def on(day: date) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=PARIS))


def terminate(membership: Membership, end: date, cover_until: date | None = None) -> None:
    with transaction.atomic():
        move_membership(
            membership.pk,
            MembershipStatus.TERMINATED,
            by=None,
            end_date=end,
            cover_until=cover_until,
        )


def test_a_current_card_is_valid_today_and_the_page_says_nothing_else(
    client: Client, active: Membership
) -> None:
    card = card_of(active)
    response = client.get(verification_url(card).removeprefix("http://127.0.0.1:8000"))
    page = response.content.decode()
    assert response.status_code == 200
    assert answer(client, card) == (200, "Carte valide le 15/06/2026")
    for personal in [active.member_number, "SIMON", "Cédric", "1985", "A0001", "775685365"]:
        assert personal not in page
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_a_card_past_31_december_is_not_valid_since_1_january(
    client: Client, active: Membership
) -> None:
    card = card_of(active)
    with on(date(2026, 12, 31)):
        assert answer(client, card) == (200, "Carte valide le 31/12/2026")
    with on(date(2027, 1, 2)):
        assert answer(client, card) == (200, "Carte non valide depuis le 01/01/2027")


def test_a_terminated_member_s_card_stops_after_the_end_of_cover(
    client: Client, active: Membership
) -> None:
    terminate(active, date(2026, 6, 30))
    card = card_of(active)
    with on(date(2026, 6, 30)):
        assert answer(client, card) == (200, "Carte valide le 30/06/2026")
    with on(date(2026, 7, 1)):
        assert answer(client, card) == (200, "Carte non valide depuis le 01/07/2026")


def test_portability_keeps_the_card_verifying_until_its_end(
    client: Client, active: Membership
) -> None:
    terminate(active, date(2026, 6, 30), cover_until=date(2026, 11, 30))
    card = card_of(active)
    with on(date(2026, 9, 1)):
        assert answer(client, card) == (200, "Carte valide le 01/09/2026")
    with on(date(2026, 12, 1)):
        assert answer(client, card) == (200, "Carte non valide depuis le 01/12/2026")


def test_a_remade_card_s_old_version_is_not_valid_since_its_replacement(
    client: Client, active: Membership
) -> None:
    old = card_of(active)
    with on(date(2026, 8, 10)):
        with transaction.atomic():
            membership_changed(active.pk, MembershipChange.DEPENDANTS)
        assert answer(client, old) == (200, "Carte non valide depuis le 10/08/2026")
        assert answer(client, card_of(active)) == (200, "Carte valide le 10/08/2026")


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: "0" * 32 + token[32:],  # another card's id, the same signature
        lambda token: "garbled",
        lambda token: token.split(":")[0],  # no signature
    ],
)
def test_a_forged_or_garbled_token_is_an_unknown_card(
    client: Client, active: Membership, forge: object
) -> None:
    token = token_of(card_of(active))
    assert callable(forge)
    response = client.get(f"/carte/verifier/{forge(token)}/")
    assert response.status_code == 404
    assert "Carte inconnue" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_the_verification_page_answers_without_a_login_and_writes_nothing(
    client: Client, active: Membership
) -> None:
    before = AuditEvent.objects.count()
    assert answer(client, card_of(active))[0] == 200
    assert AuditEvent.objects.count() == before
