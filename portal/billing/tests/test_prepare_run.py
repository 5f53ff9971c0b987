"""prepare_run: who owes what on a due date, once, pre-notified; what stops a debit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from django.test import TestCase

from conftest import file_copy_of_the_database, in_threads
from portal.billing.models import DebitLine, DebitRun, LineStatus, RunStatus
from portal.billing.services import download_run_file, prepare_run, revoke_mandate
from portal.billing.tests.conftest import MakeMember, prepare
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import MembershipStatus
from portal.enrollment.services import move_membership
from portal.notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db

DEC_20, JAN_20 = date(2026, 12, 20), date(2027, 1, 20)
DEC_1, JAN_1 = date(2026, 12, 1), date(2027, 1, 1)


def lines_of(run: DebitRun) -> list[tuple[str, str, date, date, int, str]]:
    return [
        (line.mandate_reference, line.sequence, line.period_start, line.period_end,
         line.amount_cents, line.status)
        for line in run.lines.order_by("pk")
    ]  # fmt: skip


def test_member_with_option_and_dependants_pays_exact_amounts_first_then_recurrent(
    make_member: MakeMember,
) -> None:
    member = make_member(frequency="quarterly", debit_day=20)
    rum = f"ADH-{member.member_number}-1"

    december = prepare(DEC_20, DEC_1)
    january = prepare(JAN_20, JAN_1)

    # 10 + (40 + 8) + 2 × (20 + 5) = 108.00 € a month: December alone (signed on the 1st,
    # the quarter ends), then the first quarter of 2027.
    assert lines_of(december) == [
        (rum, "FRST", date(2026, 12, 1), date(2026, 12, 31), 10800, LineStatus.SCHEDULED)
    ]
    assert lines_of(january) == [
        (rum, "RCUR", date(2027, 1, 1), date(2027, 3, 31), 32400, LineStatus.SCHEDULED)
    ]
    assert (january.line_count, january.total_cents) == (1, 32400)
    line = january.lines.get()
    assert (line.mandate_signed_on, line.iban, line.bic) == (
        date(2026, 12, 1),
        "FR7630006000011234567890189",
        "AGRIFRPPXXX",
    )


def test_options_only_group_pays_the_option_for_every_covered_person(
    make_member: MakeMember,
) -> None:
    member = make_member(frequency="monthly", debit_day=20)
    group = member.insured_group
    group.employee_pays = "options"
    group.save(update_fields=["employee_pays"])

    run = prepare(DEC_20, DEC_1)

    # The employer pays the dependants' base plan: 10 + 8 + 2 × 5.
    assert run.lines.get().amount_cents == 2800


def test_preparing_a_due_date_twice_adds_no_second_line(make_member: MakeMember) -> None:
    make_member(debit_day=20)
    first = prepare(DEC_20, DEC_1)
    before = lines_of(first)

    again = prepare(DEC_20, date(2026, 12, 2))

    assert again.pk == first.pk
    assert lines_of(again) == before
    assert DebitRun.objects.count() == 1
    assert OutboundMessage.objects.filter(template="debit_notice").count() == 1


def test_preparing_again_adds_a_mandate_signed_since(make_member: MakeMember) -> None:
    make_member(debit_day=20, last_name="Simon")
    run = prepare(DEC_20, DEC_1)
    make_member(debit_day=20, last_name="Durand")

    run = prepare(DEC_20, date(2026, 12, 3))

    assert [line.debtor_name for line in run.lines.order_by("pk")] == [
        "SIMON CEDRIC",
        "DURAND CEDRIC",
    ]
    assert (run.line_count, run.total_cents) == (2, 21600)


def test_only_mandates_of_that_day_with_something_to_pay_are_debited(
    make_member: MakeMember,
) -> None:
    due = make_member(debit_day=20, last_name="Simon")
    make_member(debit_day=5, last_name="Autre")
    make_member(debit_day=20, with_option=False, dependants=(), last_name="Rien")

    run = prepare(DEC_20, DEC_1)

    assert list(run.lines.values_list("membership_id", flat=True)) == [due.pk]


def test_membership_terminated_before_the_period_is_not_debited(make_member: MakeMember) -> None:
    member = make_member(frequency="quarterly", debit_day=20)
    prepare(DEC_20, DEC_1)
    with transaction.atomic():
        move_membership(
            member.pk, MembershipStatus.TERMINATED, by=None, end_date=date(2026, 12, 31)
        )

    run = prepare(JAN_20, JAN_1)

    assert run.line_count == 0
    assert not run.lines.exists()


def test_membership_terminated_within_the_quarter_pays_up_to_its_end(
    make_member: MakeMember,
) -> None:
    member = make_member(frequency="quarterly", debit_day=20)
    prepare(DEC_20, DEC_1)
    with transaction.atomic():
        move_membership(member.pk, MembershipStatus.TERMINATED, by=None, end_date=date(2027, 1, 31))

    run = prepare(JAN_20, JAN_1)

    assert lines_of(run)[0][1:5] == ("RCUR", date(2027, 1, 1), date(2027, 1, 31), 10800)


def test_revoked_mandate_is_not_debited(make_member: MakeMember) -> None:
    member = make_member(debit_day=20)
    revoke_mandate(mandate_id=member.mandates.get().pk, by=None)

    run = prepare(DEC_20, DEC_1)

    assert run.line_count == 0
    assert AuditEvent.objects.filter(action="mandate_revoked").count() == 1


def test_mandate_revoked_after_preparation_is_left_out_of_the_file(
    make_member: MakeMember, staff_user: object
) -> None:
    kept = make_member(debit_day=20, last_name="Simon")
    revoked = make_member(debit_day=20, last_name="Durand")
    run = prepare(DEC_20, DEC_1)
    revoke_mandate(mandate_id=revoked.mandates.get().pk, by=None)

    run = download_run_file(run_id=run.pk, by=staff_user)  # type: ignore[arg-type]

    statuses = dict(run.lines.values_list("membership_id", "status"))
    assert statuses == {kept.pk: LineStatus.IN_FILE, revoked.pk: LineStatus.CANCELLED}
    assert (run.status, run.line_count, run.total_cents) == (RunStatus.DOWNLOADED, 1, 10800)
    assert f"ADH-{revoked.member_number}-1" not in run.file_xml
    assert f"ADH-{kept.member_number}-1" in run.file_xml


def test_first_debit_is_frst_and_the_next_ones_rcur(make_member: MakeMember) -> None:
    make_member(frequency="monthly", debit_day=20)

    runs = [
        prepare(DEC_20, DEC_1),
        prepare(JAN_20, JAN_1),
        prepare(date(2027, 2, 20), date(2027, 2, 1)),
    ]

    assert [run.lines.get().sequence for run in runs] == ["FRST", "RCUR", "RCUR"]
    assert [run.lines.get().period_start for run in runs] == [
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]


def test_each_debtor_gets_the_pre_notification_with_amount_and_date(
    make_member: MakeMember,
) -> None:
    member = make_member(frequency="quarterly", debit_day=20, email="cedric@example.org")
    prepare(DEC_20, DEC_1)

    run = prepare(JAN_20, JAN_1)

    line = run.lines.get()
    assert line.notice is not None
    message = line.notice
    assert message.recipient == "cedric@example.org"
    assert message.subject == "Votre prochain prélèvement de cotisation : 324,00 € le 20/01/2027"
    assert "Nous prélèverons 324,00 € sur votre compte le 20/01/2027" in message.body_text
    assert "Cotisation mutuelle janvier à mars 2027" in message.body_text
    assert f"(RUM) : ADH-{member.member_number}-1" in message.body_text
    assert "(ICS) : FR69ZZZ651190" in message.body_text
    assert line.notified_at is not None


def test_member_without_email_is_debited_and_shown_not_notified(make_member: MakeMember) -> None:
    make_member(debit_day=20, email="")

    run = prepare(DEC_20, DEC_1)

    line = run.lines.get()
    assert (line.notice_id, line.notified_at) == (None, None)
    assert not OutboundMessage.objects.filter(template="debit_notice").exists()


def test_a_due_date_closer_than_the_notice_is_refused_and_nothing_is_saved(
    make_member: MakeMember,
) -> None:
    make_member(debit_day=20)

    with pytest.raises(BusinessError) as error:
        prepare_run(due_date=DEC_20, by=None, today=date(2026, 12, 7))

    assert error.value.code == "notice_too_short"
    assert error.value.message == (
        "Le prélèvement du 20/12/2026 ne peut plus être préparé : chaque salarié doit être "
        "prévenu du montant et de la date au moins 14 jours avant (pré-notification SEPA). "
        "Choisissez une date à partir du 21/12/2026."
    )
    assert not DebitRun.objects.exists()
    assert not DebitLine.objects.exists()
    assert not OutboundMessage.objects.filter(template="debit_notice").exists()
    assert not AuditEvent.objects.filter(action="debit_run_prepared").exists()


def test_notice_delay_is_a_setting(make_member: MakeMember, settings: object) -> None:
    make_member(debit_day=20)
    settings.SEPA_PRENOTIFICATION_DAYS = 5  # type: ignore[attr-defined]

    run = prepare(DEC_20, date(2026, 12, 15))

    assert run.line_count == 1


def test_a_day_that_is_not_a_debit_day_is_refused(make_member: MakeMember) -> None:
    with pytest.raises(BusinessError) as error:
        prepare_run(due_date=date(2026, 12, 21), by=None, today=DEC_1)

    assert error.value.code == "not_a_debit_day"
    assert not DebitRun.objects.exists()


def test_a_run_whose_file_went_to_the_bank_does_not_change(
    make_member: MakeMember, staff_user: object
) -> None:
    make_member(debit_day=20, last_name="Simon")
    run = prepare(DEC_20, DEC_1)
    download_run_file(run_id=run.pk, by=staff_user)  # type: ignore[arg-type]
    make_member(debit_day=20, last_name="Durand")

    with pytest.raises(BusinessError) as error:
        prepare(DEC_20, date(2026, 12, 2))

    assert error.value.code == "run_already_sent"
    assert DebitLine.objects.count() == 1


def test_preparing_is_audited(make_member: MakeMember, staff_user: object) -> None:
    make_member(debit_day=20)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = prepare_run(due_date=DEC_20, by=staff_user, today=DEC_1)  # type: ignore[arg-type]

    event = AuditEvent.objects.get(action="debit_run_prepared")
    assert (event.actor_id, event.target_id) == (staff_user.pk, str(run.pk))  # type: ignore[attr-defined]
    assert event.details == {
        "due_date": "2026-12-20",
        "added": 1,
        "lines": 1,
        "total_cents": 10800,
    }


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_preparations_make_one_run_and_one_line(
    make_member: MakeMember, tmp_path: Path
) -> None:
    # No address: an earlier transactional test may have emptied the postal code list.
    make_member(debit_day=20, street_number="", street_name="", postal_code="", city="")

    def run_it() -> int:
        return prepare_run(due_date=DEC_20, by=None, today=DEC_1).line_count

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(run_it, run_it)
        (counts,) = in_threads(
            lambda: (
                DebitRun.objects.count(),
                DebitLine.objects.count(),
                OutboundMessage.objects.filter(template="debit_notice").count(),
            )
        )
    assert outcomes == [1, 1]
    assert counts == (1, 1, 1)
