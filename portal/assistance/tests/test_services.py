"""The remote assistance's state: issuing a code, claiming it, ending, expiring, throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from conftest import declare, make_user
from portal.accounts.models import Role, User
from portal.assistance import services
from portal.assistance.errors import AssistanceError
from portal.assistance.models import AssistanceSession, EndReason
from portal.companies.models import Company
from portal.core.audit import AuditAction, acting_for, record
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership, MembershipStatus

pytestmark = pytest.mark.django_db


def issued(membership: Membership, user: User, **kwargs: object) -> services.IssuedCode:
    return services.issue_code(membership=membership, by=user, **kwargs)  # type: ignore[arg-type]


def test_issue_code_returns_six_digits_and_stores_only_their_keyed_digest(
    membership: Membership, employee_user: User
) -> None:
    code = issued(membership, employee_user)
    assert len(code.code) == 6 and code.code.isdigit()
    row = AssistanceSession.objects.get()
    assert row.code_digest == services.code_digest(code.code) != code.code
    stored = [str(getattr(row, f.attname)) for f in AssistanceSession._meta.concrete_fields]
    assert not any(code.code in value for value in stored)
    assert row.code_expires_at - row.created_at == timedelta(minutes=15)
    event = AuditEvent.objects.get(action=AuditAction.ASSISTANCE_CODE_ISSUED)
    assert (event.actor_id, event.target_id) == (employee_user.pk, str(membership.pk))
    assert code.code not in str(event.details)


def test_a_new_code_replaces_the_open_one(membership: Membership, employee_user: User) -> None:
    first = issued(membership, employee_user)
    second = issued(membership, employee_user)
    first.session.refresh_from_db()
    assert (first.session.end_reason, first.session.code_digest) == (EndReason.REPLACED, "")
    assert services.active_session_for_member(membership) == second.session


def test_only_the_member_themself_may_ask_for_a_code(
    membership: Membership, adviser: User, correspondent_a: User
) -> None:
    for someone in (adviser, correspondent_a):
        with pytest.raises(BusinessError) as refused:
            issued(membership, someone)
        assert refused.value.code == AssistanceError.NOTHING_TO_ASSIST
    assert not AssistanceSession.objects.exists()


def test_a_signed_journey_gets_no_code(membership: Membership, employee_user: User) -> None:
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.SIGNED)
    with pytest.raises(BusinessError) as refused:
        issued(membership, employee_user)
    assert refused.value.code == AssistanceError.NOTHING_TO_ASSIST
    assert not AssistanceSession.objects.exists()


def test_claim_starts_the_assisted_mode_and_the_code_serves_once(
    membership: Membership, employee_user: User, adviser: User, settings: object
) -> None:
    code = issued(membership, employee_user)
    now = timezone.now()
    session = services.claim(code=code.code[:3] + " " + code.code[3:], staff=adviser, now=now)
    assert (session.claimed_by, session.claimed_at, session.code_digest) == (adviser, now, "")
    assert session.ends_at == now + timedelta(minutes=60)
    assert services.active_session_for_staff(staff=adviser, session_id=session.pk) == session
    started = AuditEvent.objects.get(action=AuditAction.ASSISTANCE_STARTED)
    assert started.actor_id == adviser.pk
    assert started.details["on_behalf_of"] == employee_user.pk
    assert started.details["assistance_session"] == session.pk
    other = make_user("autre@example.org", Role.STAFF, is_staff=True)
    with pytest.raises(BusinessError) as refused:
        services.claim(code=code.code, staff=other)
    assert refused.value.code == AssistanceError.ASSISTANCE_CODE_INVALID
    session.refresh_from_db()
    assert session.claimed_by == adviser


def test_a_wrong_code_is_refused_audited_and_changes_nothing(
    membership: Membership, employee_user: User, adviser: User
) -> None:
    code = issued(membership, employee_user)
    wrong = f"{(int(code.code) + 1) % 10**6:06d}"
    for typed in (wrong, "abcdef", "12345"):
        with pytest.raises(BusinessError) as refused:
            services.claim(code=typed, staff=adviser)
        assert refused.value.message == AssistanceError.ASSISTANCE_CODE_INVALID.message
    row = AssistanceSession.objects.get()
    assert (row.claimed_by, row.code_digest) == (None, services.code_digest(code.code))
    refusals = AuditEvent.objects.filter(action=AuditAction.ASSISTANCE_CODE_REFUSED)
    assert [e.actor_id for e in refusals] == [adviser.pk] * 3


def test_a_code_expires_after_15_minutes(
    membership: Membership, employee_user: User, adviser: User
) -> None:
    now = timezone.now()
    code = issued(membership, employee_user, now=now)
    later = now + timedelta(minutes=15)
    assert services.active_session_for_member(membership, now=later) is None
    with pytest.raises(BusinessError) as refused:
        services.claim(code=code.code, staff=adviser, now=later)
    assert refused.value.code == AssistanceError.ASSISTANCE_CODE_INVALID
    row = AssistanceSession.objects.get()
    assert (row.end_reason, row.ended_at, row.claimed_by) == (
        EndReason.EXPIRED,
        row.code_expires_at,
        None,
    )


def test_the_assisted_mode_ends_after_its_overall_cap(
    membership: Membership, employee_user: User, adviser: User, settings: object
) -> None:
    setattr(settings, "ASSISTANCE_SESSION_MINUTES", 30)  # noqa: B010
    now = timezone.now()
    code = issued(membership, employee_user, now=now)
    session = services.claim(code=code.code, staff=adviser, now=now + timedelta(minutes=14))
    still = now + timedelta(minutes=43)
    over = now + timedelta(minutes=44)
    assert services.active_session_for_staff(staff=adviser, session_id=session.pk, now=still)
    assert services.active_session_for_staff(staff=adviser, session_id=session.pk, now=over) is None
    assert services.ending_of(session, now=over) == EndReason.EXPIRED
    assert services.end_finished_sessions(now=over) == 1
    session.refresh_from_db()
    assert (session.end_reason, session.ended_at) == (EndReason.EXPIRED, session.ends_at)
    assert services.end_finished_sessions(now=over) == 0


def test_staff_entering_wrong_codes_are_throttled_even_with_the_right_one(
    membership: Membership, employee_user: User, adviser: User
) -> None:
    code = issued(membership, employee_user)
    wrong = f"{(int(code.code) + 1) % 10**6:06d}"
    for _ in range(services.WRONG_CODES_PER_STAFF):
        with pytest.raises(BusinessError):
            services.claim(code=wrong, staff=adviser)
    with pytest.raises(BusinessError) as refused:
        services.claim(code=code.code, staff=adviser)
    assert refused.value.code == AssistanceError.THROTTLED
    assert AssistanceSession.objects.get().claimed_by is None
    assert AuditEvent.objects.filter(action=AuditAction.ASSISTANCE_CODE_THROTTLED).count() == 1


def test_wrong_codes_from_one_address_are_throttled_across_advisers(
    membership: Membership, employee_user: User
) -> None:
    code = issued(membership, employee_user)
    wrong = f"{(int(code.code) + 1) % 10**6:06d}"
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    advisers = [
        make_user(f"conseil{i}@example.org", Role.STAFF, is_staff=True)
        for i in range(services.WRONG_CODES_PER_ADDRESS // services.WRONG_CODES_PER_STAFF + 1)
    ]
    for adviser in advisers[:-1]:
        for _ in range(services.WRONG_CODES_PER_STAFF):
            with pytest.raises(BusinessError):
                services.claim(code=wrong, staff=adviser, request=request)
    with pytest.raises(BusinessError) as refused:
        services.claim(code=code.code, staff=advisers[-1], request=request)
    assert refused.value.code == AssistanceError.THROTTLED


def test_the_employee_revokes_and_the_adviser_is_out_at_once(
    membership: Membership, employee_user: User, adviser: User
) -> None:
    session = services.claim(code=issued(membership, employee_user).code, staff=adviser)
    services.end(session=session, by=employee_user, reason=EndReason.REVOKED)
    assert services.active_session_for_staff(staff=adviser, session_id=session.pk) is None
    assert services.active_session_for_member(membership) is None
    event = AuditEvent.objects.get(action=AuditAction.ASSISTANCE_ENDED)
    assert (event.actor_id, event.details["reason"], event.details["staff"]) == (
        employee_user.pk,
        "revoked",
        adviser.pk,
    )


def test_only_the_adviser_holding_it_ends_it_and_the_employee_only_revokes(
    membership: Membership, employee_user: User, adviser: User
) -> None:
    session = services.claim(code=issued(membership, employee_user).code, staff=adviser)
    other = make_user("autre@example.org", Role.STAFF, is_staff=True)
    attempts = [
        (other, EndReason.ENDED_BY_STAFF),
        (employee_user, EndReason.ENDED_BY_STAFF),
        (adviser, EndReason.REVOKED),
        (adviser, EndReason.EXPIRED),
    ]
    for by, reason in attempts:
        with pytest.raises(BusinessError) as refused:
            services.end(session=session, by=by, reason=reason)
        assert refused.value.code == AssistanceError.NOT_YOURS
    session.refresh_from_db()
    assert session.ended_at is None
    services.end(session=session, by=adviser, reason=EndReason.ENDED_BY_STAFF)
    session.refresh_from_db()
    assert session.end_reason == EndReason.ENDED_BY_STAFF


def test_a_signed_journey_ends_the_assistance(
    membership: Membership, employee_user: User, adviser: User
) -> None:
    session = services.claim(code=issued(membership, employee_user).code, staff=adviser)
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.SIGNED)
    assert services.active_session_for_staff(staff=adviser, session_id=session.pk) is None
    assert services.end_finished_sessions() == 1
    session.refresh_from_db()
    assert session.end_reason == EndReason.SIGNED


def test_two_open_codes_never_share_a_digest(company_a: Company, adviser: User) -> None:
    first = declare(company_a)
    second = declare(company_a, nir="", email="awa@example.org", employee_number="M-0002")
    a = issued(first.membership, first.membership.employee.user)
    b = issued(second.membership, second.membership.employee.user)
    assert a.session.code_digest != b.session.code_digest
    assert services.claim(code=b.code, staff=adviser).membership_id == second.membership_id


def test_acting_for_names_the_employee_in_every_event_recorded_meanwhile(
    employee_user: User, adviser: User
) -> None:
    with acting_for(employee_user, assistance_session=7):
        inside = record(AuditAction.PROFILE_SAVED, by=adviser, changed=["phone"])
    outside = record(AuditAction.PROFILE_SAVED, by=adviser)
    assert inside.details == {
        "on_behalf_of": employee_user.pk,
        "assistance_session": 7,
        "changed": ["phone"],
    }
    assert outside.details == {}
