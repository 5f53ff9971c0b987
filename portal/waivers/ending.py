"""The end of a waiver (rules.md R2.11): notices before its last day, the new proof that keeps
it, and, without one, the affiliation that becomes due — the employee invited to enroll and
the employer told.

`follow_waivers` is the daily command's work: one short transaction per waiver, so that a
crash leaves each either done or to do, and a second run the same day does nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.transactions import files_removed_on_error
from portal.core.uploads import STORED_EXTENSION, check_proof_upload, display_name, sha256_hex
from portal.enrollment.models import Membership, MembershipStatus
from portal.enrollment.services import move_membership
from portal.notifications.models import Channel
from portal.notifications.services import PendingMessage, queue_rendered_later, send_email
from portal.tracking.models import EventKind, Reason, Request, Source, State
from portal.tracking.services import move_request, open_request, record_step, reopen_affiliation
from portal.waivers import rules
from portal.waivers.errors import WaiverError
from portal.waivers.models import EndReason, RenewalStatus, Waiver, WaiverRenewal, WaiverStatus
from portal.waivers.rules import WaiverCase

logger = logging.getLogger(__name__)


def _case(waiver: Waiver) -> WaiverCase:
    case = rules.get_case(waiver.case_code)
    assert case is not None, waiver.case_code
    return case


def _lock_granted(waiver_id: int) -> tuple[Waiver, Membership]:
    """The waiver and its membership, locked, if the waiver is still in force."""
    waiver = Waiver.objects.select_for_update(of=("self",)).get(pk=waiver_id)
    if waiver.status != WaiverStatus.GRANTED or waiver.membership_id is None:
        raise BusinessError(WaiverError.WAIVER_NOT_IN_FORCE)
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("employee__user", "contract__company")
        .get(pk=waiver.membership_id)
    )
    if membership.status != MembershipStatus.WAIVED:
        raise BusinessError(WaiverError.WAIVER_NOT_IN_FORCE)
    return waiver, membership


def offers_renewal(waiver: Waiver) -> bool:
    """A new proof can keep this waiver: its case allows it and it has an end to push back."""
    case = rules.get_case(waiver.case_code)
    return case is not None and case.renewable and waiver.end_date is not None


def waiting_renewal(waiver: Waiver) -> WaiverRenewal | None:
    return waiver.renewals.filter(status=RenewalStatus.SUBMITTED).first()


# --- Before the end: the notices ----------------------------------------------------------------


def _notice_message(waiver: Waiver, membership: Membership, number: int) -> int:
    """The notice, by e-mail, or by letter when the employer gave no e-mail; its message id."""
    employee = membership.employee
    if employee.email:
        message = send_email(
            to=employee.email,
            template="waiver_ending",
            context={
                "employee": employee,
                "contract": membership.contract,
                "company": membership.contract.company,
                "waiver": waiver,
                "case": _case(waiver),
                "number": number,
                "affiliation_from": rules.affiliation_due(waiver.end_date),  # type: ignore[arg-type]
            },
        )
        return message.pk
    address = "\n".join(employee.letter_address_lines())
    (message_id,) = queue_rendered_later(
        [PendingMessage(Channel.LETTER, address, "letter_waiver_ending", {"waiver_id": waiver.pk})]
    )
    return message_id


@transaction.atomic(durable=True)
def send_end_notice(*, waiver_id: int, today: date, now: datetime | None = None) -> bool:
    """The notice due today for this waiver, if any (`rules.notice_to_send`): sent, counted
    on the waiver and written in the "Dispense" request's timeline. False: nothing due (sent
    already today, the employee sent a new proof, or the waiver ended)."""
    try:
        waiver, membership = _lock_granted(waiver_id)
    except BusinessError:
        return False
    if waiver.end_date is None or waiting_renewal(waiver) is not None:
        return False
    number = rules.notice_to_send(waiver.end_date, today, waiver.end_notices_sent)
    if number is None:
        return False
    now = now or timezone.now()
    message_id = _notice_message(waiver, membership, number)
    waiver.end_notices_sent = number
    waiver.save(update_fields=["end_notices_sent"])
    if waiver.request_id is not None:
        record_step(
            waiver.request_id,
            EventKind.WAIVER_END_NOTICE,
            by=None,
            now=now,
            note=f"Fin le {waiver.end_date:%d/%m/%Y}",
            message_id=message_id,
        )
    audit.record(
        AuditAction.WAIVER_END_NOTICE_SENT,
        by=None,
        target=waiver,
        company_id=waiver.company_id,
        number=number,
        end_date=waiver.end_date.isoformat(),
    )
    return True


# --- At the end: the affiliation becomes due ----------------------------------------------------


def _end(
    waiver: Waiver,
    membership: Membership,
    *,
    reason: EndReason,
    last_day: date,
    by: User | None,
    now: datetime,
) -> Request:
    """The waiver ends after `last_day`: the membership is "En attente d'adhésion" from the day
    after, a new affiliation request opens "En attente" with a fresh link sent to the employee,
    and the employer's correspondents are told. Returns the new affiliation request."""
    event = EventKind.WAIVER_LAPSED if reason == EndReason.LAPSED else EventKind.WAIVER_GIVEN_UP
    starts = max(membership.effective_date, rules.affiliation_due(last_day))
    waiver.status = WaiverStatus.EXPIRED
    waiver.end_date = last_day
    waiver.ended_at = now
    waiver.end_reason = reason
    waiver.save(update_fields=["status", "end_date", "ended_at", "end_reason"])
    membership = move_membership(
        membership.pk, MembershipStatus.PRE_ENROLLED, by=by, now=now, effective_date=starts
    )
    if waiver.request_id is not None:
        record_step(waiver.request_id, event, by=by, now=now)
    note = f"Adhésion obligatoire à partir du {starts:%d/%m/%Y}"
    affiliation = reopen_affiliation(membership=membership, event=event, by=by, now=now, note=note)
    _tell_employer(waiver, membership, reason=reason, starts=starts)
    audit.record(
        AuditAction.WAIVER_ENDED,
        by=by,
        target=waiver,
        company_id=waiver.company_id,
        reason=reason.value,
        membership=membership.pk,
        request_id=affiliation.pk,
        effective_date=starts.isoformat(),
    )
    return affiliation


def _tell_employer(
    waiver: Waiver, membership: Membership, *, reason: EndReason, starts: date
) -> None:
    company = membership.contract.company
    for email in company.correspondents.filter(is_active=True).values_list("email", flat=True):
        if not email:
            continue
        send_email(
            to=email,
            template="waiver_ended_employer",
            context={
                "employee": membership.employee,
                "company": company,
                "contract": membership.contract,
                "waiver": waiver,
                "case": _case(waiver),
                "given_up": reason == EndReason.ENROLLED,
                "starts": starts,
            },
        )


@transaction.atomic(durable=True)
def lapse_waiver(*, waiver_id: int, today: date, now: datetime | None = None) -> Request | None:
    """A waiver past its last day without a new proof (R2.11): ended, the employee invited to
    enroll, the employer told. None when it is not due: still running, ended already, or a new
    proof waits for the insurer's check (the employee acted in time)."""
    try:
        waiver, membership = _lock_granted(waiver_id)
    except BusinessError:
        return None
    if waiver.end_date is None or not rules.has_ended(waiver.end_date, today):
        return None
    if waiting_renewal(waiver) is not None:
        return None
    return _end(
        waiver,
        membership,
        reason=EndReason.LAPSED,
        last_day=waiver.end_date,
        by=None,
        now=now or timezone.now(),
    )


@transaction.atomic(durable=True)
def give_up_waiver(*, waiver_id: int, by: User, today: date) -> Request:
    """ "Adhérer au contrat" from the member's space: the employee ends their waiver today and
    enrolls; the cover starts tomorrow (or at the membership's own date if later)."""
    waiver, membership = _lock_granted(waiver_id)
    renewal = waiting_renewal(waiver)
    now = timezone.now()
    if renewal is not None:  # enrolling answers the proof sent: it is no longer to check
        _decide_renewal(
            renewal,
            RenewalStatus.WITHDRAWN,
            by=by,
            now=now,
            event=EventKind.WAIVER_GIVEN_UP,
        )
    last_day = min(waiver.end_date, today) if waiver.end_date else today
    return _end(waiver, membership, reason=EndReason.ENROLLED, last_day=last_day, by=by, now=now)


# --- A new proof ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def send_renewal(
    *,
    waiver_id: int,
    end_date: date | None,
    proof_name: str,
    proof_data: bytes | None,
    by: User,
    today: date,
) -> WaiverRenewal:
    """ "Envoyer un nouveau justificatif": the proof that keeps the waiver past its end, to be
    checked by the insurer through a new "Dispense" request "En cours". Every problem at once."""
    waiver, membership = _lock_granted(waiver_id)
    if waiver.end_date is None or rules.has_ended(waiver.end_date, today):
        raise BusinessError(WaiverError.WAIVER_NOT_IN_FORCE)
    if waiting_renewal(waiver) is not None:
        raise BusinessError(WaiverError.RENEWAL_ALREADY_SENT)
    case = _case(waiver)
    problems = rules.check_renewal(
        case,
        current_end=waiver.end_date,
        end_date=end_date,
        proof_present=proof_data is not None,
        today=today,
        work_start=membership.employee.hire_date,
    )
    content_type = ""
    if proof_data is not None:
        upload = check_proof_upload(
            proof_name, proof_data, max_bytes=settings.PROOF_MAX_MEGABYTES * 1024 * 1024
        )
        content_type = upload.content_type
        problems += [p.on("proof") for p in upload.problems]
    if problems:
        raise BusinessError.of(problems)
    assert proof_data is not None
    now = timezone.now()
    request = open_request(
        membership=membership,
        reason=Reason.WAIVER,
        source=Source.FORM,
        by=by,
        now=now,
        events=(EventKind.WAIVER_RENEWAL_SENT,),
        note=f"Prolongation de la dispense ({case.label})",
    )
    renewal = WaiverRenewal(
        waiver=waiver,
        end_date=end_date if case.requires_end_date else None,
        previous_end=waiver.end_date,
        proof_content_type=content_type,
        proof_name=display_name(proof_name)[:200],
        proof_sha256=sha256_hex(proof_data),
        submitted_at=now,
        submitted_by=by,
        request=request,
    )
    with files_removed_on_error() as written:
        renewal.proof.save(
            "justificatif" + STORED_EXTENSION[content_type], ContentFile(proof_data), save=False
        )
        written.append(renewal.proof)
        renewal.save()
    audit.record(
        AuditAction.WAIVER_RENEWAL_SENT,
        by=by,
        target=waiver,
        company_id=waiver.company_id,
        renewal=renewal.pk,
        request_id=request.pk,
    )
    return renewal


def _lock_renewal(renewal_id: int) -> WaiverRenewal:
    renewal = (
        WaiverRenewal.objects.select_for_update(of=("self",))
        .select_related("waiver")
        .get(pk=renewal_id)
    )
    if renewal.status != RenewalStatus.SUBMITTED:
        raise BusinessError(WaiverError.RENEWAL_NOT_TO_REVIEW)
    return renewal


DECISION_EVENTS = {
    RenewalStatus.ACCEPTED: (State.CLOSED, EventKind.WAIVER_RENEWED),
    RenewalStatus.REFUSED: (State.CANCELLED, EventKind.WAIVER_RENEWAL_REFUSED),
    RenewalStatus.WITHDRAWN: (State.CANCELLED, EventKind.WAIVER_GIVEN_UP),
}


def _decide_renewal(
    renewal: WaiverRenewal,
    status: RenewalStatus,
    *,
    by: User,
    now: datetime,
    reason: str = "",
    event: str = "",
) -> None:
    """The new proof's outcome, and its "Dispense" request closed (accepted) or cancelled."""
    renewal.status = RenewalStatus(status)
    renewal.decided_at = now
    renewal.decided_by = by
    renewal.refusal_reason = reason[:300]
    renewal.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    state, default_event = DECISION_EVENTS[status]
    move_request(
        renewal.request_id, state, event=event or default_event, by=by, note=reason, now=now
    )


@transaction.atomic(durable=True)
def accept_renewal(*, renewal_id: int, by: User, today: date | None = None) -> Waiver:
    """ "Accepter": the new proof holds. The waiver runs to its new end (the given date, or a
    year from today when a yearly proof is due), its notices start again, the employee is
    told."""
    renewal = _lock_renewal(renewal_id)
    waiver, membership = _lock_granted(renewal.waiver_id)
    case = _case(waiver)
    now = timezone.now()
    today = today or timezone.localdate(now)
    waiver.end_date = rules.renewed_end(case, renewal.end_date, today)
    waiver.next_proof_due = rules.next_proof_due(case, today)
    waiver.end_notices_sent = 0
    waiver.save(update_fields=["end_date", "next_proof_due", "end_notices_sent"])
    _decide_renewal(renewal, RenewalStatus.ACCEPTED, by=by, now=now)
    _tell_employee(waiver, membership, renewal, "waiver_renewed")
    audit.record(
        AuditAction.WAIVER_RENEWED,
        by=by,
        target=waiver,
        company_id=waiver.company_id,
        renewal=renewal.pk,
        end_date=waiver.end_date.isoformat(),
    )
    return waiver


@transaction.atomic(durable=True)
def refuse_renewal(
    *, renewal_id: int, reason: str, by: User, today: date | None = None
) -> WaiverRenewal:
    """ "Refuser" the new proof with its reason, told to the employee. If the waiver's last day
    has passed meanwhile, it ends now (`_end`): the employee is invited to enroll."""
    reason = " ".join(reason.split())
    if not reason:
        raise BusinessError(WaiverError.REFUSAL_REASON_REQUIRED)
    renewal = _lock_renewal(renewal_id)
    waiver, membership = _lock_granted(renewal.waiver_id)
    now = timezone.now()
    _decide_renewal(renewal, RenewalStatus.REFUSED, by=by, now=now, reason=reason)
    _tell_employee(waiver, membership, renewal, "waiver_renewal_refused")
    audit.record(
        AuditAction.WAIVER_RENEWAL_REFUSED,
        by=by,
        target=waiver,
        company_id=waiver.company_id,
        renewal=renewal.pk,
        reason=reason,
    )
    assert waiver.end_date is not None
    if rules.has_ended(waiver.end_date, today or timezone.localdate(now)):
        _end(waiver, membership, reason=EndReason.LAPSED, last_day=waiver.end_date, by=by, now=now)
    return renewal


def _tell_employee(
    waiver: Waiver, membership: Membership, renewal: WaiverRenewal, template: str
) -> None:
    employee = membership.employee
    if employee.email:
        send_email(
            to=employee.email,
            template=template,
            context={
                "employee": employee,
                "contract": membership.contract,
                "waiver": waiver,
                "renewal": renewal,
                "case": _case(waiver),
                "affiliation_from": rules.affiliation_due(waiver.end_date),  # type: ignore[arg-type]
            },
        )


# --- The daily command's work -----------------------------------------------------------------


@dataclass(frozen=True)
class FollowReport:
    notices: int
    ended: int
    failed: int


def follow_waivers(*, today: date, now: datetime | None = None) -> FollowReport:
    """Every granted waiver with an end: the notice due today, or its end once passed. Each
    in its own transaction; one that fails is logged and the others go on."""
    horizon = today + timedelta(days=max(rules.END_NOTICE_DAYS))
    ids = list(
        Waiver.objects.filter(
            status=WaiverStatus.GRANTED, end_date__isnull=False, end_date__lte=horizon
        )
        .order_by("end_date", "pk")
        .values_list("pk", flat=True)
    )
    notices = ended = failed = 0
    for waiver_id in ids:
        try:
            if lapse_waiver(waiver_id=waiver_id, today=today, now=now) is not None:
                ended += 1
            elif send_end_notice(waiver_id=waiver_id, today=today, now=now):
                notices += 1
        except Exception:  # one waiver's problem must not stop the others: logged, retried tomorrow
            logger.exception("follow_waivers: waiver %s failed", waiver_id)
            failed += 1
    return FollowReport(notices=notices, ended=ended, failed=failed)
