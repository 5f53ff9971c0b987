"""The end of a waiver (R2.11): the notices before its last day, the new proof that keeps it,
and without one the affiliation that becomes due — the employee invited, the employer told."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import Invitation, Membership, MembershipStatus
from portal.notifications.models import OutboundMessage
from portal.tracking.models import EventKind, Reason, Request, RequestEvent, State
from portal.waivers import rules
from portal.waivers.ending import (
    accept_renewal,
    give_up_waiver,
    lapse_waiver,
    refuse_renewal,
    send_end_notice,
    send_renewal,
)
from portal.waivers.models import EndReason, RenewalStatus, Waiver, WaiverRenewal, WaiverStatus
from portal.waivers.rules import check_renewal, get_case, has_ended, notice_to_send
from portal.waivers.services import grant_waiver, record_signature
from portal.waivers.tests.pdf_text import pdf_text
from portal.waivers.tests.test_services import SIGNED_PDF, ask, proof_pdf, stored_files

LAST_DAY = date(2025, 3, 31)  # the CSS waiver of `ask` ends then


def case(code: str) -> rules.WaiverCase:
    found = get_case(code)
    assert found is not None
    return found


# --- The rules, as tables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "sent", "expected"),
    [
        (date(2025, 2, 28), 0, None),  # 31 days before: nothing yet
        (date(2025, 3, 1), 0, 1),  # 30 days before: the first notice
        (date(2025, 3, 1), 1, None),  # sent already (a second run the same day)
        (date(2025, 3, 10), 1, None),  # between two notices
        (date(2025, 3, 16), 1, 2),  # 15 days before: the first reminder
        (date(2025, 3, 24), 2, 3),  # 7 days before: the last reminder
        (date(2025, 3, 31), 3, None),  # the last day: all sent
        (date(2025, 3, 20), 0, 2),  # granted late: one notice at once, counted as the 2nd
        (date(2025, 3, 28), 0, 3),
        (date(2025, 4, 1), 0, None),  # ended: no notice, the end instead
    ],
)
def test_the_end_notices_go_30_15_and_7_days_before_the_last_day_one_a_day(
    today: date, sent: int, expected: int | None
) -> None:
    assert notice_to_send(LAST_DAY, today, sent) == expected


@pytest.mark.parametrize(
    ("today", "ended"),
    [(date(2025, 3, 30), False), (date(2025, 3, 31), False), (date(2025, 4, 1), True)],
)
def test_a_waiver_covers_its_last_day_and_ends_the_day_after(today: date, ended: bool) -> None:
    assert has_ended(LAST_DAY, today) is ended
    assert rules.affiliation_due(LAST_DAY) == date(2025, 4, 1)


@pytest.mark.parametrize(
    ("code", "end_date", "proof", "expected"),
    [
        ("solidarity_health_cover", date(2026, 3, 31), True, []),
        ("solidarity_health_cover", None, True, [("end_date", "end_date_required")]),
        ("solidarity_health_cover", date(2025, 3, 31), True, [("end_date", "renewal_not_later")]),
        ("solidarity_health_cover", date(2026, 3, 31), False, [("proof", "proof_required")]),
        ("solidarity_health_cover", date(2027, 3, 31), True, [("end_date", "end_date_too_far")]),
        ("covered_elsewhere", None, True, []),  # a year from the acceptance: no date to type
        ("covered_elsewhere", date(2026, 3, 31), True, [("end_date", "end_date_not_expected")]),
        ("individual_contract", date(2026, 3, 31), True, [("", "waiver_not_renewable")]),
        # Hired 15/05/2024: a CDD under 12 months must end by 13/05/2025.
        ("fixed_term_under_12_months", date(2025, 5, 13), True, []),
        (
            "fixed_term_under_12_months",
            date(2025, 5, 14),
            True,
            [("end_date", "contract_too_long")],
        ),
    ],
)
def test_a_new_proof_keeps_a_waiver_only_for_a_case_that_allows_it_with_a_later_end(
    code: str, end_date: date | None, proof: bool, expected: list[tuple[str, str]]
) -> None:
    problems = check_renewal(
        case(code),
        current_end=LAST_DAY,
        end_date=end_date,
        proof_present=proof,
        today=date(2025, 3, 10),
        work_start=date(2024, 5, 15),
    )
    assert [(p.field, p.code) for p in problems] == expected


# --- The services -------------------------------------------------------------------------------


@pytest.fixture
def agent(db: None) -> User:
    return make_user("agent@assureur.example", Role.STAFF, is_staff=True)


@pytest.fixture
def granted(membership: Membership, agent: User, correspondent_a: User) -> Waiver:
    """A CSS waiver granted until 31/03/2025, the company's correspondent on file."""
    signed = record_signature(waiver=ask(membership), signed_request_pdf=SIGNED_PDF, by=None)
    return grant_waiver(waiver_id=signed.pk, by=agent)


def timeline(request_id: int | None) -> list[str]:
    assert request_id is not None
    return list(
        Request.objects.get(pk=request_id).events.order_by("pk").values_list("kind", flat=True)
    )


@pytest.mark.django_db
def test_the_first_notice_asks_the_new_proof_by_e_mail_and_is_in_the_requests_timeline(
    granted: Waiver,
) -> None:
    assert send_end_notice(waiver_id=granted.pk, today=date(2025, 3, 1)) is True

    message = OutboundMessage.objects.get(template="waiver_ending")
    assert message.recipient == granted.employee.email
    assert message.subject == "Votre dispense d'adhésion prend fin le 31/03/2025"
    assert (
        "envoyez-nous avant cette date, depuis votre espace (« Envoyer un nouveau justificatif »)"
        " : votre nouvelle attestation de droits à la Complémentaire santé solidaire, avec sa "
        "date de fin." in message.body_text
    )
    assert "obligatoire à partir du 01/04/2025" in message.body_text
    granted.refresh_from_db()
    assert granted.end_notices_sent == 1
    assert timeline(granted.request_id)[-1] == EventKind.WAIVER_END_NOTICE
    event = RequestEvent.objects.filter(request_id=granted.request_id or 0).order_by("pk").last()
    assert event is not None
    assert (event.note, event.message_id) == ("Fin le 31/03/2025", message.pk)
    assert AuditEvent.objects.filter(action="waiver_end_notice_sent").count() == 1
    # The same day again, and a day between two notices: nothing more.
    assert send_end_notice(waiver_id=granted.pk, today=date(2025, 3, 1)) is False
    assert send_end_notice(waiver_id=granted.pk, today=date(2025, 3, 10)) is False
    assert OutboundMessage.objects.filter(template="waiver_ending").count() == 1


@pytest.mark.django_db
def test_the_reminders_say_rappel_and_stop_once_a_new_proof_is_sent(
    granted: Waiver, membership: Membership
) -> None:
    send_end_notice(waiver_id=granted.pk, today=date(2025, 3, 1))
    send_end_notice(waiver_id=granted.pk, today=date(2025, 3, 16))
    subjects = list(
        OutboundMessage.objects.filter(template="waiver_ending")
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects == [
        "Votre dispense d'adhésion prend fin le 31/03/2025",
        "Rappel : votre dispense d'adhésion prend fin le 31/03/2025",
    ]
    send_renewal(
        waiver_id=granted.pk,
        end_date=date(2026, 3, 31),
        proof_name="attestation 2025.pdf",
        proof_data=proof_pdf("CSS 2025"),
        by=membership.employee.user,  # type: ignore[arg-type]
        today=date(2025, 3, 20),
    )
    assert send_end_notice(waiver_id=granted.pk, today=date(2025, 3, 24)) is False


@pytest.mark.django_db
def test_an_employee_without_e_mail_gets_the_notice_by_letter(
    granted: Waiver, django_capture_on_commit_callbacks: Any, delivered: list[Any]
) -> None:
    employee = granted.employee
    employee.email = ""
    employee.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        send_end_notice(waiver_id=granted.pk, today=date(2025, 3, 1))

    letter = OutboundMessage.objects.get(template="letter_waiver_ending")
    assert letter.status == "sent"
    (posted,) = delivered
    assert posted.attachment is not None and posted.attachment[0] == "fin-de-dispense.pdf"
    said = " ".join(pdf_text(posted.attachment[1]).split())
    assert "prend fin le 31/03/2025" in said
    assert "obligatoire à partir du 01/04/2025" in said
    assert letter.channel == "letter"
    assert letter.recipient == "\n".join(employee.letter_address_lines())
    assert letter.subject == "La fin de votre dispense d'adhésion"


@pytest.mark.django_db
def test_past_its_last_day_the_waiver_ends_the_employee_is_invited_and_the_employer_told(
    granted: Waiver, membership: Membership, correspondent_a: User
) -> None:
    assert lapse_waiver(waiver_id=granted.pk, today=LAST_DAY) is None  # still covered that day

    affiliation = lapse_waiver(waiver_id=granted.pk, today=date(2025, 4, 1))

    assert affiliation is not None
    granted.refresh_from_db()
    assert (granted.status, granted.end_reason, granted.end_date) == (
        WaiverStatus.EXPIRED,
        EndReason.LAPSED,
        LAST_DAY,
    )
    membership.refresh_from_db()
    assert (membership.status, membership.effective_date) == (
        MembershipStatus.PRE_ENROLLED,
        date(2025, 4, 1),
    )
    assert (affiliation.reason, affiliation.state) == (Reason.AFFILIATION, State.WAITING)
    assert timeline(affiliation.pk) == [
        EventKind.CREATED,
        EventKind.WAIVER_LAPSED,
        EventKind.INVITATION_SENT,
    ]
    created = affiliation.events.get(kind=EventKind.CREATED)
    assert created.note == "Adhésion obligatoire à partir du 01/04/2025"
    assert timeline(granted.request_id)[-1] == EventKind.WAIVER_LAPSED
    invitation = Invitation.objects.filter(membership=membership, revoked_at=None).get()
    assert invitation.is_usable(timezone.now())
    invited = OutboundMessage.objects.get(template="invitation_after_waiver")
    assert invited.recipient == membership.employee.email
    told = OutboundMessage.objects.get(template="waiver_ended_employer")
    assert told.recipient == correspondent_a.email
    name = f"{membership.employee.first_name} {membership.employee.last_name}"
    assert told.subject == f"Fin de dispense : {name} doit adhérer au contrat"
    assert "a pris fin le 31/03/2025, sans nouveau justificatif" in told.body_text
    assert "obligatoire à partir du 01/04/2025" in told.body_text
    # Once ended, a second run does nothing.
    assert lapse_waiver(waiver_id=granted.pk, today=date(2025, 4, 2)) is None
    assert Request.objects.filter(reason=Reason.AFFILIATION, state=State.WAITING).count() == 1


@pytest.mark.django_db
def test_a_new_proof_sent_in_time_holds_the_end_until_the_insurer_decides(
    granted: Waiver, membership: Membership, agent: User
) -> None:
    renewal = send_renewal(
        waiver_id=granted.pk,
        end_date=date(2026, 3, 31),
        proof_name="attestation 2025.pdf",
        proof_data=proof_pdf("CSS 2025"),
        by=membership.employee.user,  # type: ignore[arg-type]
        today=date(2025, 3, 20),
    )
    assert (renewal.status, renewal.previous_end, renewal.proof_name) == (
        RenewalStatus.SUBMITTED,
        LAST_DAY,
        "attestation 2025.pdf",
    )
    assert (renewal.request.reason, renewal.request.state) == (Reason.WAIVER, State.IN_PROGRESS)
    assert timeline(renewal.request_id) == [EventKind.CREATED, EventKind.WAIVER_RENEWAL_SENT]
    # The last day passes while the insurer has not looked: the waiver does not end.
    assert lapse_waiver(waiver_id=granted.pk, today=date(2025, 4, 3)) is None

    waiver = accept_renewal(renewal_id=renewal.pk, by=agent, today=date(2025, 4, 3))

    assert (waiver.status, waiver.end_date, waiver.end_notices_sent) == (
        WaiverStatus.GRANTED,
        date(2026, 3, 31),
        0,
    )
    renewal.refresh_from_db()
    assert (renewal.status, renewal.decided_by) == (RenewalStatus.ACCEPTED, agent)
    assert Request.objects.get(pk=renewal.request_id).state == State.CLOSED
    assert timeline(renewal.request_id)[-1] == EventKind.WAIVER_RENEWED
    told = OutboundMessage.objects.get(template="waiver_renewed")
    assert told.subject == "Votre dispense d'adhésion est prolongée jusqu'au 31/03/2026"
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.WAIVED


@pytest.mark.django_db
def test_a_yearly_proof_accepted_keeps_the_waiver_a_year_from_its_acceptance(
    company: Company, membership: Membership, agent: User
) -> None:
    signed = record_signature(
        waiver=ask(membership, case_code="covered_elsewhere", end_date=None),
        signed_request_pdf=SIGNED_PDF,
        by=None,
    )
    waiver = grant_waiver(waiver_id=signed.pk, by=agent)
    assert waiver.end_date == date(2025, 6, 1)  # asked 01/06/2024: a proof a year later
    renewal = send_renewal(
        waiver_id=waiver.pk,
        end_date=None,
        proof_name="attestation.pdf",
        proof_data=proof_pdf(),
        by=membership.employee.user,  # type: ignore[arg-type]
        today=date(2025, 5, 20),
    )

    accepted = accept_renewal(renewal_id=renewal.pk, by=agent, today=date(2025, 5, 22))

    assert (accepted.end_date, accepted.next_proof_due) == (date(2026, 5, 22), date(2026, 5, 22))


@pytest.mark.django_db
def test_a_new_proof_refused_after_the_last_day_ends_the_waiver_at_once(
    granted: Waiver, membership: Membership, agent: User
) -> None:
    renewal = send_renewal(
        waiver_id=granted.pk,
        end_date=date(2026, 3, 31),
        proof_name="attestation.pdf",
        proof_data=proof_pdf(),
        by=membership.employee.user,  # type: ignore[arg-type]
        today=date(2025, 3, 28),
    )
    with pytest.raises(BusinessError) as error:
        refuse_renewal(renewal_id=renewal.pk, reason="  ", by=agent, today=date(2025, 4, 2))
    assert error.value.problems[0].code == "waiver_refusal_reason_required"

    refuse_renewal(
        renewal_id=renewal.pk,
        reason="L'attestation est illisible.",
        by=agent,
        today=date(2025, 4, 2),
    )

    renewal.refresh_from_db()
    assert (renewal.status, renewal.refusal_reason) == (
        RenewalStatus.REFUSED,
        "L'attestation est illisible.",
    )
    assert Request.objects.get(pk=renewal.request_id).state == State.CANCELLED
    refused = OutboundMessage.objects.get(template="waiver_renewal_refused")
    assert "L'attestation est illisible." in refused.body_text
    granted.refresh_from_db()
    assert (granted.status, granted.end_reason) == (WaiverStatus.EXPIRED, EndReason.LAPSED)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
    with pytest.raises(BusinessError) as again:
        accept_renewal(renewal_id=renewal.pk, by=agent)
    assert again.value.problems[0].code == "renewal_not_to_review"


@pytest.mark.django_db
def test_a_new_proof_refused_before_the_last_day_leaves_the_waiver_running(
    granted: Waiver, membership: Membership, agent: User
) -> None:
    renewal = send_renewal(
        waiver_id=granted.pk,
        end_date=date(2026, 3, 31),
        proof_name="attestation.pdf",
        proof_data=proof_pdf(),
        by=membership.employee.user,  # type: ignore[arg-type]
        today=date(2025, 3, 2),
    )
    refuse_renewal(renewal_id=renewal.pk, reason="Illisible.", by=agent, today=date(2025, 3, 5))

    granted.refresh_from_db()
    assert (granted.status, granted.end_date) == (WaiverStatus.GRANTED, LAST_DAY)
    # The employee may send another.
    again = send_renewal(
        waiver_id=granted.pk,
        end_date=date(2026, 3, 31),
        proof_name="attestation lisible.pdf",
        proof_data=proof_pdf("lisible"),
        by=membership.employee.user,  # type: ignore[arg-type]
        today=date(2025, 3, 6),
    )
    assert again.status == RenewalStatus.SUBMITTED


@pytest.mark.django_db
def test_a_bad_new_proof_is_refused_with_every_problem_and_nothing_is_saved(
    granted: Waiver, membership: Membership, settings: object
) -> None:
    media_root = Path(settings.MEDIA_ROOT)  # type: ignore[attr-defined]
    before = stored_files(media_root)
    with pytest.raises(BusinessError) as error:
        send_renewal(
            waiver_id=granted.pk,
            end_date=date(2025, 3, 1),
            proof_name="attestation.pdf",
            proof_data=b"MZ\x90\x00 not a pdf",
            by=membership.employee.user,  # type: ignore[arg-type]
            today=date(2025, 2, 20),
        )
    assert [p.field for p in error.value.problems] == ["end_date", "proof"]
    assert error.value.problems[0].code == "renewal_not_later"
    assert WaiverRenewal.objects.count() == 0
    assert Request.objects.filter(reason=Reason.WAIVER).count() == 1  # the first one only
    assert stored_files(media_root) == before


@pytest.mark.django_db
def test_a_second_new_proof_while_the_first_waits_is_refused(
    granted: Waiver, membership: Membership
) -> None:
    values = {
        "waiver_id": granted.pk,
        "end_date": date(2026, 3, 31),
        "proof_name": "attestation.pdf",
        "proof_data": proof_pdf(),
        "by": membership.employee.user,
        "today": date(2025, 3, 2),
    }
    send_renewal(**values)  # type: ignore[arg-type]
    with pytest.raises(BusinessError) as error:
        send_renewal(**values)  # type: ignore[arg-type]
    assert error.value.problems[0].code == "renewal_already_sent"
    assert WaiverRenewal.objects.count() == 1


@pytest.mark.django_db
def test_giving_up_the_waiver_enrolls_from_tomorrow_and_withdraws_a_waiting_proof(
    granted: Waiver, membership: Membership
) -> None:
    user = membership.employee.user
    assert user is not None
    renewal = send_renewal(
        waiver_id=granted.pk,
        end_date=date(2026, 3, 31),
        proof_name="attestation.pdf",
        proof_data=proof_pdf(),
        by=user,
        today=date(2025, 3, 2),
    )

    affiliation = give_up_waiver(waiver_id=granted.pk, by=user, today=date(2025, 3, 10))

    granted.refresh_from_db()
    assert (granted.status, granted.end_reason, granted.end_date) == (
        WaiverStatus.EXPIRED,
        EndReason.ENROLLED,
        date(2025, 3, 10),
    )
    membership.refresh_from_db()
    assert (membership.status, membership.effective_date) == (
        MembershipStatus.PRE_ENROLLED,
        date(2025, 3, 11),
    )
    assert timeline(affiliation.pk)[:2] == [EventKind.CREATED, EventKind.WAIVER_GIVEN_UP]
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.WITHDRAWN
    assert Request.objects.get(pk=renewal.request_id).state == State.CANCELLED
    told = OutboundMessage.objects.get(template="waiver_ended_employer")
    assert "a renoncé à sa dispense d'adhésion" in told.body_text
    with pytest.raises(BusinessError) as error:
        give_up_waiver(waiver_id=granted.pk, by=user, today=date(2025, 3, 10))
    assert error.value.problems[0].code == "waiver_not_in_force"


@pytest.mark.django_db
def test_the_daily_command_sends_the_notices_due_and_ends_the_waivers_past_their_end(
    company: Company, agent: User, correspondent_a: User
) -> None:
    from conftest import declare, make_nir

    today = timezone.localdate()
    ends = {"soon": today + timedelta(days=30), "past": today - timedelta(days=1)}
    waivers = {}
    for order, (name, last_day) in enumerate(ends.items(), start=1):
        request = declare(
            company,
            nir=make_nir(order=f"{order + 10:03d}"),
            employee_number=f"W{order}",
            email=f"{name}@example.org",
        )
        assert request.membership is not None
        signed = record_signature(
            waiver=ask(request.membership),
            signed_request_pdf=SIGNED_PDF,
            by=None,
        )
        waiver = grant_waiver(waiver_id=signed.pk, by=agent)
        Waiver.objects.filter(pk=waiver.pk).update(end_date=last_day)
        waivers[name] = waiver
    out = StringIO()

    call_command("follow_waivers", stdout=out)
    call_command("follow_waivers", stdout=out)  # again the same day: nothing more

    assert out.getvalue().splitlines() == [
        "1 avis de fin de dispense envoyé(s), 1 dispense(s) terminée(s).",
        "0 avis de fin de dispense envoyé(s), 0 dispense(s) terminée(s).",
    ]
    assert Waiver.objects.get(pk=waivers["soon"].pk).status == WaiverStatus.GRANTED
    assert Waiver.objects.get(pk=waivers["past"].pk).status == WaiverStatus.EXPIRED
