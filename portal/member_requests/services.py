"""Member request events: a member asks to add or remove a dependant after a life event, or
sends a document; the member cancels it; the insurer accepts or refuses it.

The one owner of `MemberRequest.state`: every move goes through `_move` and the transition
table (`rules.TRANSITIONS`), which writes the timeline event and the audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError, Problem
from portal.core.transactions import files_removed_on_error
from portal.core.uploads import (
    STORED_EXTENSION,
    check_proof_upload,
    display_name,
    sha256_hex,
)
from portal.enrollment import life_events
from portal.enrollment import rules as enrollment_rules
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.models import Dependant, Membership
from portal.enrollment.rules import DependantFacts
from portal.member_requests import rules
from portal.member_requests.choices import DocumentType, EventKind, RequestKind, RequestState
from portal.member_requests.errors import MemberRequestError
from portal.member_requests.models import MemberRequest, MemberRequestEvent
from portal.member_requests.rules import Direction
from portal.notifications.services import send_email

NOTE_MAX = 1000

_AUDIT = {
    RequestState.SUBMITTED: AuditAction.MEMBER_REQUEST_SUBMITTED,
    RequestState.ACCEPTED: AuditAction.MEMBER_REQUEST_ACCEPTED,
    RequestState.REFUSED: AuditAction.MEMBER_REQUEST_REFUSED,
    RequestState.WITHDRAWN: AuditAction.MEMBER_REQUEST_WITHDRAWN,
}
_EVENTS = {
    RequestState.ACCEPTED: EventKind.ACCEPTED,
    RequestState.REFUSED: EventKind.REFUSED,
    RequestState.WITHDRAWN: EventKind.WITHDRAWN,
}


@dataclass(frozen=True)
class Proof:
    """An uploaded file as the form hands it over."""

    name: str
    data: bytes


def _lock_membership(membership_id: int) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("employee", "contract")
        .get(pk=membership_id)
    )


def _check_in_force(membership: Membership) -> None:
    if not life_events.in_force(membership):
        raise BusinessError(EnrollmentError.MEMBERSHIP_NOT_IN_FORCE)


def _proof_problems(
    proof: Proof | None, *, required: str, code: MemberRequestError
) -> tuple[str, list[Problem]]:
    """The proof's content type and problems, checked by content as the waiver's proof is."""
    if proof is None:
        if not required:
            return "", []
        return "", [Problem.of(code, "proof", proof=required)]
    upload = check_proof_upload(
        proof.name, proof.data, max_bytes=settings.PROOF_MAX_MEGABYTES * 1024 * 1024
    )
    return upload.content_type, [p.on("proof") for p in upload.problems]


def _store(
    member_request: MemberRequest, proof: Proof | None, content_type: str, *, by: User | None
) -> MemberRequest:
    """Save the new request, its proof, its first timeline step and its audit event."""
    now = member_request.submitted_at
    with files_removed_on_error() as written:
        if proof is not None:
            name = "justificatif" + STORED_EXTENSION[content_type]
            member_request.proof.save(name, ContentFile(proof.data), save=False)
            written.append(member_request.proof)
            member_request.proof_content_type = content_type
            member_request.proof_name = display_name(proof.name)[:200]
            member_request.proof_sha256 = sha256_hex(proof.data)
        member_request.save()
        MemberRequestEvent.objects.create(
            request=member_request, kind=EventKind.SUBMITTED, at=now, by=by
        )
        _audit(member_request, RequestState.SUBMITTED, by=by)
    return member_request


def _audit(member_request: MemberRequest, state: RequestState, *, by: User | None) -> None:
    action = _AUDIT[state]
    audit.record(
        action,
        by=by,
        target=member_request,
        company_id=member_request.employee.company_id,
        kind=member_request.kind,
        membership=member_request.membership_id,
        life_event=member_request.life_event,
        effective_date=(
            member_request.effective_date.isoformat() if member_request.effective_date else None
        ),
    )


def _pending_additions(membership: Membership) -> list[MemberRequest]:
    return list(
        MemberRequest.objects.filter(
            membership=membership, kind=RequestKind.ADD_DEPENDANT, state=RequestState.SUBMITTED
        )
    )


def facts_of_request(member_request: MemberRequest) -> DependantFacts:
    """The dependant an addition asks for, as the journey's rules read one."""
    kind = member_request.dependant_kind
    return DependantFacts(
        kind=enrollment_rules.DependantKind(kind) if kind else None,
        civility=member_request.civility,
        last_name=member_request.last_name,
        first_name=member_request.first_name,
        birth_date=member_request.birth_date,
        twin_rank=member_request.twin_rank,
        nir=member_request.nir,
        parent_nir=member_request.parent_nir,
        fund_code=member_request.fund_code,
        alsace_moselle=member_request.alsace_moselle,
        studying_or_apprentice=member_request.studying,
        disabled=member_request.disabled,
    )


@transaction.atomic(durable=True)
def request_addition(
    *,
    membership: Membership,
    life_event: str,
    event_date: date | None,
    facts: DependantFacts,
    proof: Proof | None,
    by: User | None,
    today: date,
) -> MemberRequest:
    """ "Ajouter un bénéficiaire": the member asks the insurer to cover a dependant after a
    life event, with its proof; the effective date follows the event's rule. Refused with every
    problem found at once (the event, the journey's rules for the dependant, the proof)."""
    locked = _lock_membership(membership.pk)
    _check_in_force(locked)
    f = enrollment_rules.normalise_dependant(facts)
    problems = rules.check_event(
        life_event, direction=Direction.ADD, kind=f.kind, event_date=event_date, today=today
    )
    problems += rules.check_addition_dates(
        life_event, event_date=event_date, birth_date=f.birth_date
    )
    event = rules.get_event(life_event)
    start = today
    if event is not None and event_date is not None and not problems:
        start = rules.effective_date(
            event,
            event_date=event_date,
            requested_on=today,
            membership_start=locked.effective_date,
        )
    pending = _pending_additions(locked)
    if rules.spouse_kind_pending(
        f.kind, [enrollment_rules.DependantKind(p.dependant_kind) for p in pending]
    ):
        problems.append(Problem.of(MemberRequestError.SPOUSE_ALREADY_ASKED, "kind"))
    problems += life_events.check_dependant_in_force(
        locked,
        f,
        cover_start=start,
        others=[facts_of_request(p) for p in pending],
        today=today,
    )
    required = event.proof if event is not None else ""
    content_type, proof_problems = _proof_problems(
        proof, required=required, code=MemberRequestError.LIFE_EVENT_PROOF_REQUIRED
    )
    problems += proof_problems
    if problems:
        raise BusinessError.of(problems)
    assert event is not None and event_date is not None and f.kind is not None
    member_request = MemberRequest(
        employee=locked.employee,
        membership=locked,
        kind=RequestKind.ADD_DEPENDANT,
        life_event=event.code,
        event_date=event_date,
        effective_date=start,
        dependant_kind=str(f.kind),
        civility=f.civility,
        last_name=f.last_name.upper(),
        first_name=f.first_name,
        birth_date=f.birth_date,
        twin_rank=f.twin_rank or 1,
        nir=f.nir,
        parent_nir=f.parent_nir if not f.nir else "",
        fund_code=f.fund_code,
        alsace_moselle=f.alsace_moselle,
        studying=f.studying_or_apprentice,
        disabled=f.disabled,
    )
    return _store(member_request, proof, content_type, by=by)


@transaction.atomic(durable=True)
def request_removal(
    *,
    dependant: Dependant,
    life_event: str,
    event_date: date | None,
    proof: Proof | None,
    by: User | None,
    today: date,
) -> MemberRequest:
    """ "Retirer": the member asks the insurer to end a dependant's cover after a life event
    (divorce, a child no longer dependant…); covered until the event's effective date."""
    locked = _lock_membership(dependant.membership_id)
    _check_in_force(locked)
    covered = (
        Dependant.objects.select_for_update()
        .filter(pk=dependant.pk, membership=locked, cover_end=None)
        .first()
    )
    if covered is None:
        raise BusinessError(MemberRequestError.DEPENDANT_NOT_COVERED)
    if MemberRequest.objects.filter(
        dependant=covered, kind=RequestKind.REMOVE_DEPENDANT, state=RequestState.SUBMITTED
    ).exists():
        raise BusinessError(MemberRequestError.REMOVAL_PENDING)
    kind = enrollment_rules.DependantKind(covered.kind)
    problems = rules.check_event(
        life_event, direction=Direction.REMOVE, kind=kind, event_date=event_date, today=today
    )
    event = rules.get_event(life_event)
    required = event.proof if event is not None else ""
    content_type, proof_problems = _proof_problems(
        proof, required=required, code=MemberRequestError.LIFE_EVENT_PROOF_REQUIRED
    )
    problems += proof_problems
    if problems:
        raise BusinessError.of(problems)
    assert event is not None and event_date is not None
    end = rules.effective_date(
        event, event_date=event_date, requested_on=today, membership_start=locked.effective_date
    )
    if covered.cover_start is not None:
        end = max(end, covered.cover_start)
    member_request = MemberRequest(
        employee=locked.employee,
        membership=locked,
        kind=RequestKind.REMOVE_DEPENDANT,
        life_event=event.code,
        event_date=event_date,
        effective_date=end,
        dependant=covered,
        dependant_kind=covered.kind,
    )
    return _store(member_request, proof, content_type, by=by)


@transaction.atomic(durable=True)
def send_document(
    *,
    membership: Membership,
    document_type: str,
    note: str,
    proof: Proof | None,
    by: User | None,
) -> MemberRequest:
    """ "Envoyer un justificatif": a quote, a proof or another document for the insurer."""
    locked = _lock_membership(membership.pk)
    if not locked.is_current:
        raise BusinessError(MemberRequestError.MEMBERSHIP_NOT_CURRENT, field="membership")
    problems: list[Problem] = []
    if document_type not in DocumentType.values:
        problems.append(Problem.of(MemberRequestError.DOCUMENT_TYPE_REQUIRED, "document_type"))
    note = note.strip()
    if len(note) > NOTE_MAX:
        problems.append(
            Problem.of(MemberRequestError.NOTE_TOO_LONG, "note", max=NOTE_MAX, length=len(note))
        )
    if proof is None:
        problems.append(Problem.of(MemberRequestError.DOCUMENT_REQUIRED, "proof"))
        content_type = ""
    else:
        content_type, proof_problems = _proof_problems(
            proof, required="", code=MemberRequestError.DOCUMENT_REQUIRED
        )
        problems += proof_problems
    if problems:
        raise BusinessError.of(problems)
    member_request = MemberRequest(
        employee=locked.employee,
        membership=locked,
        kind=RequestKind.DOCUMENT,
        document_type=document_type,
        note=note,
    )
    return _store(member_request, proof, content_type, by=by)


def _lock_pending(request_id: int) -> MemberRequest:
    """The request locked, then checked: of two decisions at once, the second is refused."""
    member_request = (
        MemberRequest.objects.select_for_update(of=("self",))
        .select_related("employee", "membership__contract")
        .get(pk=request_id)
    )
    if not member_request.is_pending:
        raise BusinessError(MemberRequestError.NOT_PENDING)
    return member_request


def _move(
    member_request: MemberRequest,
    to_state: RequestState,
    *,
    by: User | None,
    now: datetime,
    note: str = "",
    fields: tuple[str, ...] = (),
) -> MemberRequest:
    """The one place a request's state changes: through the table, with its timeline step
    and its audit event."""
    if not rules.can_move(member_request.state, to_state):
        raise BusinessError(MemberRequestError.NOT_PENDING)
    member_request.state = RequestState(to_state)
    member_request.state_changed_at = now
    member_request.save(update_fields=["state", "state_changed_at", *fields])
    MemberRequestEvent.objects.create(
        request=member_request, kind=_EVENTS[to_state], at=now, by=by, note=note[:300]
    )
    _audit(member_request, to_state, by=by)
    return member_request


@transaction.atomic(durable=True)
def withdraw_request(*, request_id: int, by: User) -> MemberRequest:
    """ "Annuler la demande": the member takes back a request not yet decided."""
    member_request = _lock_pending(request_id)
    return _move(member_request, RequestState.WITHDRAWN, by=by, now=timezone.now())


@transaction.atomic(durable=True)
def accept_request(*, request_id: int, by: User, today: date) -> MemberRequest:
    """ "Accepter": the insurer checked the proof. An addition's dependant is covered from
    the effective date, a removal's until it (the card, the price and the SEPA debits follow,
    through enrollment); the member is told by e-mail."""
    member_request = _lock_pending(request_id)
    now = timezone.now()
    fields: tuple[str, ...] = ("decided_at", "decided_by")
    assert member_request.effective_date is not None or member_request.kind == RequestKind.DOCUMENT
    if member_request.kind == RequestKind.ADD_DEPENDANT:
        assert member_request.effective_date is not None
        member_request.dependant = life_events.add_dependant_in_force(
            membership=member_request.membership,
            facts=facts_of_request(member_request),
            cover_start=member_request.effective_date,
            by=by,
            today=today,
        )
        fields += ("dependant",)
    elif member_request.kind == RequestKind.REMOVE_DEPENDANT:
        assert member_request.effective_date is not None
        if member_request.dependant_id is None:
            raise BusinessError(MemberRequestError.DEPENDANT_NOT_COVERED)
        life_events.end_dependant_cover(
            membership=member_request.membership,
            dependant_id=member_request.dependant_id,
            cover_end=member_request.effective_date,
            by=by,
        )
    member_request.decided_at = now
    member_request.decided_by = by
    _move(member_request, RequestState.ACCEPTED, by=by, now=now, fields=fields)
    _tell_member(member_request, "member_request_accepted")
    return member_request


@transaction.atomic(durable=True)
def refuse_request(*, request_id: int, reason: str, by: User) -> MemberRequest:
    """ "Refuser": the proof does not hold; the member is told why by e-mail."""
    reason = " ".join(reason.split())
    if not reason:
        raise BusinessError(MemberRequestError.DECISION_REASON_REQUIRED, field="reason")
    member_request = _lock_pending(request_id)
    now = timezone.now()
    member_request.decided_at = now
    member_request.decided_by = by
    member_request.refusal_reason = reason[:300]
    _move(
        member_request,
        RequestState.REFUSED,
        by=by,
        now=now,
        note=reason,
        fields=("decided_at", "decided_by", "refusal_reason"),
    )
    _tell_member(member_request, "member_request_refused")
    return member_request


def _tell_member(member_request: MemberRequest, template: str) -> None:
    employee = member_request.employee
    if employee.email:  # a letter-only member sees it in their space
        send_email(
            to=employee.email,
            template=template,
            context={
                "employee": employee,
                "member_request": member_request,
                "contract": member_request.membership.contract,
                "event": rules.get_event(member_request.life_event),
            },
        )
