"""Waiver events: an employee asks a waiver and signs the written request; the insurer checks
the proof and grants or refuses it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.transactions import files_removed_on_error, within_business_event
from portal.core.uploads import (
    STORED_EXTENSION,
    check_proof_upload,
    display_name,
    is_complete_pdf,
    sha256_hex,
)
from portal.documents.rendering import render_pdf
from portal.enrollment.models import Membership, MembershipStatus
from portal.enrollment.services import move_membership, others_to_enroll, revoke_invitations
from portal.notifications.services import send_email
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope
from portal.tracking.models import EventKind, Reason, Request, Source, State
from portal.tracking.services import move_request, open_request
from portal.waivers import rules
from portal.waivers.errors import WaiverError
from portal.waivers.models import Waiver, WaiverStatus
from portal.waivers.rules import CONSEQUENCES_STATEMENT, WaiverCase

REQUEST_TEMPLATE = "waivers/request.html"


def offered_cases(membership: Membership) -> list[WaiverCase]:
    """The cases this employee may choose: those of the contract's kind, facultative ones
    only if its acte provides them. What the waiver form lists and `request_waiver` accepts.
    None for a provident contract: the waivers apply to the health contract only."""
    contract = membership.contract
    if not contract.is_health:
        return []
    return rules.cases_for(contract.kind, contract.optional_waivers)


def _check_membership(membership: Membership) -> None:
    if not membership.contract.company.waivers_enabled:
        raise BusinessError(WaiverError.WAIVERS_DISABLED)
    if not membership.contract.is_health:
        raise BusinessError(WaiverError.WAIVER_HEALTH_ONLY)
    if membership.status == MembershipStatus.WAIVED:
        raise BusinessError(WaiverError.WAIVER_ALREADY_GRANTED)
    if membership.status != MembershipStatus.PRE_ENROLLED:
        # R2.10: a waiver is asked at hiring or at the plan's set-up, before enrolling.
        raise BusinessError(WaiverError.MEMBERSHIP_NOT_PRE_ENROLLED)


def _lock_membership(membership_id: int) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("employee", "contract__company")
        .get(pk=membership_id)
    )


@transaction.atomic(durable=True)
def request_waiver(
    *,
    membership: Membership,
    case_code: str,
    end_date: date | None,
    proof_name: str,
    proof_data: bytes | None,
    by: User | None,
    today: date,
) -> Waiver:
    """Record an employee's waiver request with its proof and the written request to sign.

    The membership keeps its status until `record_signature`. `proof_data` is None when
    no file was given. Raises `BusinessError` with every problem found at once.
    """
    membership = _lock_membership(membership.pk)
    _check_membership(membership)
    case = rules.get_case(case_code)
    if case is None or case not in offered_cases(membership):
        raise BusinessError(WaiverError.WAIVER_CASE_NOT_OFFERED)
    employee, contract = membership.employee, membership.contract
    problems = rules.check_waiver_request(
        case,
        end_date=end_date,
        proof_present=proof_data is not None,
        today=today,
        work_start=employee.hire_date,
    )
    content_type = ""
    if proof_data is not None and case.requires_proof:
        upload = check_proof_upload(
            proof_name, proof_data, max_bytes=settings.PROOF_MAX_MEGABYTES * 1024 * 1024
        )
        content_type = upload.content_type
        problems += [p.on("proof") for p in upload.problems]
    if problems:
        raise BusinessError.of(problems)

    # One draft per membership (issue 12.9): asking again replaces the draft not yet signed,
    # and its files go once the new ones are committed.
    draft = (
        Waiver.objects.select_for_update(of=("self",))
        .filter(membership=membership, status=WaiverStatus.REQUESTED)
        .first()
    )
    waiver = Waiver(
        pk=draft.pk if draft is not None else None,
        employee=employee,
        membership=membership,
        company=contract.company,
        case_code=case.code,
        end_date=rules.waiver_end(case, end_date, today),
        next_proof_due=rules.next_proof_due(case, today),
        requested_by=by,
        consequences_statement=CONSEQUENCES_STATEMENT,
    )
    pdf = render_pdf(
        REQUEST_TEMPLATE,
        {
            "employee": employee,
            "membership": membership,
            "contract": contract,
            "company": contract.company,
            "case": case,
            "end_date": waiver.end_date,
            "next_proof_due": waiver.next_proof_due,
            "consequences_statement": CONSEQUENCES_STATEMENT,
            "proof_name": display_name(proof_name) if proof_data is not None else "",
            "today": today,
        },
        title="Demande de dispense d'adhésion",
    )
    with files_removed_on_error() as written:
        if proof_data is not None:
            name = "justificatif" + STORED_EXTENSION[content_type]
            waiver.proof.save(name, ContentFile(proof_data), save=False)
            written.append(waiver.proof)
            waiver.proof_content_type = content_type
            waiver.proof_name = display_name(proof_name)[:200]
            waiver.proof_sha256 = sha256_hex(proof_data)
        waiver.request_pdf.save("demande.pdf", ContentFile(pdf), save=False)
        written.append(waiver.request_pdf)
        waiver.request_sha256 = sha256_hex(pdf)
        waiver.save(force_update=draft is not None)
        audit.record(
            AuditAction.WAIVER_REQUESTED,
            by=by,
            target=waiver,
            company_id=contract.company_id,
            case=case.code,
            membership=membership.pk,
            replaced=draft is not None,
        )
    if draft is not None:
        _delete_files_on_commit(draft.proof, draft.request_pdf)
    return waiver


def _delete_files_on_commit(*files: FieldFile) -> None:
    """Files of a replaced draft: deleted once the replacement commits (kept if it rolls back)."""
    for file in files:
        if file.name:
            transaction.on_commit(
                lambda storage=file.storage, name=file.name: storage.delete(name)  # type: ignore[misc]
            )


def _last_requested(membership_id: int) -> Waiver | None:
    """The waiver the employee asked last and has not signed yet: the one a signature is for."""
    return (
        Waiver.objects.filter(membership_id=membership_id, status=WaiverStatus.REQUESTED)
        .order_by("-pk")
        .first()
    )


def request_content(membership: Membership) -> dict[str, Any]:
    """What the written request to sign shows (registered with `signatures`): the waiver it
    is for, its case, its dates, its proof and the request's own PDF. Asking another case in
    another tab changes it, and the signature of the earlier request is then refused."""
    waiver = _last_requested(membership.pk)
    if waiver is None:
        return {"waiver": None}
    return {
        "waiver": waiver.pk,
        "case": waiver.case_code,
        "end_date": waiver.end_date.isoformat() if waiver.end_date else None,
        "next_proof_due": waiver.next_proof_due.isoformat() if waiver.next_proof_due else None,
        "proof_sha256": waiver.proof_sha256,
        "request_sha256": waiver.request_sha256,
    }


def request_documents(membership: Membership) -> list[tuple[str, str, bytes]]:
    """The written request of the waiver asked last, to sign (registered with `signatures`)."""
    waiver = _last_requested(membership.pk)
    if waiver is None:
        raise BusinessError(WaiverError.WAIVER_NOT_REQUESTED)
    with waiver.request_pdf.open("rb") as handle:
        pdf = bytes(handle.read())
    return [("Demande de dispense d'adhésion", "waiver", pdf)]


@within_business_event
def record_signed_waiver(*, envelope: SignatureEnvelope, by: User | None) -> Waiver:
    """The effect of signing a waiver envelope (registered in `WaiversConfig.ready()`): the
    waiver the employee asked last is signed, to be checked by the insurer."""
    assert envelope.purpose == Purpose.WAIVER and envelope.status == EnvelopeStatus.SIGNED
    requested = _last_requested(envelope.membership_id)
    document = envelope.documents.order_by("position").first()
    if requested is None or document is None or not document.signed_file:
        raise BusinessError(WaiverError.WAIVER_NOT_REQUESTED)
    with document.signed_file.open("rb") as handle:
        signed_pdf = handle.read()
    return record_signature(waiver=requested, signed_request_pdf=signed_pdf, by=by)


@within_business_event
def record_signature(*, waiver: Waiver, signed_request_pdf: bytes, by: User | None) -> Waiver:
    """The employee signed the written request: the waiver is "à vérifier", the membership
    "Dispense demandée" and a "Dispense" request opens "En cours" for the insurer to check
    the proof (`grant_waiver` / `refuse_waiver`). The affiliation request stays as it is.

    A step of the signature (`record_signed_waiver`): it commits with it or not at all.
    Returns the waiver as saved (the `waiver` given is not updated in place).
    """
    waiver = Waiver.objects.select_for_update(of=("self",)).get(pk=waiver.pk)
    if waiver.status != WaiverStatus.REQUESTED:
        raise BusinessError(WaiverError.WAIVER_NOT_REQUESTED)
    if waiver.membership_id is None:
        raise BusinessError(WaiverError.WAIVER_WITHOUT_MEMBERSHIP)
    membership = _lock_membership(waiver.membership_id)
    _check_membership(membership)
    if not is_complete_pdf(signed_request_pdf):
        raise BusinessError(WaiverError.SIGNED_REQUEST_INVALID)
    now = timezone.now()
    with files_removed_on_error() as written:
        waiver.signed_request_pdf.save(
            "demande-signee.pdf", ContentFile(signed_request_pdf), save=False
        )
        written.append(waiver.signed_request_pdf)
        waiver.signed_request_sha256 = sha256_hex(signed_request_pdf)
        request = open_request(
            membership=membership,
            reason=Reason.WAIVER,
            source=Source.FORM,
            by=by,
            now=now,
            events=(EventKind.WAIVER_SIGNED,),
        )
        waiver.status = WaiverStatus.SIGNED
        waiver.request = request
        waiver.save(
            update_fields=["signed_request_pdf", "signed_request_sha256", "status", "request"]
        )
        move_membership(membership.pk, MembershipStatus.WAIVER_REQUESTED, by=by, now=now)
        audit.record(
            AuditAction.WAIVER_SIGNED,
            by=by,
            target=waiver,
            company_id=waiver.company_id,
            case=waiver.case_code,
            membership=membership.pk,
            request_id=request.pk,
        )
    return waiver


def _lock_to_review(waiver_id: int) -> tuple[Waiver, Membership, Request]:
    """The waiver, its membership and its "Dispense" request, locked, if it awaits review.

    Locked first, then checked: of two staff deciding at once, the second sees the first's
    decision and is refused."""
    waiver = Waiver.objects.select_for_update(of=("self",)).get(pk=waiver_id)
    if waiver.status != WaiverStatus.SIGNED:
        raise BusinessError(WaiverError.WAIVER_NOT_TO_REVIEW)
    assert waiver.membership_id is not None and waiver.request_id is not None
    membership = _lock_membership(waiver.membership_id)
    if membership.status != MembershipStatus.WAIVER_REQUESTED:
        raise BusinessError(WaiverError.WAIVER_NOT_TO_REVIEW)
    request = Request.objects.select_for_update().get(pk=waiver.request_id)
    return waiver, membership, request


@transaction.atomic(durable=True)
def grant_waiver(*, waiver_id: int, by: User) -> Waiver:
    """ "Accepter la dispense": the insurer checked the proof. The waiver is granted, the
    membership waived, the "Dispense" request "Clôturée", the affiliation waiting for the
    employee "Annulée" (its link stops working), and the employee is told by e-mail."""
    waiver, membership, request = _lock_to_review(waiver_id)
    now = timezone.now()
    waiver.status = WaiverStatus.GRANTED
    waiver.decided_at = now
    waiver.decided_by = by
    waiver.save(update_fields=["status", "decided_at", "decided_by"])
    membership = move_membership(membership.pk, MembershipStatus.WAIVED, by=by, now=now)
    move_request(request, State.CLOSED, event=EventKind.WAIVER_GRANTED, by=by, now=now)
    # The affiliation waiting for the employee will not come: it ends "Annulée", with the
    # waiver as the reason in its timeline; the link stops working. Unless the dossier has
    # another contract to enroll in (provident): the affiliation and the link wait for it.
    if not others_to_enroll(membership):
        for waiting in Request.objects.filter(
            employee_id=membership.employee_id, reason=Reason.AFFILIATION, state=State.WAITING
        ):
            move_request(waiting, State.CANCELLED, event=EventKind.WAIVER_GRANTED, by=by, now=now)
        revoke_invitations(membership_id=membership.pk, now=now)
    _tell_employee(waiver, membership, "waiver_granted")
    audit.record(
        AuditAction.WAIVER_GRANTED,
        by=by,
        target=waiver,
        company_id=waiver.company_id,
        case=waiver.case_code,
        membership=membership.pk,
        request_id=request.pk,
    )
    return waiver


@transaction.atomic(durable=True)
def refuse_waiver(*, waiver_id: int, reason: str, by: User) -> Waiver:
    """ "Refuser la dispense": the proof does not hold. The waiver is refused with `reason`,
    the membership back "En attente d'adhésion", the "Dispense" request "Annulée" with the
    reason in its timeline (as a refused termination), the affiliation still "En attente" with
    its link, and the employee told by e-mail why and that they must enroll."""
    reason = " ".join(reason.split())
    if not reason:
        raise BusinessError(WaiverError.REFUSAL_REASON_REQUIRED)
    waiver, membership, request = _lock_to_review(waiver_id)
    now = timezone.now()
    waiver.status = WaiverStatus.REFUSED
    waiver.decided_at = now
    waiver.decided_by = by
    waiver.refusal_reason = reason[:300]
    waiver.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    membership = move_membership(membership.pk, MembershipStatus.PRE_ENROLLED, by=by, now=now)
    move_request(
        request, State.CANCELLED, event=EventKind.WAIVER_REFUSED, by=by, note=reason, now=now
    )
    _tell_employee(waiver, membership, "waiver_refused")
    audit.record(
        AuditAction.WAIVER_REFUSED,
        by=by,
        target=waiver,
        company_id=waiver.company_id,
        case=waiver.case_code,
        membership=membership.pk,
        request_id=request.pk,
        reason=reason,
    )
    return waiver


def _tell_employee(waiver: Waiver, membership: Membership, template: str) -> None:
    employee = membership.employee
    if employee.email:  # a letter-only employee hears it from their employer
        send_email(
            to=employee.email,
            template=template,
            context={
                "employee": employee,
                "membership": membership,
                "contract": membership.contract,
                "waiver": waiver,
                "case": rules.get_case(waiver.case_code),
            },
        )
