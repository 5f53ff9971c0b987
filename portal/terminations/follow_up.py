"""The follow-up of a running portability: the proofs of unemployment benefits (asked by the
daily job, sent by the former employee, checked by staff), its early end (the former employee,
staff, a DSN of a new employer) and its end.

Each business event is one durable transaction; `*_step` runs inside a larger one (a DSN
declaration applied as a whole). The cover's end changes only through
`enrollment.services.change_cover_end`; the timeline only through `tracking.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
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
    sha256_hex,
)
from portal.documents.rendering import render_pdf
from portal.enrollment.services import change_cover_end
from portal.notifications.rendering import render_text
from portal.notifications.services import send_email, send_letter
from portal.terminations import portability
from portal.terminations.errors import PortabilityError
from portal.terminations.models import PortabilityProof, PortabilityProofStatus, Termination
from portal.terminations.portability import EarlyEndReason, EarlyEndSource
from portal.terminations.rules import evin_request_deadline, portability_start
from portal.tracking.models import EventKind
from portal.tracking.services import record_step

# Proofs the former employee has to send: asked, or refused (a new one is expected).
AWAITED = (PortabilityProofStatus.ASKED, PortabilityProofStatus.REFUSED)


def running(today: date) -> QuerySet[Termination]:
    """The portabilities in force on `today` or still to start: not undone, last day not past."""
    return (
        Termination.objects.filter(portability=True, undone_at=None, portability_end__gte=today)
        .exclude(ended_early_on__lt=today)
        .select_related("membership__employee", "membership__contract__company")
    )


def _lock(termination_id: int) -> Termination:
    return (
        Termination.objects.select_for_update(of=("self",))
        .select_related("membership__employee", "membership__contract__company")
        .get(pk=termination_id)
    )


def _check_running(termination: Termination, today: date) -> date:
    """The portability's last day, if it still runs on `today`."""
    last_day = termination.portability_last_day
    if termination.undone_at is not None or last_day is None or last_day < today:
        raise BusinessError(PortabilityError.PORTABILITY_NOT_RUNNING)
    return last_day


def _company_id(termination: Termination) -> int:
    return termination.membership.contract.company_id


def _mail(termination: Termination, template: str, **context: object) -> int | None:
    """Tell the former employee: by e-mail, or — without an address — by a letter saying the
    same (the e-mail's text printed under their address); their space shows it too."""
    employee = termination.membership.employee
    values = {
        "employee": employee,
        "termination": termination,
        "membership": termination.membership,
        "company": termination.membership.contract.company,
        **context,
    }
    if employee.email:
        return send_email(to=employee.email, template=template, context=values).pk
    values.update(brand=settings.PORTAL_BRAND, site_url=settings.SITE_URL)
    subject = " ".join(render_text(f"emails/{template}_subject.txt", values).split())
    body = render_text(f"emails/{template}_body.txt", values)
    lines = employee.letter_address_lines()
    pdf = render_pdf(
        "letters/from_message.html",
        {**values, "address_lines": lines, "subject": subject, "paragraphs": body.split("\n\n")},
        title=subject,
    )
    letter = send_letter(
        to="\n".join(lines),
        template=f"letter_{template}",
        subject=subject,
        body_text=body,
        attachment=(f"{template.replace('_', '-')}.pdf", pdf),
    )
    return letter.pk


# --- Asking the proofs (the daily job) -----------------------------------------------------------


@transaction.atomic(durable=True)
def ask_due_proofs(*, termination_id: int, today: date) -> list[PortabilityProof]:
    """Ask every proof whose period has begun by `today` and was not asked yet (the opening,
    then one a period): one e-mail for them all. Asking again the same day asks nothing."""
    termination = _lock(termination_id)
    last_day = termination.portability_last_day
    if termination.undone_at is not None or last_day is None or last_day < today:
        return []
    asked = set(termination.proofs.values_list("period", flat=True))
    periods = portability.proofs_to_ask(
        start=portability_start(contract_end=termination.termination_date),
        end=last_day,
        today=today,
        asked=asked,
    )
    if not periods:
        return []
    now = timezone.now()
    proofs = PortabilityProof.objects.bulk_create(
        [
            PortabilityProof(
                termination=termination,
                period=period.number,
                period_start=period.first_day,
                period_end=period.last_day,
                asked_at=now,
                due_on=period.due_on,
            )
            for period in periods
        ]
    )
    message_id = _mail(
        termination,
        "portability_proof_asked",
        proofs=proofs,
        due_on=max(p.due_on for p in proofs),
    )
    for proof in proofs:
        record_step(
            termination.request_id,
            EventKind.PORTABILITY_PROOF_ASKED,
            by=None,
            now=now,
            note=f"Période du {proof.period_start:%d/%m/%Y} au {proof.period_end:%d/%m/%Y}, "
            f"attendu le {proof.due_on:%d/%m/%Y}",
            message_id=message_id,
        )
    audit.record(
        AuditAction.PORTABILITY_PROOF_ASKED,
        target=termination,
        company_id=_company_id(termination),
        periods=[p.period for p in proofs],
        emailed=message_id is not None,
    )
    return proofs


# --- The former employee sends a proof ----------------------------------------------------------


@transaction.atomic(durable=True)
def submit_proof(
    *, proof_id: int, employee_id: int, name: str, data: bytes | None, by: User | None
) -> PortabilityProof:
    """The former employee's "attestation France Travail" for one asked (or refused) proof,
    checked by its content (PDF, JPEG, PNG; size; a complete PDF). Another person's proof is
    `PortabilityProof.DoesNotExist`."""
    proof = (
        PortabilityProof.objects.select_for_update(of=("self",))
        .select_related("termination__membership__contract")
        .get(pk=proof_id, termination__membership__employee_id=employee_id)
    )
    termination = proof.termination
    if termination.undone_at is not None or not termination.portability:
        raise BusinessError(PortabilityError.PORTABILITY_NOT_RUNNING)
    if proof.status not in AWAITED:
        raise BusinessError(PortabilityError.PORTABILITY_PROOF_NOT_AWAITED)
    if data is None:
        raise BusinessError(PortabilityError.PROOF_FILE_REQUIRED, field="proof")
    upload = check_proof_upload(name, data, max_bytes=settings.PROOF_MAX_MEGABYTES * 1024 * 1024)
    if upload.problems:
        raise BusinessError.of([p.on("proof") for p in upload.problems])
    replaced = proof.file.name if proof.file else ""
    now = timezone.now()
    with files_removed_on_error() as written:
        proof.file.save(
            "attestation" + STORED_EXTENSION[upload.content_type], ContentFile(data), save=False
        )
        written.append(proof.file)
        proof.file_name = display_name(name)[:200]
        proof.content_type = upload.content_type
        proof.sha256 = sha256_hex(data)
        proof.received_at = now
        proof.uploaded_by = by
        proof.status = PortabilityProofStatus.RECEIVED
        proof.decided_at = None
        proof.decided_by = None
        proof.refusal_reason = ""
        proof.save()
        record_step(
            termination.request_id,
            EventKind.PORTABILITY_PROOF_RECEIVED,
            by=by,
            now=now,
            note=f"Période du {proof.period_start:%d/%m/%Y} au {proof.period_end:%d/%m/%Y}",
        )
        audit.record(
            AuditAction.PORTABILITY_PROOF_RECEIVED,
            by=by,
            target=proof,
            company_id=_company_id(termination),
            content_type=upload.content_type,
            sha256=proof.sha256,
            replaced=bool(replaced),
        )
    if replaced:  # the refused file, once the new one is committed
        storage = proof.file.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    return proof


# --- Staff check it ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def decide_proof(*, proof_id: int, accept: bool, reason: str, by: User) -> PortabilityProof:
    """Staff accept a received proof, or refuse it with a reason the former employee reads
    (e-mailed, with the request to send another)."""
    reason = " ".join(reason.split())
    if not accept and not reason:
        raise BusinessError(PortabilityError.PROOF_REFUSAL_REASON_REQUIRED, field="reason")
    proof = (
        PortabilityProof.objects.select_for_update(of=("self",))
        .select_related("termination__membership__employee", "termination__membership__contract")
        .get(pk=proof_id)
    )
    if proof.status != PortabilityProofStatus.RECEIVED:
        raise BusinessError(PortabilityError.PROOF_NOT_RECEIVED)
    termination = proof.termination
    now = timezone.now()
    if accept:
        proof.status = PortabilityProofStatus.ACCEPTED
    else:
        proof.status = PortabilityProofStatus.REFUSED
    proof.decided_at = now
    proof.decided_by = by
    proof.refusal_reason = "" if accept else reason[:300]
    proof.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    message_id = None
    if not accept:
        message_id = _mail(termination, "portability_proof_refused", proof=proof)
    record_step(
        termination.request_id,
        EventKind.PORTABILITY_PROOF_ACCEPTED if accept else EventKind.PORTABILITY_PROOF_REFUSED,
        by=by,
        now=now,
        # The reason is the former employee's business (e-mailed, on the proof): the
        # employer reads this timeline.
        note=f"Période du {proof.period_start:%d/%m/%Y} au {proof.period_end:%d/%m/%Y}",
        message_id=message_id,
    )
    audit.record(
        AuditAction.PORTABILITY_PROOF_DECIDED,
        by=by,
        target=proof,
        company_id=_company_id(termination),
        accepted=accept,
        reason=proof.refusal_reason,
    )
    return proof


# --- Early end (R3.6) ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def end_portability_early(
    *,
    termination_id: int,
    reason: str,
    event_date: date | None,
    source: EarlyEndSource,
    by: User | None,
    today: date,
    employee_id: int | None = None,
) -> Termination:
    """The former employee (`employee_id`: their own portability only, while it runs) or staff
    (also after its end, learnt late) declare what ends the portability early: checked, then
    as `end_portability_early_step`."""
    termination = _lock(termination_id)
    if employee_id is not None and termination.membership.employee_id != employee_id:
        raise Termination.DoesNotExist
    if (
        not termination.portability
        or termination.portability_end is None
        or termination.undone_at is not None
    ):
        raise BusinessError(PortabilityError.PORTABILITY_NOT_RUNNING)
    if source != EarlyEndSource.STAFF:
        # Staff may learn late of a new job: they record it even once the end has passed.
        _check_running(termination, today)
    problems = portability.check_early_end(
        reason=reason,
        event_date=event_date,
        termination_date=termination.termination_date,
        computed_end=termination.portability_end,
        ended_early_on=termination.ended_early_on,
        today=today,
    )
    if problems:
        raise BusinessError.of(problems)
    assert event_date is not None
    ended = end_portability_early_step(
        termination=termination,
        reason=EarlyEndReason(reason),
        event_date=event_date,
        source=source,
        by=by,
    )
    assert ended is not None  # checked above: it applies
    return ended


@within_business_event
def end_portability_early_step(
    *,
    termination: Termination,
    reason: EarlyEndReason,
    event_date: date,
    source: EarlyEndSource,
    by: User | None,
    dsn_file_id: int | None = None,
) -> Termination | None:
    """End the portability at the day `reason`'s event on `event_date` ends it, when that is
    earlier than its current end (R3.6, "the earliest"); None when it changes nothing. The
    cover ends then (the card follows), the proofs of later periods are no longer asked, the
    timeline and the audit log record it, the former employee is told."""
    assert termination.portability_end is not None
    decision = portability.decide_early_end(
        termination_date=termination.termination_date,
        computed_end=termination.portability_end,
        ended_early_on=termination.ended_early_on,
        reason=reason,
        event_date=event_date,
    )
    if not decision.applies:
        return None
    now = timezone.now()
    previous = termination.portability_last_day
    termination.ended_early_on = decision.last_day
    termination.early_end_reason = reason.value
    termination.early_end_source = source.value
    termination.early_end_event_date = event_date
    termination.early_end_recorded_at = now
    termination.early_end_recorded_by = by
    termination.save(
        update_fields=[
            "ended_early_on",
            "early_end_reason",
            "early_end_source",
            "early_end_event_date",
            "early_end_recorded_at",
            "early_end_recorded_by",
        ]
    )
    change_cover_end(termination.membership_id, cover_until=decision.last_day, by=by)
    # Periods that start after the new end have nothing to prove.
    dropped = termination.proofs.filter(
        status=PortabilityProofStatus.ASKED, period_start__gt=decision.last_day
    ).delete()[0]
    message_id = _mail(
        termination,
        "portability_ended_early",
        reason=reason.label,
        last_day=decision.last_day,
        evin_deadline=evin_request_deadline(decision.last_day),
    )
    record_step(
        termination.request_id,
        EventKind.PORTABILITY_ENDED_EARLY,
        by=by,
        now=now,
        note=f"{reason.label} — garanties maintenues jusqu'au {decision.last_day:%d/%m/%Y}",
        message_id=message_id,
    )
    details: dict[str, Any] = {
        "reason": reason.value,
        "source": source.value,
        "event_date": event_date.isoformat(),
        "last_day": decision.last_day.isoformat(),
        "previous_last_day": previous.isoformat() if previous else None,
        "proofs_dropped": dropped,
    }
    if dsn_file_id is not None:
        details["dsn_file_id"] = dsn_file_id
    audit.record(
        AuditAction.PORTABILITY_ENDED_EARLY,
        by=by,
        target=termination,
        company_id=_company_id(termination),
        **details,
    )
    return termination


def portability_nir_digests(nir_digests: set[str]) -> set[str]:
    """Of `nir_digests`, those of a person with a portability (a DSN batch's filter: a new
    job declared late may end one whose last day has passed since)."""
    if not nir_digests:
        return set()
    return set(
        Termination.objects.filter(
            portability=True,
            undone_at=None,
            membership__employee__nir_digest__in=nir_digests,
        ).values_list("membership__employee__nir_digest", flat=True)
    )


@within_business_event
def new_job_declared_step(
    *,
    nir_digest: str,
    birth_date: date | None,
    contract_start: date,
    by: User | None,
    dsn_file_id: int | None,
) -> list[Termination]:
    """A DSN (of any company) declares an employment contract starting on `contract_start` for
    the person whose keyed NIR digest is `nir_digest`, born on `birth_date` (None: not fully
    given): every portability of theirs running then, from a contract that ended before, ends
    the day before (R3.6, a new job). The birth date must match too: a NIR mistyped for someone
    else never stops a person's cover. The DSN's own company learns nothing of it. Applying the
    same contract again changes nothing."""
    if not nir_digest:
        return []
    same_person = {"membership__employee__nir_digest": nir_digest}
    if birth_date is not None:
        same_person["membership__employee__birth_date"] = birth_date  # type: ignore[assignment]
    candidates = (
        Termination.objects.select_for_update(of=("self",))
        .select_related("membership__employee", "membership__contract__company")
        .filter(
            portability=True,
            undone_at=None,
            termination_date__lt=contract_start,
            portability_end__gte=contract_start,
            **same_person,
        )
        .exclude(ended_early_on__lt=contract_start)
        .order_by("pk")
    )
    ended = []
    for termination in candidates:
        done = end_portability_early_step(
            termination=termination,
            reason=EarlyEndReason.NEW_JOB,
            event_date=contract_start,
            source=EarlyEndSource.DSN,
            by=by,
            dsn_file_id=dsn_file_id,
        )
        if done is not None:
            ended.append(done)
    return ended


# --- The end (the daily job) ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def finish_portability(*, termination_id: int, today: date) -> Termination | None:
    """Once its last day has passed: the portability is marked over in the timeline and the
    former employee is told of the loi Evin art. 4 offer they may ask for within 6 months
    (R3.8). Once (None when already done or not over)."""
    termination = _lock(termination_id)
    last_day = termination.portability_last_day
    if (
        termination.undone_at is not None
        or last_day is None
        or last_day >= today
        or termination.portability_finished_at is not None
    ):
        return None
    now = timezone.now()
    termination.portability_finished_at = now
    termination.save(update_fields=["portability_finished_at"])
    message_id = None
    if termination.ended_early_on is None:  # an early end has told them already
        message_id = _mail(
            termination,
            "portability_finished",
            last_day=last_day,
            evin_deadline=evin_request_deadline(last_day),
        )
    record_step(
        termination.request_id,
        EventKind.PORTABILITY_FINISHED,
        by=None,
        now=now,
        note=f"Garanties maintenues jusqu'au {last_day:%d/%m/%Y}",
        message_id=message_id,
    )
    audit.record(
        AuditAction.PORTABILITY_FINISHED,
        target=termination,
        company_id=_company_id(termination),
        last_day=last_day.isoformat(),
    )
    return termination


@dataclass
class FollowUpReport:
    asked: int = 0  # proofs asked
    finished: int = 0  # portabilities over


def follow_portability(*, today: date) -> FollowUpReport:
    """The daily job: ask the proofs that are due, close the portabilities whose last day has
    passed. Each portability in its own transaction; running it twice a day does nothing more."""
    report = FollowUpReport()
    for termination_id in running(today).order_by("pk").values_list("pk", flat=True).iterator():
        report.asked += len(ask_due_proofs(termination_id=termination_id, today=today))
    over = (
        Termination.objects.filter(portability=True, undone_at=None, portability_finished_at=None)
        .order_by("pk")
        .values_list("pk", "portability_end", "ended_early_on")
    )
    for termination_id, computed_end, ended_early_on in over.iterator():
        assert computed_end is not None  # portability=True (constraint portability_has_its_end)
        over_by_today = portability.effective_end(computed_end, ended_early_on) < today
        if over_by_today and finish_portability(termination_id=termination_id, today=today):
            report.finished += 1
    return report
