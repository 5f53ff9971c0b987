"""`enrollment` owns memberships: one transition table, one function that moves them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conftest import declare
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment import transitions
from portal.enrollment.models import JourneyStep, Membership, MembershipStatus
from portal.enrollment.services import move_membership

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
S = MembershipStatus


def test_the_membership_transition_table_lists_exactly_the_moves_of_the_business() -> None:
    assert {
        (S.PRE_ENROLLED, S.SIGNED),
        (S.SIGNED, S.PRE_ENROLLED),
        (S.SIGNED, S.ACTIVE),
        (S.PRE_ENROLLED, S.TERMINATED),
        (S.SIGNED, S.TERMINATED),
        (S.ACTIVE, S.TERMINATED),
        (S.TERMINATED, S.PRE_ENROLLED),
        (S.TERMINATED, S.SIGNED),
        (S.TERMINATED, S.ACTIVE),
        (S.PRE_ENROLLED, S.WAIVER_REQUESTED),
        (S.WAIVER_REQUESTED, S.WAIVED),
        (S.WAIVER_REQUESTED, S.PRE_ENROLLED),
        (S.WAIVED, S.PRE_ENROLLED),
        (S.PRE_ENROLLED, S.CANCELLED),
        (S.SIGNED, S.CANCELLED),
    } == transitions.MEMBERSHIP_TRANSITIONS


def test_the_table_knows_every_status_ends_cancelled_ones_and_a_waiver_only_by_enrolling() -> None:
    statuses = {s for move in transitions.MEMBERSHIP_TRANSITIONS for s in move}
    assert statuses == set(S.values)
    assert not any(f == S.CANCELLED for f, _ in transitions.MEMBERSHIP_TRANSITIONS)
    assert {t for f, t in transitions.MEMBERSHIP_TRANSITIONS if f == S.WAIVED} == {S.PRE_ENROLLED}


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), sorted(transitions.MEMBERSHIP_TRANSITIONS))
def test_every_allowed_move_sets_the_status_date_and_writes_the_audit_event(
    company_a: Company, from_status: str, to_status: str
) -> None:
    membership = declare(company_a).membership
    Membership.objects.filter(pk=membership.pk).update(status=from_status)
    moved = move_membership(membership.pk, to_status, by=None, now=NOW)
    moved.refresh_from_db()
    assert (moved.status, moved.status_changed_at) == (to_status, NOW)
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_MOVED)
    assert (event.target_id, event.company_id, event.details) == (
        str(membership.pk),
        company_a.pk,
        {"from_status": from_status, "to_status": to_status},
    )


@pytest.mark.django_db
def test_a_move_saves_the_fields_that_change_with_it(company_a: Company) -> None:
    membership = declare(company_a).membership
    move_membership(
        membership.pk,
        S.SIGNED,
        by=None,
        now=NOW,
        signed_at=NOW,
        journey_step=JourneyStep.SIGNATURE,
    )
    move_membership(membership.pk, S.ACTIVE, by=None, now=NOW)
    move_membership(membership.pk, S.TERMINATED, by=None, now=NOW, end_date=date(2026, 6, 30))
    membership.refresh_from_db()
    assert (
        membership.status,
        membership.signed_at,
        membership.journey_step,
        membership.end_date,
    ) == (S.TERMINATED, NOW, JourneyStep.SIGNATURE, date(2026, 6, 30))


@pytest.mark.django_db
def test_a_move_not_in_the_table_is_refused_and_changes_nothing(company_a: Company) -> None:
    membership = declare(company_a).membership
    Membership.objects.filter(pk=membership.pk).update(status=S.WAIVED)
    with pytest.raises(BusinessError) as refused:
        move_membership(membership.pk, S.ACTIVE, by=None, now=NOW)
    assert refused.value.code == "membership_move_refused"
    assert refused.value.message == (
        "Cette adhésion est « Dispensé » : elle ne peut pas passer à « Mis en gestion »."
    )
    membership.refresh_from_db()
    assert membership.status == S.WAIVED
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_MOVED).exists()


@pytest.mark.django_db
def test_a_move_changes_only_the_fields_that_go_with_a_status(company_a: Company) -> None:
    membership = declare(company_a).membership
    with pytest.raises(AssertionError):
        move_membership(membership.pk, S.SIGNED, by=None, now=NOW, member_number="1")
