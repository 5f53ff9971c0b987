"""`manage.py renew_cards`: next year's cards for the members still covered, once."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from portal.cards.models import MembershipCard
from portal.enrollment.models import Membership, MembershipStatus
from portal.enrollment.services import move_membership

pytestmark = pytest.mark.django_db


def renew(year: int) -> str:
    out = StringIO()
    call_command("renew_cards", "--year", str(year), stdout=out)
    return out.getvalue().strip()


def test_renewal_issues_next_year_s_card_once(active: Membership) -> None:
    assert renew(2027) == "1 carte(s) renouvelée(s) pour 2027."
    assert renew(2027) == "0 carte(s) renouvelée(s) pour 2027."
    cards = MembershipCard.objects.filter(membership=active).order_by("version")
    assert [(c.version, c.valid_from, c.valid_until, c.superseded_at is None) for c in cards] == [
        (1, date(2026, 1, 1), date(2026, 12, 31), False),
        (2, date(2027, 1, 1), date(2027, 12, 31), True),
    ]
    assert cards[1].lines == cards[0].lines


def test_renewal_by_default_is_for_next_year(active: Membership) -> None:
    out = StringIO()
    call_command("renew_cards", stdout=out)
    assert out.getvalue().strip() == "1 carte(s) renouvelée(s) pour 2027."


def test_a_card_ended_with_the_cover_is_not_renewed(active: Membership) -> None:
    with transaction.atomic():
        move_membership(active.pk, MembershipStatus.TERMINATED, by=None, end_date=date(2026, 6, 30))
    assert renew(2027) == "0 carte(s) renouvelée(s) pour 2027."
    assert MembershipCard.objects.filter(membership=active).count() == 2


def test_portability_into_next_year_renews_the_card_until_its_end(active: Membership) -> None:
    with transaction.atomic():
        move_membership(
            active.pk,
            MembershipStatus.TERMINATED,
            by=None,
            end_date=date(2026, 10, 31),
            cover_until=date(2027, 4, 30),
        )
    assert renew(2027) == "1 carte(s) renouvelée(s) pour 2027."
    card = MembershipCard.objects.get(membership=active, superseded_at=None)
    assert (card.valid_from, card.printed_until) == (date(2027, 1, 1), date(2027, 4, 30))


def test_a_card_remade_after_the_renewal_stays_for_the_renewed_year(active: Membership) -> None:
    renew(2027)
    with transaction.atomic():
        move_membership(active.pk, MembershipStatus.TERMINATED, by=None, end_date=date(2027, 1, 31))
    card = MembershipCard.objects.get(membership=active, superseded_at=None)
    assert (card.version, card.valid_from, card.printed_until) == (
        3,
        date(2027, 1, 1),
        date(2027, 1, 31),
    )
