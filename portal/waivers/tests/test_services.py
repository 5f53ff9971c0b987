from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, models
from django.db.models import ProtectedError
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from conftest import declare, make_user
from portal.accounts.models import Role, User
from portal.companies.models import Company, Contract, ContractKind, InsuredGroup
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import Employee, Membership, MembershipStatus
from portal.signatures.effects import effect_of
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope
from portal.signatures.services import prepare_envelope, record_consent, verify_code
from portal.signatures.tests.conftest import META, send
from portal.tracking.models import EventKind, Reason, Request, Source, State
from portal.waivers.models import RETENTION_NOTE, Waiver, WaiverStatus
from portal.waivers.rules import CONSEQUENCES_STATEMENT
from portal.waivers.services import (
    grant_waiver,
    offered_cases,
    record_signature,
    record_signed_waiver,
    request_waiver,
)
from portal.waivers.tests.pdf_text import pdf_text, squeezed

TODAY = date(2024, 6, 1)
HIRED = date(2024, 5, 15)


def proof_pdf(text: str = "Attestation") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text)
    return bytes(document.output())


def proof_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


SIGNED_PDF = proof_pdf("Demande signée")


def stored_files(media_root: Path) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def ask(membership: Membership, by: User | None = None, **overrides: Any) -> Waiver:
    values: dict[str, Any] = {
        "case_code": "solidarity_health_cover",
        "end_date": date(2025, 3, 31),
        "proof_name": "attestation CSS.pdf",
        "proof_data": proof_pdf(),
    }
    values.update(overrides)
    return request_waiver(membership=membership, by=by, today=TODAY, **values)


def rejected_codes(error: pytest.ExceptionInfo[BusinessError]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in error.value.problems]


def nothing_saved(media_root: Path, membership: Membership) -> None:
    assert Waiver.objects.count() == 0
    assert stored_files(media_root) == []
    assert not AuditEvent.objects.filter(action__startswith="waiver_").exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED


# Requests, one happy path per family of cases


@pytest.mark.django_db
def test_css_request_stores_proof_end_date_and_written_request(
    membership: Membership, member: User, media_root: Path
) -> None:
    data = proof_pdf()
    waiver = ask(membership, by=member, proof_data=data)

    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.REQUESTED
    assert waiver.case_code == "solidarity_health_cover"
    assert (waiver.employee_id, waiver.membership_id, waiver.company_id) == (
        membership.employee_id,
        membership.pk,
        membership.contract.company_id,
    )
    assert (waiver.end_date, waiver.next_proof_due, waiver.decided_at) == (
        date(2025, 3, 31),
        None,
        None,
    )
    assert waiver.requested_by == member
    assert (waiver.proof_name, waiver.proof_content_type) == (
        "attestation CSS.pdf",
        "application/pdf",
    )
    assert waiver.proof_sha256 == hashlib.sha256(data).hexdigest()
    assert waiver.proof.read() == data
    # The stored name says nothing about the case or the person.
    name = waiver.proof.name
    assert name is not None
    assert name.startswith("waivers/proofs/")
    assert name.endswith(".pdf")
    assert "CSS" not in name
    pdf = waiver.request_pdf.read()
    assert waiver.request_sha256 == hashlib.sha256(pdf).hexdigest()
    assert (waiver.consequences_statement, waiver.retention_note) == (
        CONSEQUENCES_STATEMENT,
        RETENTION_NOTE,
    )
    assert waiver.signed_request_pdf.name == ""
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
    assert list(
        AuditEvent.objects.filter(action="waiver_requested").values_list(
            "actor", "target_id", "details"
        )
    ) == [
        (
            member.pk,
            str(waiver.pk),
            {"case": "solidarity_health_cover", "membership": membership.pk, "replaced": False},
        )
    ]
    assert len(stored_files(media_root / "waivers")) == 2


@pytest.mark.django_db
def test_due_request_has_no_proof_and_no_end(membership: Membership) -> None:
    waiver = ask(
        membership, case_code="due_before_plan", end_date=None, proof_name="", proof_data=None
    )
    assert (waiver.end_date, waiver.next_proof_due, waiver.proof.name) == (None, None, "")
    assert (waiver.proof_content_type, waiver.proof_sha256, waiver.proof_name) == ("", "", "")


@pytest.mark.django_db
def test_covered_elsewhere_request_is_valid_one_year_until_the_next_proof(
    membership: Membership,
) -> None:
    waiver = ask(
        membership,
        case_code="covered_elsewhere",
        end_date=None,
        proof_name="attestation-conjoint.png",
        proof_data=proof_png(),
    )
    assert (waiver.end_date, waiver.next_proof_due) == (date(2025, 6, 1), date(2025, 6, 1))
    assert waiver.proof_content_type == "image/png"
    assert str(waiver.proof.name).endswith(".png")


@pytest.mark.django_db
def test_individual_contract_request_ends_at_its_echeance(membership: Membership) -> None:
    waiver = ask(membership, case_code="individual_contract", end_date=date(2024, 12, 31))
    assert waiver.end_date == date(2024, 12, 31)


@pytest.mark.django_db
def test_short_fixed_term_request_ends_with_the_work_contract(membership: Membership) -> None:
    waiver = ask(membership, case_code="short_fixed_term", end_date=date(2024, 8, 13))
    assert waiver.end_date == date(2024, 8, 13)


@pytest.mark.django_db
def test_short_fixed_term_of_three_months_from_hiring_is_refused(membership: Membership) -> None:
    with pytest.raises(BusinessError) as error:
        ask(membership, case_code="short_fixed_term", end_date=date(2024, 8, 14))
    assert rejected_codes(error) == [("end_date", "contract_too_long")]


@pytest.mark.django_db
def test_facultative_case_needs_the_contract_to_provide_it(membership: Membership) -> None:
    values: dict[str, Any] = {
        "case_code": "fixed_term_under_12_months",
        "end_date": date(2024, 12, 31),
        "proof_name": "",
        "proof_data": None,
    }
    with pytest.raises(BusinessError) as error:
        ask(membership, **values)
    assert error.value.code == "waiver_case_not_offered"
    assert Waiver.objects.count() == 0

    Contract.objects.filter(pk=membership.contract_id).update(optional_waivers=True)
    membership.refresh_from_db()
    waiver = ask(membership, **values)
    assert (waiver.case_code, waiver.end_date) == ("fixed_term_under_12_months", date(2024, 12, 31))


@pytest.mark.django_db
def test_a_provident_contract_offers_no_waiver_the_health_contract_only(
    company: Company, base_product: Any
) -> None:
    contract = Contract.objects.create(
        company=company, number="P0001", kind=ContractKind.PROVIDENT, start_date=date(2024, 1, 1)
    )
    group = InsuredGroup.objects.create(
        contract=contract, code="PREV", label="Tous", base_product=base_product
    )
    request = declare(company, insured_group_ids=[group.pk], hire_date=HIRED, effective_date=HIRED)
    provident = request.membership
    assert offered_cases(provident) == []
    with pytest.raises(BusinessError) as error:
        ask(provident, case_code="due_before_plan")
    assert error.value.code == "waiver_health_only"
    assert Waiver.objects.count() == 0


@pytest.mark.django_db
def test_unknown_case_is_refused(membership: Membership) -> None:
    with pytest.raises(BusinessError) as error:
        ask(membership, case_code="because")
    assert error.value.code == "waiver_case_not_offered"


# Refusals leave nothing behind


@pytest.mark.django_db
def test_refused_when_the_company_has_waivers_disabled(
    membership: Membership, media_root: Path
) -> None:
    Company.objects.filter(pk=membership.contract.company_id).update(waivers_enabled=False)
    membership.refresh_from_db()
    with pytest.raises(BusinessError) as error:
        ask(membership)
    assert error.value.code == "waivers_disabled"
    assert error.value.message == (
        "Votre employeur ne propose pas la demande de dispense en ligne : adressez-vous à votre "
        "service des ressources humaines."
    )
    nothing_saved(media_root, membership)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (MembershipStatus.SIGNED, "membership_not_pre_enrolled"),
        (MembershipStatus.ACTIVE, "membership_not_pre_enrolled"),
        (MembershipStatus.TERMINATED, "membership_not_pre_enrolled"),
        (MembershipStatus.WAIVED, "waiver_already_granted"),
    ],
)
def test_refused_once_the_membership_left_pre_enrollment(
    membership: Membership, media_root: Path, status: str, code: str
) -> None:
    Membership.objects.filter(pk=membership.pk).update(status=status)
    with pytest.raises(BusinessError) as error:
        ask(membership)
    assert error.value.code == code
    assert Waiver.objects.count() == 0
    assert not (media_root / "waivers").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("attestation.pdf", b"<html><body>attestation</body></html>", "file_type"),
        ("attestation.pdf", b"", "file_empty"),
        ("attestation.jpg", proof_pdf(), "file_extension_mismatch"),
    ],
)
def test_bad_proof_saves_nothing(
    membership: Membership, media_root: Path, name: str, data: bytes, code: str
) -> None:
    with pytest.raises(BusinessError) as error:
        ask(membership, proof_name=name, proof_data=data)
    assert rejected_codes(error) == [("proof", code)]
    nothing_saved(media_root, membership)
    assert not (media_root / "waivers").exists()


@pytest.mark.django_db
def test_oversize_proof_is_refused_with_the_setting_limit(
    membership: Membership, media_root: Path, settings: Any
) -> None:
    settings.PROOF_MAX_MEGABYTES = 1
    data = b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(BusinessError) as error:
        ask(membership, proof_data=data)
    assert rejected_codes(error) == [("proof", "file_too_large")]
    assert "limite de 1 Mo" in error.value.problems[0].message
    nothing_saved(media_root, membership)


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(membership: Membership, media_root: Path) -> None:
    with pytest.raises(BusinessError) as error:
        ask(membership, end_date=None, proof_name="page.pdf", proof_data=b"<html></html>")
    assert rejected_codes(error) == [("end_date", "end_date_required"), ("proof", "file_type")]
    nothing_saved(media_root, membership)


@pytest.mark.django_db
def test_failure_after_the_files_were_written_leaves_no_orphan_file(
    membership: Membership, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []

    def broken_audit(*args: object, **kwargs: object) -> None:
        written.extend(stored_files(media_root))
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("portal.waivers.services.audit.record", broken_audit)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        ask(membership)
    assert len(written) == 2  # the proof and the request were on disk when it failed
    nothing_saved(media_root, membership)


# The written request


@pytest.mark.django_db
def test_written_request_pdf_states_the_case_and_the_consequences(membership: Membership) -> None:
    waiver = ask(membership)
    pdf = waiver.request_pdf.read()
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    employee = membership.employee
    for expected in [
        "Demande de dispense d'adhésion",
        "Cédric SIMON",
        "Né(e) le 14/05/1985",
        "Matricule : M-0001",
        f"N° adhérent : {membership.member_number}",
        "ALPHA SAS (Alpha)",
        "N° de Siret : 73282932000074",
        "Complémentaire Santé N° A0001",
        "Bénéficiaire de la Complémentaire santé solidaire",
        "Fondement : Article D911-2, 1° du Code de la sécurité sociale.",
        "Je bénéficie de la Complémentaire santé solidaire.",
        "Ma dispense prend fin le 31/03/2025",
        "Fait le 01/06/2024.",
        CONSEQUENCES_STATEMENT,
    ]:
        assert squeezed(expected) in squeezed(text), expected
    # No NIR nor health fund in a document the employer keeps (rules.md R8.1, R8.3).
    assert employee.nir[:13] not in squeezed(text)
    assert employee.fund_code not in squeezed(text)


@pytest.mark.django_db
def test_written_request_of_a_yearly_proof_case_says_when_the_next_is_due(
    membership: Membership,
) -> None:
    waiver = ask(
        membership,
        case_code="covered_elsewhere",
        end_date=None,
        proof_name="a.png",
        proof_data=proof_png(),
    )
    text = squeezed(pdf_text(waiver.request_pdf.read()))
    assert squeezed("la première fois au plus tard le 01/06/2025") in text
    assert squeezed(CONSEQUENCES_STATEMENT) in text


# The signature: the waiver is to be checked by the insurer


@pytest.mark.django_db
def test_signing_leaves_the_waiver_to_check_and_opens_the_request_for_the_insurer(
    membership: Membership, member: User
) -> None:
    waiver = record_signature(
        waiver=ask(membership, by=member), signed_request_pdf=SIGNED_PDF, by=member
    )

    waiver.refresh_from_db()
    assert (waiver.status, waiver.decided_at, waiver.decided_by) == (
        WaiverStatus.SIGNED,
        None,
        None,
    )
    assert waiver.get_status_display() == "Signée, à vérifier"
    assert waiver.signed_request_pdf.read() == SIGNED_PDF
    assert waiver.signed_request_sha256 == hashlib.sha256(SIGNED_PDF).hexdigest()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.WAIVER_REQUESTED
    assert membership.get_status_display() == "Dispense demandée - en cours de vérification"
    affiliation = Request.objects.get(reason=Reason.AFFILIATION)
    assert affiliation.state == State.WAITING  # until the insurer decides
    assert membership.invitations.get().revoked_at is None
    request = Request.objects.get(reason=Reason.WAIVER)
    assert waiver.request == request
    assert (request.company_id, request.employee_id, request.membership_id) == (
        membership.contract.company_id,
        membership.employee_id,
        membership.pk,
    )
    assert (request.state, request.source, request.created_by) == (
        State.IN_PROGRESS,
        Source.FORM,
        member,
    )
    assert request.get_reason_display() == "Dispense"
    assert request.search_name == "simon cedric"
    assert list(request.events.values_list("kind", "actor")) == [
        (EventKind.CREATED, member.pk),
        (EventKind.WAIVER_SIGNED, member.pk),
    ]
    assert list(
        AuditEvent.objects.filter(action="waiver_signed").values_list("target_id", "details")
    ) == [
        (
            str(waiver.pk),
            {
                "case": "solidarity_health_cover",
                "membership": membership.pk,
                "request_id": request.pk,
            },
        )
    ]
    assert not AuditEvent.objects.filter(action="waiver_granted").exists()


@pytest.mark.django_db
def test_a_waiver_is_signed_once(membership: Membership) -> None:
    waiver = ask(membership)
    record_signature(waiver=waiver, signed_request_pdf=SIGNED_PDF, by=None)
    with pytest.raises(BusinessError) as error:
        record_signature(waiver=waiver, signed_request_pdf=SIGNED_PDF, by=None)
    assert error.value.code == "waiver_not_requested"
    assert Request.objects.filter(reason=Reason.WAIVER).count() == 1


@pytest.mark.django_db
def test_a_second_request_cannot_be_made_while_the_first_is_checked(
    membership: Membership,
) -> None:
    first = ask(membership)
    record_signature(waiver=first, signed_request_pdf=SIGNED_PDF, by=None)
    with pytest.raises(BusinessError) as error:
        ask(membership)
    assert error.value.code == "membership_not_pre_enrolled"
    assert list(Waiver.objects.values_list("status", flat=True)) == [WaiverStatus.SIGNED]


@pytest.mark.django_db
def test_resubmitting_replaces_the_draft_and_deletes_its_files_after_commit(
    membership: Membership, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    first = ask(membership)
    for attempt in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            proof = proof_pdf(f"Attestation {attempt}")
            last = ask(membership, proof_data=proof)
    assert list(Waiver.objects.values_list("pk", "status")) == [(first.pk, WaiverStatus.REQUESTED)]
    assert last.pk == first.pk
    assert stored_files(media_root) == sorted([str(last.proof.name), str(last.request_pdf.name)])
    assert last.proof_sha256 == hashlib.sha256(proof).hexdigest()
    assert AuditEvent.objects.filter(action="waiver_requested").count() == 6


@pytest.mark.django_db
def test_resubmitting_without_a_proof_leaves_no_proof_file(
    membership: Membership, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    ask(membership, case_code="solidarity_health_cover")
    with django_capture_on_commit_callbacks(execute=True):
        replaced = ask(
            membership, case_code="due_before_plan", end_date=None, proof_name="", proof_data=None
        )
    assert Waiver.objects.count() == 1
    assert (replaced.case_code, replaced.proof.name, replaced.proof_sha256) == (
        "due_before_plan",
        "",
        "",
    )
    assert stored_files(media_root / "waivers" / "proofs") == []
    assert len(stored_files(media_root / "waivers" / "requests")) == 1


@pytest.mark.django_db
def test_a_refused_resubmission_keeps_the_draft_and_its_files(
    membership: Membership, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    draft = ask(membership)
    files = stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BusinessError):
        ask(membership, proof_name="virus.exe", proof_data=b"MZ not a proof")
    assert list(Waiver.objects.values_list("pk", "proof")) == [(draft.pk, draft.proof.name)]
    assert stored_files(media_root) == files


@pytest.mark.django_db
def test_the_database_refuses_two_draft_waivers_for_one_membership(
    membership: Membership,
) -> None:
    draft = ask(membership)
    draft.pk = None
    with pytest.raises(IntegrityError):
        draft.save()


def grant_changed_nothing(waiver: Waiver, membership: Membership, media_root: Path) -> None:
    waiver.refresh_from_db()
    membership.refresh_from_db()
    assert (waiver.status, waiver.decided_at, waiver.signed_request_pdf.name) == (
        WaiverStatus.REQUESTED,
        None,
        "",
    )
    assert membership.status == MembershipStatus.PRE_ENROLLED
    assert not Request.objects.filter(reason=Reason.WAIVER).exists()
    assert not AuditEvent.objects.filter(action="waiver_signed").exists()
    assert stored_files(media_root / "waivers" / "signed") == []


@pytest.mark.django_db
@pytest.mark.parametrize("signed", [b"", b"not a pdf", SIGNED_PDF[:-100]])
def test_grant_refuses_a_signed_document_that_is_not_a_complete_pdf(
    membership: Membership, media_root: Path, signed: bytes
) -> None:
    waiver = ask(membership)
    with pytest.raises(BusinessError) as error:
        record_signature(waiver=waiver, signed_request_pdf=signed, by=None)
    assert error.value.code == "signed_request_invalid"
    grant_changed_nothing(waiver, membership, media_root)


@pytest.mark.django_db
def test_grant_is_refused_when_the_membership_was_signed_meanwhile(
    membership: Membership, media_root: Path
) -> None:
    waiver = ask(membership)
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.SIGNED)
    with pytest.raises(BusinessError) as error:
        record_signature(waiver=waiver, signed_request_pdf=SIGNED_PDF, by=None)
    assert error.value.code == "membership_not_pre_enrolled"
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.REQUESTED


@pytest.mark.django_db
def test_grant_failing_late_leaves_nothing_saved_and_no_orphan_file(
    membership: Membership, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiver = ask(membership)
    before = stored_files(media_root)
    written: list[str] = []

    def broken_audit(*args: object, **kwargs: object) -> None:
        written.extend(stored_files(media_root))
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("portal.waivers.services.audit.record", broken_audit)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        record_signature(waiver=waiver, signed_request_pdf=SIGNED_PDF, by=None)
    assert len(written) == len(before) + 1  # the signed PDF was on disk when it failed
    grant_changed_nothing(waiver, membership, media_root)
    assert stored_files(media_root) == before  # the proof and the request, kept


# Signing the written request: the signature and the grant are one transaction


def waiver_envelope(waiver: Waiver) -> tuple[SignatureEnvelope, str]:
    """The written request in an envelope, its box ticked and a code sent; the code."""
    assert waiver.membership is not None
    envelope = prepare_envelope(
        membership=waiver.membership,
        purpose=Purpose.WAIVER,
        documents=[("Demande de dispense d'adhésion", "waiver", waiver.request_pdf.read())],
        by=None,
        meta=META,
    )
    record_consent(envelope=envelope, wording=CONSEQUENCES_STATEMENT, version="1", meta=META)
    return envelope, send(envelope)


def test_the_waivers_app_registers_what_signing_a_waiver_envelope_does() -> None:
    assert effect_of(Purpose.WAIVER) is record_signed_waiver


@pytest.mark.django_db
def test_the_right_code_signs_the_waiver_for_the_insurer_to_check(
    membership: Membership, member: User
) -> None:
    waiver = ask(membership, by=member)
    envelope, code = waiver_envelope(waiver)
    signed = verify_code(envelope=envelope, code=code, meta=META, by=member)
    waiver.refresh_from_db()
    membership.refresh_from_db()
    assert (signed.status, waiver.status) == (EnvelopeStatus.SIGNED, WaiverStatus.SIGNED)
    assert waiver.signed_request_pdf.read() == signed.documents.get().signed_file.read()
    assert membership.status == MembershipStatus.WAIVER_REQUESTED
    assert Request.objects.get(reason=Reason.WAIVER).created_by == member


@pytest.mark.django_db
def test_signing_is_rolled_back_when_waivers_were_switched_off_meanwhile(
    membership: Membership, company: Company, media_root: Path
) -> None:
    waiver = ask(membership)
    envelope, code = waiver_envelope(waiver)
    before = stored_files(media_root)
    Company.objects.filter(pk=company.pk).update(waivers_enabled=False)
    with pytest.raises(BusinessError) as error:
        verify_code(envelope=envelope, code=code, meta=META)
    assert (error.value.code, error.value.message) == (
        "waivers_disabled",
        "Votre employeur ne propose pas la demande de dispense en ligne : adressez-vous à votre "
        "service des ressources humaines.",
    )
    envelope.refresh_from_db()
    assert (envelope.status, envelope.signed_at) == (EnvelopeStatus.CODE_SENT, None)
    assert envelope.codes.get().used_at is None
    assert not envelope.documents.exclude(signed_sha256="").exists()
    grant_changed_nothing(waiver, membership, media_root)
    assert stored_files(media_root) == before  # neither signed PDF is left behind
    affiliation = Request.objects.get(reason=Reason.AFFILIATION)
    assert affiliation.state == State.WAITING


@pytest.mark.django_db
def test_signing_a_waiver_already_decided_is_refused_and_nothing_is_signed(
    membership: Membership, media_root: Path
) -> None:
    waiver = ask(membership)
    envelope, code = waiver_envelope(waiver)
    Waiver.objects.filter(pk=waiver.pk).update(
        status=WaiverStatus.REFUSED, decided_at=timezone.now(), refusal_reason="Illisible"
    )
    with pytest.raises(BusinessError) as error:
        verify_code(envelope=envelope, code=code, meta=META)
    assert error.value.code == "waiver_not_requested"
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.CODE_SENT
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED


# Retention and integrity


def test_waiver_protects_its_employee_and_membership() -> None:
    for name in ["employee", "membership", "company"]:
        field = Waiver._meta.get_field(name)
        assert isinstance(field, models.ForeignKey)
        assert field.remote_field.on_delete is models.PROTECT, name


@pytest.mark.django_db
def test_deleting_an_employee_with_a_waiver_is_refused(membership: Membership) -> None:
    waiver = record_signature(waiver=ask(membership), signed_request_pdf=SIGNED_PDF, by=None)
    waiver = grant_waiver(waiver_id=waiver.pk, by=make_user("agent@x.example", Role.STAFF))
    with pytest.raises(ProtectedError) as error:
        Employee.objects.filter(pk=membership.employee_id).delete()
    assert waiver in error.value.protected_objects
    assert Waiver.objects.filter(pk=waiver.pk).exists()


@pytest.mark.django_db
def test_database_refuses_a_granted_waiver_without_signed_request(membership: Membership) -> None:
    waiver = ask(membership)
    with pytest.raises(IntegrityError):
        Waiver.objects.filter(pk=waiver.pk).update(
            status=WaiverStatus.GRANTED, decided_at=waiver.requested_at + timedelta(minutes=1)
        )
