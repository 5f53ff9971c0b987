"""The follow-up of a running portability through its services: the daily job asks the proofs
(once), the former employee sends one (checked by its content), staff accept or refuse it, an
early end stops the cover and tells the person, the end passed is closed once."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import TestCase

from portal.accounts.models import User
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.notifications.models import OutboundMessage
from portal.terminations import follow_up
from portal.terminations.models import PortabilityProof, PortabilityProofStatus, Termination
from portal.terminations.portability import EarlyEndSource
from portal.terminations.tests.conftest import COMPUTED_END, TODAY, attestation
from portal.tracking.models import EventKind, RequestEvent

pytestmark = pytest.mark.django_db


def timeline(termination: Termination) -> list[tuple[str, str]]:
    return [
        (e.kind, e.note)
        for e in RequestEvent.objects.filter(request=termination.request).order_by("at", "pk")
        if e.kind.startswith("portability_")
    ]


def cover_end(termination: Termination) -> date | None:
    """The cover's end the enrollment service last told its listeners (the card follows it:
    portal/cards/tests/test_issue.py)."""
    event = (
        AuditEvent.objects.filter(
            action=AuditAction.MEMBERSHIP_COVER_END_CHANGED,
            target_id=str(termination.membership_id),
        )
        .order_by("-pk")
        .first()
    )
    return date.fromisoformat(event.details["cover_until"]) if event else None


def run(today: date) -> follow_up.FollowUpReport:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return follow_up.follow_portability(today=today)


def submit(proof: PortabilityProof, user: User, name: str, data: bytes | None) -> PortabilityProof:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return follow_up.submit_proof(
            proof_id=proof.pk, employee_id=proof.termination.membership.employee_id, name=name,
            data=data, by=user,
        )  # fmt: skip


def test_the_daily_job_asks_the_opening_proof_once_by_e_mail(portability: Termination) -> None:
    mail.outbox.clear()
    assert run(TODAY) == follow_up.FollowUpReport(asked=1, finished=0)
    proof = PortabilityProof.objects.get()
    assert (proof.period, proof.period_start, proof.period_end, proof.due_on, proof.status) == (
        0,
        date(2026, 6, 1),
        date(2026, 6, 30),
        date(2026, 6, 16),
        PortabilityProofStatus.ASKED,
    )
    [sent] = mail.outbox
    assert sent.to == ["cedric.simon@example.org"]
    assert sent.subject == "Portabilité : envoyez votre attestation France Travail"
    assert "période du 01/06/2026 au 30/06/2026, à envoyer avant le 16/06/2026" in sent.body
    assert timeline(portability) == [
        (
            EventKind.PORTABILITY_PROOF_ASKED,
            "Période du 01/06/2026 au 30/06/2026, attendu le 16/06/2026",
        )
    ]
    # Twice the same day: nothing more.
    assert run(TODAY) == follow_up.FollowUpReport(asked=0, finished=0)
    assert (PortabilityProof.objects.count(), len(mail.outbox)) == (1, 1)


def test_each_month_its_proof_is_asked_on_its_first_day(portability: Termination) -> None:
    run(TODAY)
    assert run(date(2026, 6, 30)).asked == 0
    assert run(date(2026, 7, 1)).asked == 1
    assert list(PortabilityProof.objects.values_list("period", "period_start", "due_on")) == [
        (0, date(2026, 6, 1), date(2026, 6, 16)),
        (1, date(2026, 7, 1), date(2026, 7, 16)),
    ]


def test_the_former_employee_sends_a_pdf_checked_by_its_content(
    portability: Termination, former_employee: User
) -> None:
    run(TODAY)
    proof = PortabilityProof.objects.get()
    data = attestation()
    submit(proof, former_employee, "C:\\Mes documents\\attestation juin.PDF", data)
    proof.refresh_from_db()
    assert (proof.status, proof.content_type, proof.file_name, proof.uploaded_by) == (
        PortabilityProofStatus.RECEIVED,
        "application/pdf",
        "attestation juin.PDF",
        former_employee,
    )
    stored_name = str(proof.file.name)
    assert stored_name.startswith("portability/") and stored_name.endswith(".pdf")
    assert "attestation" not in stored_name.split("/")[-1]  # a random name
    with proof.file.open("rb") as stored:
        assert stored.read() == data  # read back through the encrypting storage
    assert proof.sha256 == hashlib.sha256(data).hexdigest()
    assert timeline(portability)[-1] == (
        EventKind.PORTABILITY_PROOF_RECEIVED,
        "Période du 01/06/2026 au 30/06/2026",
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.PORTABILITY_PROOF_RECEIVED, target_id=str(proof.pk)
    ).exists()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("attestation.pdf", b"Bonjour, voici mon attestation", "file_type"),
        ("attestation.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "pdf_damaged"),
        ("attestation.png", attestation(), "file_extension_mismatch"),
        ("attestation.pdf", b"", "file_empty"),
        ("attestation.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024) + b"%%EOF", "file_too_large"),
    ],
)
def test_a_proof_that_is_not_a_readable_pdf_or_image_is_refused_with_its_reason(
    portability: Termination, former_employee: User, name: str, data: bytes, code: str
) -> None:
    run(TODAY)
    proof = PortabilityProof.objects.get()
    with pytest.raises(BusinessError) as refused:
        submit(proof, former_employee, name, data)
    assert [(p.field, p.code) for p in refused.value.problems] == [("proof", code)]
    proof.refresh_from_db()
    assert (proof.status, proof.file.name) == (PortabilityProofStatus.ASKED, "")


def test_another_persons_proof_cannot_be_sent(
    portability: Termination, former_employee: User
) -> None:
    run(TODAY)
    proof = PortabilityProof.objects.get()
    with pytest.raises(PortabilityProof.DoesNotExist):
        follow_up.submit_proof(
            proof_id=proof.pk,
            employee_id=proof.termination.membership.employee_id + 1,
            name="a.pdf",
            data=attestation(),
            by=former_employee,
        )


def test_staff_refuse_a_proof_with_a_reason_e_mailed_then_a_new_one_replaces_it(
    portability: Termination, former_employee: User, staff_user: User
) -> None:
    run(TODAY)
    proof = submit(PortabilityProof.objects.get(), former_employee, "a.pdf", attestation())
    first_file = str(proof.file.name)
    with pytest.raises(BusinessError) as missing:
        follow_up.decide_proof(proof_id=proof.pk, accept=False, reason="  ", by=staff_user)
    assert missing.value.problems[0].code == "proof_refusal_reason_required"
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.decide_proof(
            proof_id=proof.pk,
            accept=False,
            reason="L'attestation est celle de 2024.",
            by=staff_user,
        )
    proof.refresh_from_db()
    assert (proof.status, proof.refusal_reason, proof.decided_by) == (
        PortabilityProofStatus.REFUSED,
        "L'attestation est celle de 2024.",
        staff_user,
    )
    [sent] = mail.outbox
    assert sent.subject == "Portabilité : votre attestation France Travail n'a pas pu être acceptée"
    assert "Motif : L'attestation est celle de 2024." in sent.body
    submit(proof, former_employee, "b.pdf", attestation("Attestation 2026"))
    proof.refresh_from_db()
    assert (proof.status, proof.refusal_reason, proof.file_name) == (
        PortabilityProofStatus.RECEIVED,
        "",
        "b.pdf",
    )
    assert not proof.file.storage.exists(first_file)  # the refused file went once replaced
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.decide_proof(proof_id=proof.pk, accept=True, reason="", by=staff_user)
    proof.refresh_from_db()
    assert proof.status == PortabilityProofStatus.ACCEPTED
    with pytest.raises(BusinessError) as again:
        submit(proof, former_employee, "c.pdf", attestation())
    assert again.value.problems[0].code == "portability_proof_not_awaited"
    assert [kind for kind, _ in timeline(portability)] == [
        EventKind.PORTABILITY_PROOF_ASKED,
        EventKind.PORTABILITY_PROOF_RECEIVED,
        EventKind.PORTABILITY_PROOF_REFUSED,
        EventKind.PORTABILITY_PROOF_RECEIVED,
        EventKind.PORTABILITY_PROOF_ACCEPTED,
    ]


def test_staff_record_the_end_of_benefits_the_cover_stops_and_the_person_is_told(
    portability: Termination, staff_user: User, clock: time_machine.Traveller
) -> None:
    assert cover_end(portability) is None  # the termination's own: until the computed end
    run(TODAY)
    clock.move_to("2026-08-10 10:00+02:00")
    run(date(2026, 8, 10))  # July and August asked
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="end_of_benefits",
            event_date=date(2026, 7, 20),
            source=EarlyEndSource.STAFF,
            by=staff_user,
            today=date(2026, 8, 10),
        )
    portability.refresh_from_db()
    assert (
        portability.ended_early_on,
        portability.early_end_reason,
        portability.early_end_source,
        portability.portability_end,
        portability.portability_last_day,
    ) == (date(2026, 7, 20), "end_of_benefits", "staff", COMPUTED_END, date(2026, 7, 20))
    assert cover_end(portability) == date(2026, 7, 20)
    # August starts after the end: its proof is no longer asked.
    assert list(PortabilityProof.objects.values_list("period", flat=True)) == [0, 1]
    [sent] = mail.outbox
    assert sent.subject == "Fin de votre portabilité au 20/07/2026"
    assert "Motif : Fin de l'indemnisation chômage." in sent.body
    assert "jusqu'au 20/01/2027" in sent.body  # loi Evin: 6 months after
    assert timeline(portability)[-1] == (
        EventKind.PORTABILITY_ENDED_EARLY,
        "Fin de l'indemnisation chômage — garanties maintenues jusqu'au 20/07/2026",
    )
    event = AuditEvent.objects.get(action=AuditAction.PORTABILITY_ENDED_EARLY)
    assert event.details["last_day"] == "2026-07-20"
    assert event.details["previous_last_day"] == "2027-05-31"
    assert event.details["proofs_dropped"] == 1
    # A later date changes nothing.
    with pytest.raises(BusinessError) as later:
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="new_job",
            event_date=date(2026, 7, 25),
            source=EarlyEndSource.STAFF,
            by=staff_user,
            today=date(2026, 8, 10),
        )
    assert later.value.problems[0].code == "early_end_not_earlier"
    # The former employee can no longer declare anything: it is over for them.
    with pytest.raises(BusinessError) as over:
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="new_job",
            event_date=date(2026, 7, 1),
            source=EarlyEndSource.MEMBER,
            by=None,
            today=date(2026, 8, 10),
            employee_id=portability.membership.employee_id,
        )
    assert over.value.problems[0].code == "portability_not_running"


def test_staff_record_a_new_job_learnt_after_the_end_has_passed(
    portability: Termination, staff_user: User, clock: time_machine.Traveller
) -> None:
    clock.move_to("2027-07-01 10:00+02:00")
    run(date(2027, 7, 1))  # over: closed
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="new_job",
            event_date=date(2027, 2, 1),
            source=EarlyEndSource.STAFF,
            by=staff_user,
            today=date(2027, 7, 1),
        )
    portability.refresh_from_db()
    assert portability.portability_last_day == date(2027, 1, 31)
    assert cover_end(portability) == date(2027, 1, 31)


def test_the_former_employee_declares_a_new_job_for_their_own_portability_only(
    portability: Termination, former_employee: User
) -> None:
    with pytest.raises(Termination.DoesNotExist):
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="new_job",
            event_date=date(2026, 9, 1),
            source=EarlyEndSource.MEMBER,
            by=former_employee,
            today=TODAY,
            employee_id=portability.membership.employee_id + 1,
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="new_job",
            event_date=date(2026, 9, 1),
            source=EarlyEndSource.MEMBER,
            by=former_employee,
            today=TODAY,
            employee_id=portability.membership.employee_id,
        )
    portability.refresh_from_db()
    assert (portability.ended_early_on, portability.early_end_source) == (
        date(2026, 8, 31),
        "member",
    )
    assert cover_end(portability) == date(2026, 8, 31)


def test_the_end_passed_is_closed_once_and_the_loi_evin_offer_told(
    portability: Termination, clock: time_machine.Traveller
) -> None:
    clock.move_to("2027-06-01 08:00+02:00")
    mail.outbox.clear()
    report = run(date(2027, 6, 1))
    assert report.finished == 1
    portability.refresh_from_db()
    assert portability.portability_finished_at is not None
    [sent] = [m for m in mail.outbox if "a pris fin" in m.subject]
    assert sent.subject == "Votre portabilité a pris fin le 31/05/2027"
    assert "jusqu'au 30/11/2027" in sent.body
    assert timeline(portability)[-1] == (
        EventKind.PORTABILITY_FINISHED,
        "Garanties maintenues jusqu'au 31/05/2027",
    )
    assert run(date(2027, 6, 1)) == follow_up.FollowUpReport(asked=0, finished=0)
    assert run(date(2027, 6, 2)) == follow_up.FollowUpReport(asked=0, finished=0)


def test_the_daily_command_reports_what_it_did_and_nothing_the_second_time(
    portability: Termination,
) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("follow_portability", "--date", "2026-06-15", stdout=out)
        call_command("follow_portability", "--date", "2026-06-15", stdout=out)
    assert out.getvalue().splitlines() == [
        "1 justificatif(s) demandé(s), 0 portabilité(s) terminée(s).",
        "0 justificatif(s) demandé(s), 0 portabilité(s) terminée(s).",
    ]


def test_a_former_employee_without_e_mail_is_asked_by_letter(
    portability: Termination, delivered: list[Any]
) -> None:
    employee = portability.membership.employee
    employee.email = ""
    employee.save(update_fields=["email"])
    mail.outbox.clear()

    run(TODAY)

    letter = OutboundMessage.objects.get(template="letter_portability_proof_asked")
    assert (letter.channel, letter.recipient, letter.status) == (
        "letter",
        "\n".join(employee.letter_address_lines()),
        "sent",
    )
    assert letter.subject == "Portabilité : envoyez votre attestation France Travail"
    assert mail.outbox == []
    (posted,) = [d for d in delivered if d.message_id == letter.pk]
    assert posted.attachment is not None
    assert posted.attachment[0] == "portability-proof-asked.pdf"
    assert posted.attachment[1][:5] == b"%PDF-"
    assert "période du 01/06/2026 au 30/06/2026" in letter.body_text
    event = RequestEvent.objects.get(
        request=portability.request, kind=EventKind.PORTABILITY_PROOF_ASKED
    )
    assert event.message_id == letter.pk
