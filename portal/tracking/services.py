"""Request events: declaring an employee, reminders, expiry of invitation links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.accounts.models import User
from portal.companies.ladder import Step, parse_ladder
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.bulk import insert_rows
from portal.core.errors import BusinessError, Problem
from portal.core.transactions import within_business_event
from portal.enrollment.declarations import (
    EmployeeDeclaration,
    PreloadedLookups,
    validate_declaration,
    validate_joining,
    validate_one_of_many,
)
from portal.enrollment.models import Employee, Invitation, Membership, MembershipStatus
from portal.enrollment.services import (
    add_memberships,
    invitation_url,
    issue_invitation,
    issue_invitations,
    move_membership,
    pre_enroll,
    revoke_invitations,
)
from portal.notifications.models import Channel
from portal.notifications.rendering import Secret
from portal.notifications.services import PendingMessage, queue_rendered_later, send_sms
from portal.tracking import rules
from portal.tracking.errors import TrackingError
from portal.tracking.models import EventKind, Reason, Request, RequestEvent, Source, State


def _event(
    request: Request,
    kind: str,
    by: User | None,
    at: datetime | None = None,
    message_id: int | None = None,
) -> None:
    RequestEvent.objects.create(
        request=request, kind=kind, actor=by, at=at or timezone.now(), message_id=message_id
    )


# --- The owner of `Request.state`: every request is opened and moved here. ---


class NewRequest(NamedTuple):
    """One request for `open_requests` (bulk): its timeline starts with "Demande créée",
    then `events` (e.g. the invitation sent)."""

    employee_id: int
    membership_id: int | None
    search_name: str
    search_name_reversed: str
    submission_key: str | None = None
    events: tuple[str, ...] = ()
    note: str = ""  # with "Demande créée", e.g. a termination's motif
    messages: tuple[int | None, ...] = ()  # the message each of `events` sent, if any


_REQUEST_COLUMNS = [
    "company_id",
    "employee_id",
    "membership_id",
    "reason",
    "state",
    "source",
    "created_by_id",
    "created_at",
    "updated_at",
    "search_name",
    "search_name_reversed",
    "submission_key",
    "in_progress_since",
]


def open_requests(
    *,
    company_id: int,
    reason: str,
    source: str,
    rows: list[NewRequest],
    by: User | None,
    now: datetime,
) -> list[int]:
    """Open many requests of one reason at once (a file declares thousands): their first
    state follows the reason, each timeline starts with "Demande créée". Written with
    `insert_rows`, inside the caller's transaction; the new ids, in the rows' order."""
    assert transaction.get_connection().in_atomic_block, "open_requests runs in a transaction"
    state = rules.initial_state(reason)
    by_id = by.pk if by else None
    request_ids = insert_rows(
        Request,
        _REQUEST_COLUMNS,
        [
            (
                company_id,
                row.employee_id,
                row.membership_id,
                reason,
                state,
                source,
                by_id,
                now,
                now,
                row.search_name,
                row.search_name_reversed,
                row.submission_key,
                now if state == State.IN_PROGRESS else None,
            )
            for row in rows
        ],
        ids=True,
    )
    insert_rows(
        RequestEvent,
        ["request_id", "kind", "actor_id", "at", "note", "message_id"],
        [
            (request_id, kind, by_id, now, row.note[:300] if kind == EventKind.CREATED else "",
             message_id)
            for request_id, row in zip(request_ids, rows, strict=True)
            for kind, message_id in zip(
                (EventKind.CREATED, *row.events),
                (None, *row.messages, *[None] * (len(row.events) - len(row.messages))),
                strict=True,
            )
        ],
    )  # fmt: skip
    audit.record(
        AuditAction.REQUEST_OPENED,
        by=by,
        company_id=company_id,
        reason=reason,
        state=state,
        requests=request_ids,
    )
    return request_ids


def open_request(
    *,
    membership: Membership,
    reason: str,
    source: str,
    by: User | None,
    now: datetime | None = None,
    events: tuple[str, ...] = (),
    note: str = "",
    messages: tuple[int | None, ...] = (),
) -> Request:
    """Open one request about `membership`'s employee (see `open_requests`); `note` goes with
    its "Demande créée" event, `messages` with `events`."""
    employee = membership.employee
    (request_id,) = open_requests(
        company_id=employee.company_id,
        reason=reason,
        source=source,
        rows=[
            NewRequest(
                employee.pk,
                membership.pk,
                employee.search_name,
                employee.search_name_reversed,
                events=events,
                note=note,
                messages=messages,
            )
        ],
        by=by,
        now=now or timezone.now(),
    )
    return Request.objects.get(pk=request_id)


def move_request(
    request_or_id: Request | int,
    to_state: str,
    *,
    event: str,
    by: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Request:
    """Move one request to `to_state`, if the transition table allows it from its current
    (locked) state: sets its dates, writes the timeline event and the audit event.

    A Request given is updated in place and returned; an id returns the locked row.
    """
    assert transaction.get_connection().in_atomic_block, "move_request runs in a transaction"
    pk = request_or_id.pk if isinstance(request_or_id, Request) else request_or_id
    locked = Request.objects.select_for_update().get(pk=pk)
    request = request_or_id if isinstance(request_or_id, Request) else locked
    from_state = locked.state
    if not rules.can_move(from_state, to_state):
        raise BusinessError(
            TrackingError.REQUEST_MOVE_REFUSED,
            current=State(from_state).label,
            wanted=State(to_state).label,
        )
    now = now or timezone.now()
    request.state = to_state
    request.updated_at = now
    request.closed_at = now if rules.closes(to_state) else None
    fields = ["state", "updated_at", "closed_at"]
    if to_state == State.IN_PROGRESS:
        # "À traiter" ages a dossier from here; one sent back and signed again restarts.
        request.in_progress_since = now
        fields.append("in_progress_since")
    if from_state == State.IN_PROGRESS and locked.assigned_to_id is not None:
        # Out of the staff queue: nobody holds it any more (its next turn starts free).
        request.assigned_to = None
        request.assigned_at = None
        fields += ["assigned_to", "assigned_at"]
    request.save(update_fields=fields)
    RequestEvent.objects.create(request=request, kind=event, actor=by, at=now, note=note[:300])
    audit.record(
        AuditAction.REQUEST_MOVED,
        by=by,
        target=request,
        company_id=request.company_id,
        from_state=from_state,
        to_state=to_state,
        event=event,
    )
    return request


def record_step(
    request_id: int,
    event: str,
    *,
    by: User | None,
    note: str = "",
    now: datetime | None = None,
    message_id: int | None = None,
) -> RequestEvent:
    """A step in a request's timeline that does not move it (the notice of a waiver's end on
    the "Dispense" request closed long ago, a portability's proof received after its
    termination was closed): the request's date follows. Inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "record_step runs in a transaction"
    now = now or timezone.now()
    step = RequestEvent.objects.create(
        request_id=request_id,
        kind=event,
        actor=by,
        at=now,
        note=note[:300],
        message_id=message_id,
    )
    Request.objects.filter(pk=request_id).update(updated_at=now)
    return step


def reopen_affiliation(
    *, membership: Membership, event: str, by: User | None, now: datetime, note: str = ""
) -> Request:
    """An affiliation opened again for a membership back "En attente d'adhésion" (a waiver
    ended): a fresh 60-day link, the request "En attente" whose timeline says why (`event`),
    then the invitation e-mail — or the two letters — as for a new declaration."""
    assert membership.status == MembershipStatus.PRE_ENROLLED
    invitation = issue_invitation(membership=membership, now=now)
    sent, messages = _first_messages(
        membership.employee, membership.pk, invitation.pk, template="invitation_after_waiver"
    )
    message_ids = queue_rendered_later(messages)
    return open_request(
        membership=membership,
        reason=Reason.AFFILIATION,
        source=Source.FORM,
        by=by,
        now=now,
        events=(event, sent),
        note=note,
        messages=(None, message_ids[0] if message_ids else None),
    )


# --- "Je prends": which staff member works an "En cours" request (the queue "À traiter"). ---


def _holder_name(user: User) -> str:
    return user.get_full_name() or user.email


@transaction.atomic(durable=True)
def take_request(
    request_id: int, by: User, takeover: bool = False, now: datetime | None = None
) -> Request:
    """`by` takes the request "En cours" so that nobody else works it. Held by someone else,
    it is refused unless `takeover` ("Reprendre", confirmed): then it passes to `by` and the
    previous holder is kept in the audit event. Taking one's own request again changes nothing."""
    request = Request.objects.select_for_update().get(pk=request_id)
    if request.state != State.IN_PROGRESS:
        raise BusinessError(TrackingError.NOT_IN_PROGRESS)
    if request.assigned_to_id == by.pk:
        return request
    previous = request.assigned_to
    if previous is not None and not takeover:
        assert request.assigned_at is not None
        raise BusinessError(
            TrackingError.REQUEST_TAKEN,
            holder=_holder_name(previous),
            at=timezone.localtime(request.assigned_at).strftime("%d/%m/%Y à %H:%M"),
        )
    now = now or timezone.now()
    request.assigned_to = by
    request.assigned_at = now
    request.save(update_fields=["assigned_to", "assigned_at"])
    over = previous is not None
    RequestEvent.objects.create(
        request=request,
        kind=EventKind.TAKEN_OVER if over else EventKind.TAKEN,
        actor=by,
        at=now,
    )
    audit.record(
        AuditAction.REQUEST_TAKEN_OVER if over else AuditAction.REQUEST_TAKEN,
        by=by,
        target=request,
        company_id=request.company_id,
        previous_holder=previous.pk if previous is not None else None,
    )
    return request


@transaction.atomic(durable=True)
def release_request(request_id: int, by: User, now: datetime | None = None) -> Request:
    """The holder gives the request back to the queue ("Libérer")."""
    request = Request.objects.select_for_update().get(pk=request_id)
    if request.assigned_to_id is None:
        raise BusinessError(TrackingError.NOT_TAKEN)
    if request.assigned_to_id != by.pk:
        raise BusinessError(TrackingError.NOT_THE_HOLDER)
    now = now or timezone.now()
    request.assigned_to = None
    request.assigned_at = None
    request.save(update_fields=["assigned_to", "assigned_at"])
    RequestEvent.objects.create(request=request, kind=EventKind.RELEASED, actor=by, at=now)
    audit.record(AuditAction.REQUEST_RELEASED, by=by, target=request, company_id=request.company_id)
    return request


def _invitation_email(invitation_id: int, email: str, template: str) -> PendingMessage:
    """An invitation e-mail, rendered by the worker (`portal.tracking.messages`)."""
    return PendingMessage(Channel.EMAIL, email, template, {"invitation_id": invitation_id})


def _first_messages(
    employee: Employee, membership_id: int, invitation_id: int, template: str = "invitation"
) -> tuple[str, list[PendingMessage]]:
    """What a new affiliation sends first, and its timeline event: the invitation e-mail, or
    the two letters (login, provisional password) when the employer gave no e-mail."""
    if employee.email:
        return EventKind.INVITATION_SENT, [
            _invitation_email(invitation_id, employee.email, template)
        ]
    address = "\n".join(employee.letter_address_lines())
    return EventKind.LETTERS_SENT, [
        PendingMessage(Channel.LETTER, address, template, {"membership_id": membership_id})
        for template in ("letter_login", "letter_password")
    ]


class Declared(NamedTuple):
    request_id: int
    employee_id: int


@transaction.atomic
def declare_employee(
    *,
    company: Company,
    declaration: EmployeeDeclaration,
    source: str,
    by: User | None,
    today: date,
    submission_key: str | None = None,
) -> Request:
    """Pre-enroll one employee and open their affiliation request "En attente".

    The employee is covered from the effective date; they get the invitation e-mail, or two
    letters (login, provisional password) when the employer gave no e-mail.
    """
    # One declaration at a time per company: the duplicate checks below cannot race.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    result = validate_declaration(declaration, company=company, today=today)
    if not result.ok:
        raise BusinessError.of(result.errors)
    (declared,) = declare_employees(
        company=company,
        declarations=[declaration],
        source=source,
        by=by,
        submission_keys=[submission_key],
    )
    return Request.objects.select_related("employee", "membership").get(pk=declared.request_id)


def declare_employees(
    *,
    company: Company,
    declarations: list[EmployeeDeclaration],
    source: str,
    by: User | None,
    now: datetime | None = None,
    submission_keys: list[str | None] | None = None,
) -> list[Declared]:
    """Pre-enroll validated declarations in bulk: the one place where employees are declared.

    Called inside a transaction, after `validate_declaration` accepted every declaration
    (the form declares one, a file thousands per call). Messages are queued and rendered by
    the worker. Returns what was created, in the declarations' order.
    """
    now = now or timezone.now()
    groups = {
        g.pk: g
        for g in InsuredGroup.objects.filter(
            pk__in={pk for d in declarations for pk in d.insured_group_ids},
            contract__company=company,
        ).select_related("contract")
    }
    enrolled = pre_enroll(company=company, declarations=declarations, groups=groups, by=by, now=now)
    keys = submission_keys or [None] * len(enrolled)
    invitation_ids = issue_invitations(membership_ids=[e.membership_id for e in enrolled], now=now)
    firsts = [
        _first_messages(e.employee_instance(), e.membership_id, invitation_id)
        for e, invitation_id in zip(enrolled, invitation_ids, strict=True)
    ]
    message_ids = iter(queue_rendered_later([m for _, first in firsts for m in first]))
    rows: list[NewRequest] = []
    for e, key, (sent, first) in zip(enrolled, keys, firsts, strict=True):
        ids = [next(message_ids) for _ in first]  # the e-mail, or the login letter first
        rows.append(
            NewRequest(
                e.employee_id,
                e.membership_id,
                e.column("search_name"),
                e.column("search_name_reversed"),
                key,
                (sent,),
                messages=(ids[0] if ids else None,),
            )
        )
    request_ids = open_requests(
        company_id=company.pk,
        reason=Reason.AFFILIATION,
        source=source,
        rows=rows,
        by=by,
        now=now,
    )
    # One audit event per call; each request keeps who declared it (created_by).
    audit.record(
        AuditAction.AFFILIATIONS_DECLARED,
        by=by,
        company_id=company.pk,
        source=source,
        requests=request_ids,
    )
    return [
        Declared(request_id, e.employee_id)
        for request_id, e in zip(request_ids, enrolled, strict=True)
    ]


@dataclass(frozen=True)
class BatchItem:
    """One declaration of a batch: what was declared, or None; its problems when refused, its
    corrections ("Ville corrigée") when declared."""

    declared: Declared | None
    problems: list[Problem]


@within_business_event
def declare_batch(
    *,
    company: Company,
    declarations: list[EmployeeDeclaration],
    source: str,
    by: User | None,
    today: date,
) -> list[BatchItem]:
    """Many declarations in one event (an API call): each checked on the one path against the
    company's employees and the batch's earlier ones (`validate_one_of_many`, as a file's row),
    those accepted declared together, the others answered with their problems."""
    Company.objects.select_for_update().filter(pk=company.pk).first()
    lookups = PreloadedLookups(company, postal_codes=[d.postal_code for d in declarations])
    lookups.refresh(d.email for d in declarations)
    checked = [
        validate_one_of_many(d, company=company, today=today, lookups=lookups) for d in declarations
    ]
    accepted = [d for d, _ in checked if d is not None]
    declared = iter(
        declare_employees(company=company, declarations=accepted, source=source, by=by)
        if accepted
        else []
    )
    return [
        BatchItem(next(declared) if d is not None else None, problems) for d, problems in checked
    ]


@within_business_event
def declare_more_contracts(
    *,
    employee: Employee,
    insured_group_ids: list[int],
    effective_date: date | None,
    source: str,
    by: User | None,
    today: date,
) -> Request:
    """An employee already declared joins more of the company's contracts (a later DSN
    affiliating them to the provident contract, say): the same rules as a declaration, a
    membership per contract, an "Affiliation" request "En attente" and a new 60-day link (or
    the two letters) for the new dossier. A step of the declaring event (the DSN's
    declaration): it commits with it. Raises `BusinessError` with every problem at once."""
    result, groups = validate_joining(
        employee, insured_group_ids=insured_group_ids, effective_date=effective_date, today=today
    )
    if not result.ok:
        raise BusinessError.of(result.errors)
    assert effective_date is not None
    now = timezone.now()
    lead_id, *_ = add_memberships(
        employee=employee, groups=groups, effective_date=effective_date, by=by, now=now
    )
    lead = Membership.objects.select_related("contract").get(pk=lead_id)
    (invitation_id,) = issue_invitations(membership_ids=[lead_id], now=now)
    sent, messages = _first_messages(employee, lead_id, invitation_id)
    message_ids = queue_rendered_later(messages)
    request = open_request(
        membership=lead,
        reason=Reason.AFFILIATION,
        source=source,
        by=by,
        now=now,
        events=(sent,),
        messages=(message_ids[0] if message_ids else None,),
    )
    audit.record(
        AuditAction.AFFILIATIONS_DECLARED,
        by=by,
        company_id=employee.company_id,
        source=source,
        requests=[request.pk],
    )
    return request


REMINDER_ALREADY_SENT = TrackingError.REMINDER_TODAY.message


@transaction.atomic(durable=True)
def send_reminder(
    *,
    request_id: int,
    company: Company,
    by: User | None,
    automatic: bool = False,
    now: datetime | None = None,
    channel: str = "",
    ladder_step: bool = False,
) -> Request:
    """Send the employee their link again (a fresh 60-day link if the old one expired): by
    e-mail, or — without e-mail — the two letters again (login, and a new provisional password,
    set when it is printed). `channel` ("email", "sms", "letter") chooses for a step of the
    contract's reminder ladder (`ladder_step`: counted on the link); refused when the employee
    has no such contact. At most one reminder a day."""
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("membership__employee", "membership__contract__company")
        .get(pk=request_id, company=company)
    )
    if request.reason != Reason.AFFILIATION or request.state != State.WAITING:
        raise BusinessError(TrackingError.REMINDER_NOT_WAITING)
    membership = request.membership
    assert membership is not None
    employee = membership.employee
    now = now or timezone.now()
    today = timezone.localdate(now)
    invitation = membership.invitations.filter(revoked_at=None, used_at=None).first()
    last = invitation.last_reminder_at if invitation is not None else None
    if last is not None and timezone.localdate(last) == today:
        raise BusinessError(TrackingError.REMINDER_TODAY)
    channel = channel or ("email" if employee.email else "letter")
    mobile = rules.mobile_e164(employee.phone)
    if channel == "email" and not employee.email:
        raise BusinessError(TrackingError.REMINDER_NO_EMAIL)
    if channel == "sms" and mobile is None:
        raise BusinessError(TrackingError.REMINDER_NO_MOBILE)
    renewed = invitation is None or not invitation.is_usable(now)
    if renewed:
        invitation = issue_invitation(membership=membership, now=now)
    assert invitation is not None
    invitation.reminders += 1
    invitation.last_reminder_at = now
    invitation.ladder_steps_done += 1 if ladder_step else 0
    invitation.save(update_fields=["reminders", "last_reminder_at", "ladder_steps_done"])
    message_id: int | None = None
    if channel == "email":
        email = _invitation_email(invitation.pk, employee.email, "invitation_reminder")
        (message_id,) = queue_rendered_later([email])
    elif channel == "sms":
        assert mobile is not None
        url = invitation_url(invitation)
        message_id = send_sms(
            to=mobile,
            text=rules.reminder_sms_text(
                brand=settings.PORTAL_BRAND["insurer_name"],
                url=url,
                expires=timezone.localdate(invitation.expires_at),
            ),
            template="invitation_sms",
            secrets=(Secret(url, "[lien d'invitation envoyé]"),),
        ).pk
    else:
        address = "\n".join(employee.letter_address_lines())
        user = employee.user
        # Once the employee has replaced the provisional password with their own, a reminder
        # must not reset it: only the login letter goes again.
        chose_own = (
            user is not None and user.last_login is not None and not user.password_change_required
        )
        letters = ("letter_login",) if chose_own else ("letter_login", "letter_password")
        message_id = queue_rendered_later(
            [
                PendingMessage(Channel.LETTER, address, template, {"membership_id": membership.pk})
                for template in letters
            ]
        )[0]  # the login letter
    kind = EventKind.AUTO_REMINDER_SENT if automatic else EventKind.REMINDER_SENT
    _event(request, kind, by, now, message_id if channel == "email" else None)
    if channel == "letter":
        _event(request, EventKind.LETTERS_SENT, by, now, message_id)
    if channel == "sms":
        _event(request, EventKind.LINK_SMS_SENT, by, now, message_id)
    if renewed:
        _event(request, EventKind.LINK_RENEWED, by, now)
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    audit.record(
        AuditAction.REMINDER_SENT,
        by=by,
        target=request,
        company_id=company.pk,
        renewed=renewed,
        channel=channel,
    )
    return request


@transaction.atomic(durable=True)
def skip_ladder_step(*, invitation_id: int) -> None:
    """A step of the reminder ladder the employee has no contact for (no e-mail, no mobile):
    passed, so that the next one comes at its day."""
    Invitation.objects.filter(pk=invitation_id).update(ladder_steps_done=F("ladder_steps_done") + 1)


@transaction.atomic(durable=True)
def renew_links_by_employee(*, employee_id: int, now: datetime | None = None) -> Invitation:
    """ "Obtenir un nouveau lien": the employee proved who they are (`link_renewal`): a fresh
    60-day link for each affiliation waiting for them, the step in each request's timeline,
    and the link e-mailed when an address is on file. The first request's new invitation (the
    one the browser opens at once)."""
    now = now or timezone.now()
    requests = list(
        Request.objects.select_for_update(of=("self",))
        .select_related("membership__employee__user")
        .filter(
            employee_id=employee_id,
            reason=Reason.AFFILIATION,
            state=State.WAITING,
            membership__status=MembershipStatus.PRE_ENROLLED,
        )
        .order_by("id")
    )
    if not requests:  # enrolled, cancelled or terminated meanwhile
        raise BusinessError(TrackingError.LINK_RENEWAL_CODE_INVALID, field="code")
    invitations = []
    for request in requests:
        assert request.membership is not None
        invitations.append(issue_invitation(membership=request.membership, now=now))
    employee = requests[0].membership.employee  # type: ignore[union-attr]
    message_id = None
    if employee.email:
        email = _invitation_email(invitations[0].pk, employee.email, "invitation_reminder")
        (message_id,) = queue_rendered_later([email])
    for position, request in enumerate(requests):
        _event(
            request,
            EventKind.LINK_SELF_RENEWED,
            employee.user,
            now,
            message_id if position == 0 else None,
        )
        request.updated_at = now
        request.save(update_fields=["updated_at"])
        audit.record(
            AuditAction.LINK_SELF_RENEWED,
            by=employee.user,
            target=request,
            company_id=request.company_id,
        )
    return invitations[0]


@dataclass(frozen=True)
class DailyReport:
    reminders: int
    expired: int


def run_daily_reminders(*, now: datetime) -> DailyReport:
    """Automatic reminders and expired links. Each contract's reminder ladder (`Contract.
    reminder_ladder`: e-mail, SMS, letter at their days) while the employee has not opened their
    link, a step a day at most, a step without contact passed; then an e-mail N days before the
    link expires; and the expired links recorded in the requests' timeline."""
    before = timedelta(days=settings.AUTO_REMINDER_BEFORE_EXPIRY_DAYS)
    today = timezone.localdate(now)
    reminders = expired = 0
    waiting = Invitation.objects.filter(
        used_at=None,
        revoked_at=None,
        membership__status=MembershipStatus.PRE_ENROLLED,
        membership__requests__reason=Reason.AFFILIATION,
        membership__requests__state=State.WAITING,
    ).select_related("membership__employee", "membership__contract__company")
    ladders: dict[int, list[Step]] = {}
    for invitation in waiting.iterator():
        request = invitation.membership.requests.get(reason=Reason.AFFILIATION, state=State.WAITING)
        contract = invitation.membership.contract
        if now >= invitation.expires_at:
            if not request.events.filter(
                kind=EventKind.LINK_EXPIRED, at__gte=invitation.sent_at
            ).exists():
                _event(request, EventKind.LINK_EXPIRED, None, now)
                expired += 1
            continue
        if contract.pk not in ladders:
            ladders[contract.pk] = ladder_of(contract.reminder_ladder)
        steps = ladders[contract.pk]
        elapsed = (today - timezone.localdate(invitation.sent_at)).days
        done = invitation.ladder_steps_done
        if done < len(steps) and steps[done].day <= elapsed:
            try:
                send_reminder(
                    request_id=request.pk,
                    company=contract.company,
                    by=None,
                    automatic=True,
                    now=now,
                    channel=steps[done].channel,
                    ladder_step=True,
                )
            except BusinessError as refused:
                if refused.code in (
                    TrackingError.REMINDER_NO_EMAIL,
                    TrackingError.REMINDER_NO_MOBILE,
                ):
                    skip_ladder_step(invitation_id=invitation.pk)
                continue
            reminders += 1
            continue
        if not invitation.membership.employee.email:
            continue
        due = invitation.expires_at - before
        last = invitation.last_reminder_at
        if timezone.localdate(due) <= today and (last is None or last < due):
            try:
                send_reminder(
                    request_id=request.pk,
                    company=contract.company,
                    by=None,
                    automatic=True,
                    now=now,
                )
            except BusinessError:
                continue
            reminders += 1
    return DailyReport(reminders=reminders, expired=expired)


NO_CONTACT = {TrackingError.REMINDER_NO_EMAIL, TrackingError.REMINDER_NO_MOBILE}


def ladder_of(text: str) -> list[Step]:
    """A contract's ladder; one stored before its check (or broken by hand) sends nothing."""
    try:
        return parse_ladder(text)
    except ValueError:
        return []


@transaction.atomic(durable=True)
def cancel_declaration(
    *, company: Company, request_id: int, reason: str, by: User | None, by_insurer: bool = False
) -> Request:
    """A declaration made by mistake (not a termination): while the affiliation is "En
    attente", the employer cancels it with a reason; the invitation link stops working.

    `by_insurer`: staff ("Annuler" on the dossier page) cancel it the same way, also once the
    employee has signed ("En cours"), until it is put "en gestion"; the employer reads the
    reason in the request's timeline ("Demande annulée par nos services : …")."""
    return cancel_declaration_step(
        company=company, request_id=request_id, reason=reason, by=by, by_insurer=by_insurer
    )


@within_business_event
def cancel_declaration_step(
    *, company: Company, request_id: int, reason: str, by: User | None, by_insurer: bool = False
) -> Request:
    """`cancel_declaration` as one step of a larger event (a DSN declaration cancelled or
    replaced by the next one, annule et remplace)."""
    if by_insurer and not (by is not None and by.is_staff):
        raise BusinessError(TrackingError.STAFF_ONLY_CANCELLATION)
    reason = " ".join(reason.split())
    if not reason:
        raise BusinessError(TrackingError.CANCELLATION_REASON_REQUIRED)
    found = Request.objects.filter(pk=request_id, company=company).values("membership_id").first()
    if found is None:
        raise Request.DoesNotExist
    # The membership first, then its request: the order "Mettre en gestion" locks them in,
    # so a cancellation and a decision at once wait for each other instead of deadlocking.
    membership = (
        Membership.objects.select_for_update().filter(pk=found["membership_id"]).first()
        if found["membership_id"] is not None
        else None
    )
    request = Request.objects.select_for_update(of=("self",)).get(pk=request_id, company=company)
    if by_insurer:
        states = {State.WAITING, State.IN_PROGRESS}
        statuses = {MembershipStatus.PRE_ENROLLED, MembershipStatus.SIGNED}
        refusal = TrackingError.NOT_CANCELLABLE_BY_INSURER
    else:
        states, statuses = {State.WAITING}, {MembershipStatus.PRE_ENROLLED}
        refusal = TrackingError.NOT_WAITING
    if (
        request.reason != Reason.AFFILIATION
        or request.state not in states
        or membership is None
        or membership.status not in statuses
    ):
        raise BusinessError(refusal)
    now = timezone.now()
    event = EventKind.CANCELLED if by_insurer else EventKind.DECLARATION_CANCELLED
    move_request(request, State.CANCELLED, event=event, by=by, note=reason, now=now)
    move_membership(membership.pk, MembershipStatus.CANCELLED, by=by, now=now)
    revoke_invitations(membership_id=membership.pk, now=now)
    audit.record(
        AuditAction.AFFILIATION_CANCELLED if by_insurer else AuditAction.DECLARATION_CANCELLED,
        by=by,
        target=request,
        company_id=company.pk,
        reason=reason,
    )
    return request
