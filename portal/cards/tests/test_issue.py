"""A card is made when the membership is put "en gestion", remade when it changes or ends."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from portal.cards.models import MembershipCard
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.enrollment.choices import DependantKind
from portal.enrollment.effects import MembershipChange, membership_changed
from portal.enrollment.models import Dependant, Membership, MembershipStatus
from portal.enrollment.services import change_cover_end, move_membership

pytestmark = pytest.mark.django_db


def current(membership: Membership) -> MembershipCard:
    return MembershipCard.objects.get(membership=membership, superseded_at=None)


def test_a_signed_dossier_has_no_card_until_it_is_put_en_gestion(signed: Membership) -> None:
    assert signed.status == MembershipStatus.SIGNED
    assert not MembershipCard.objects.exists()


def test_putting_the_dossier_en_gestion_issues_the_first_card(active: Membership) -> None:
    card = current(active)
    assert card.version == 1
    assert (card.valid_from, card.valid_until, card.ends_at) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
        None,
    )
    assert card.lines["member_number"] == active.member_number
    assert card.lines["amc_number"] == "775685365"
    assert card.lines["scheme"] == "Régime général"
    assert card.lines["people"] == [
        {"role": "Adhérent", "name": "Cédric SIMON", "birth_date": "1985-05-14"},
        {"role": "Conjoint", "name": "Claire SIMON", "birth_date": "1987-02-03"},
        {"role": "Enfant", "name": "Lou SIMON", "birth_date": "2015-09-21"},
    ]
    event = AuditEvent.objects.get(action=AuditAction.CARD_ISSUED)
    assert event.target_id == str(card.pk)
    assert event.details == {"membership": active.pk, "version": 1, "why": "status"}


def test_a_card_starts_on_the_effective_date_within_its_year(active: Membership) -> None:
    Membership.objects.filter(pk=active.pk).update(effective_date=date(2026, 3, 1))
    with transaction.atomic():
        membership_changed(active.pk, MembershipChange.PRODUCTS)
    assert current(active).valid_from == date(2026, 3, 1)


def test_a_dependant_added_remakes_the_card_and_supersedes_the_old_one(
    active: Membership,
) -> None:
    first = current(active)
    with transaction.atomic():
        Dependant.objects.create(
            membership=active,
            kind=DependantKind.CHILD,
            civility="MME",
            last_name="SIMON",
            first_name="Zoé",
            birth_date=date(2024, 1, 5),
        )
        membership_changed(active.pk, MembershipChange.DEPENDANTS)
    first.refresh_from_db()
    assert first.superseded_at is not None
    remade = current(active)
    assert remade.version == 2
    assert remade.verification_id != first.verification_id
    assert [p["name"] for p in remade.lines["people"]] == [
        "Cédric SIMON",
        "Claire SIMON",
        "Lou SIMON",
        "Zoé SIMON",
    ]


def test_a_provident_membership_gets_no_card(active: Membership) -> None:
    active.contract.kind = "provident"
    active.contract.save(update_fields=["kind"])
    with transaction.atomic():
        membership_changed(active.pk, MembershipChange.PRODUCTS)
    assert MembershipCard.objects.filter(membership=active).count() == 1


def test_termination_remakes_the_card_ending_with_the_cover(active: Membership) -> None:
    with transaction.atomic():
        move_membership(active.pk, MembershipStatus.TERMINATED, by=None, end_date=date(2026, 6, 30))
    card = current(active)
    assert (card.version, card.ends_at, card.printed_until) == (
        2,
        date(2026, 6, 30),
        date(2026, 6, 30),
    )


def test_portability_keeps_the_card_until_its_end(active: Membership) -> None:
    with transaction.atomic():
        move_membership(
            active.pk,
            MembershipStatus.TERMINATED,
            by=None,
            end_date=date(2026, 6, 30),
            cover_until=date(2027, 6, 30),
        )
    card = current(active)
    assert (card.ends_at, card.printed_until) == (date(2027, 6, 30), date(2026, 12, 31))


def test_an_undone_termination_gives_a_card_without_end(active: Membership) -> None:
    with transaction.atomic():
        move_membership(active.pk, MembershipStatus.TERMINATED, by=None, end_date=date(2026, 6, 30))
    with transaction.atomic():
        move_membership(active.pk, MembershipStatus.ACTIVE, by=None, end_date=None)
    card = current(active)
    assert (card.version, card.ends_at) == (3, None)


def test_a_membership_has_one_current_card(active: Membership) -> None:
    card = current(active)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipCard.objects.create(
            membership=active,
            version=card.version + 1,
            valid_from=card.valid_from,
            valid_until=card.valid_until,
            lines=card.lines,
        )
    assert MembershipCard.objects.filter(membership=active).count() == 1


def test_a_failing_change_leaves_the_card_as_it_was(active: Membership) -> None:
    card = current(active)
    with pytest.raises(RuntimeError), transaction.atomic():
        membership_changed(active.pk, MembershipChange.DEPENDANTS)
        raise RuntimeError("the changing event fails after the card was remade")
    assert list(MembershipCard.objects.filter(membership=active)) == [card]
    assert current(active).superseded_at is None


def test_a_portability_ended_early_ends_the_card_with_it(active: Membership) -> None:
    with transaction.atomic():
        move_membership(
            active.pk,
            MembershipStatus.TERMINATED,
            by=None,
            end_date=date(2026, 6, 30),
            cover_until=date(2027, 6, 30),
        )
    with transaction.atomic():
        change_cover_end(active.pk, cover_until=date(2026, 9, 14), by=None)
    card = current(active)
    assert (card.version, card.ends_at) == (3, date(2026, 9, 14))
