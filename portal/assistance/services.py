"""Remote assistance, the one owner of its state: the employee asks for a code, an adviser
enters it and works on the employee's unfinished journey, until it ends.

    (none) --issue_code--> waiting --claim--> assisting
    waiting | assisting --end--> ended (revoked, ended by staff, replaced, signed)
    waiting | assisting --(time)--> expired: the code's 15 minutes, or the overall cap

Expiry needs no write to take effect: `is_open(now)` is false once the time passed, and every
read below asks it. `end_finished_sessions` (a periodic command) records those ends afterwards
for the log, with the time they took effect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts import throttling
from portal.accounts.models import Role, User
from portal.assistance.errors import AssistanceError
from portal.assistance.models import AssistanceSession, EndReason
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.enrollment import journey
from portal.enrollment.models import Membership

CODE_MINUTES = 15
CODE_DIGITS = 6
# Wrong codes before entering codes is refused for 15 minutes: per adviser, and per address
# (several advisers of one call centre share an address: a higher limit).
THROTTLE_SECONDS = 15 * 60
WRONG_CODES_PER_STAFF = 5
WRONG_CODES_PER_ADDRESS = 20
_SCOPE_STAFF = "assistance-code-staff"
_SCOPE_ADDRESS = "assistance-code-address"


def code_digest(code: str) -> str:
    """The code as stored: keyed like portal.core.crypto.digest (a stolen table reveals no code
    without the key). Unsalted, unlike the SMS codes: an adviser's code finds its assistance by
    this digest, and no two open assistances may share one (a database constraint)."""
    message = f"assistance-code:{code}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


def normalized_code(typed: str) -> str:
    """The code as read over the phone: spaces and dashes between the digits are allowed."""
    return "".join(ch for ch in typed if ch not in " -\u00a0\u202f")


@dataclass(frozen=True)
class IssuedCode:
    """A new assistance and its code in clear, returned once to be shown to the employee."""

    session: AssistanceSession
    code: str


def _locked(session_id: int) -> AssistanceSession:
    return (
        AssistanceSession.objects.select_for_update(of=("self",))
        .select_related("membership__employee", "employee_user", "claimed_by")
        .get(pk=session_id)
    )


def _close(
    session: AssistanceSession,
    *,
    reason: EndReason,
    at: datetime,
    by: User | None,
    request: HttpRequest | None = None,
) -> None:
    """End a locked, not yet ended assistance and write its audit event."""
    session.ended_at = at
    session.end_reason = reason
    session.code_digest = ""
    session.save(update_fields=["ended_at", "end_reason", "code_digest"])
    audit.record(
        AuditAction.ASSISTANCE_ENDED,
        by=by,
        target=session.membership,
        company_id=session.membership.employee.company_id,
        request=request,
        assistance_session=session.pk,
        employee_user=session.employee_user_id,
        staff=session.claimed_by_id,
        reason=str(reason),
    )


def _time_reason(session: AssistanceSession, now: datetime) -> EndReason | None:
    """How an assistance not yet marked ended has ended by now, if it has."""
    if now >= session.expires_at:
        return EndReason.EXPIRED
    if not session.membership.editable_by_employee:
        return EndReason.SIGNED
    return None


def _close_if_finished(session: AssistanceSession, now: datetime) -> bool:
    """Record the end that time (or the signature) brought, if any: whether it ended."""
    reason = _time_reason(session, now)
    if reason is None:
        return False
    at = session.expires_at if reason == EndReason.EXPIRED else now
    _close(session, reason=reason, at=at, by=None)
    return True


@transaction.atomic(durable=True)
def issue_code(
    *,
    membership: Membership,
    by: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> IssuedCode:
    """ "Obtenir un code d'assistance": a new code for the employee's unfinished journey, valid
    15 minutes; any previous assistance of that journey ends (replaced)."""
    now = now or timezone.now()
    locked = Membership.objects.select_for_update().select_related("employee").get(pk=membership.pk)
    if locked.employee.user_id != by.pk or by.role != Role.MEMBER:
        raise BusinessError(AssistanceError.NOTHING_TO_ASSIST)
    if not locked.editable_by_employee or journey.online_deadline_passed(locked, now):
        raise BusinessError(AssistanceError.NOTHING_TO_ASSIST)
    previous = (
        AssistanceSession.objects.select_for_update(of=("self",))
        .select_related("membership__employee")
        .filter(membership=locked, ended_at=None)
    )
    for session in previous:
        if not _close_if_finished(session, now):
            _close(session, reason=EndReason.REPLACED, at=now, by=by, request=request)
    issued = _create_with_fresh_code(locked, by=by, now=now)
    audit.record(
        AuditAction.ASSISTANCE_CODE_ISSUED,
        by=by,
        target=locked,
        company_id=locked.employee.company_id,
        request=request,
        assistance_session=issued.session.pk,
        code_expires_at=issued.session.code_expires_at.isoformat(),
    )
    return issued


def _create_with_fresh_code(membership: Membership, *, by: User, now: datetime) -> IssuedCode:
    for _ in range(20):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        digest = code_digest(code)
        # A code whose 15 minutes passed unclaimed frees its digest for a new one.
        AssistanceSession.objects.filter(
            code_digest=digest, claimed_at=None, code_expires_at__lte=now
        ).update(code_digest="")
        try:
            with transaction.atomic():
                session = AssistanceSession.objects.create(
                    membership=membership,
                    employee_user=by,
                    code_digest=digest,
                    created_at=now,
                    code_expires_at=now + timedelta(minutes=CODE_MINUTES),
                )
        except IntegrityError:
            continue  # another open assistance has this very code: draw another one
        return IssuedCode(session=session, code=code)
    raise RuntimeError("No free assistance code after 20 draws.")


def claim(
    *,
    code: str,
    staff: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> AssistanceSession:
    """An adviser enters the code the employee reads: the assisted mode starts. A wrong,
    expired or used code is one refusal (it never tells that a code exists for someone else);
    after a few wrong codes, entering codes is refused for 15 minutes."""
    if not (staff.is_active and staff.is_staff):
        raise BusinessError(AssistanceError.STAFF_ONLY)
    address = audit.client_ip(request) or ""
    if throttling.over_limit(_SCOPE_STAFF, str(staff.pk), limit=WRONG_CODES_PER_STAFF) or (
        address and throttling.over_limit(_SCOPE_ADDRESS, address, limit=WRONG_CODES_PER_ADDRESS)
    ):
        with transaction.atomic(durable=True):
            audit.record(AuditAction.ASSISTANCE_CODE_THROTTLED, by=staff, request=request)
        raise BusinessError(AssistanceError.THROTTLED)
    session = _take(normalized_code(code), staff=staff, request=request, now=now or timezone.now())
    if session is None:
        throttling.hit(_SCOPE_STAFF, str(staff.pk), window_seconds=THROTTLE_SECONDS)
        if address:
            throttling.hit(_SCOPE_ADDRESS, address, window_seconds=THROTTLE_SECONDS)
        raise BusinessError(AssistanceError.ASSISTANCE_CODE_INVALID)
    return session


@transaction.atomic(durable=True)
def _take(
    code: str, *, staff: User, request: HttpRequest | None, now: datetime
) -> AssistanceSession | None:
    """The claim's transaction: the assistance started, or the refusal audited (None)."""
    found = None
    if len(code) == CODE_DIGITS and code.isdigit():
        found = (
            AssistanceSession.objects.select_for_update(of=("self",))
            .select_related("membership__employee", "employee_user")
            .filter(code_digest=code_digest(code), ended_at=None, claimed_at=None)
            .first()
        )
    if found is not None and _close_if_finished(found, now):
        found = None
    if found is None:
        audit.record(AuditAction.ASSISTANCE_CODE_REFUSED, by=staff, request=request)
        return None
    found.claimed_by = staff
    found.claimed_at = now
    found.ends_at = now + timedelta(minutes=settings.ASSISTANCE_SESSION_MINUTES)
    found.code_digest = ""  # one use
    found.save(update_fields=["claimed_by", "claimed_at", "ends_at", "code_digest"])
    with audit.acting_for(found.employee_user, assistance_session=found.pk):
        audit.record(
            AuditAction.ASSISTANCE_STARTED,
            by=staff,
            target=found.membership,
            company_id=found.membership.employee.company_id,
            request=request,
            ends_at=found.ends_at.isoformat(),
        )
    return found


@transaction.atomic(durable=True)
def end(
    *,
    session: AssistanceSession,
    by: User,
    reason: EndReason,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> AssistanceSession:
    """ "Terminer l'assistance" (the adviser who holds it, `ENDED_BY_STAFF`) or "Révoquer
    l'accès" (the employee, `REVOKED`). An assistance already over stays as it ended."""
    now = now or timezone.now()
    locked = _locked(session.pk)
    allowed = {
        EndReason.ENDED_BY_STAFF: locked.claimed_by_id,
        EndReason.REVOKED: locked.employee_user_id,
    }
    if reason not in allowed or allowed[reason] != by.pk:
        raise BusinessError(AssistanceError.NOT_YOURS)
    if locked.ended_at is None and not _close_if_finished(locked, now):
        _close(locked, reason=reason, at=now, by=by, request=request)
    return locked


def end_finished_sessions(*, now: datetime | None = None) -> int:
    """Record the ends that time or the signature brought (ended_at, reason, audit event), each
    in its own transaction: how many were recorded. Run periodically; the assistance itself is
    over already (see the module's docstring)."""
    now = now or timezone.now()
    recorded = 0
    for pk in AssistanceSession.objects.filter(ended_at=None).values_list("pk", flat=True):
        with transaction.atomic(durable=True):
            session = _locked(pk)
            if session.ended_at is None and _close_if_finished(session, now):
                recorded += 1
    return recorded


# --- Reading ------------------------------------------------------------------------------------


def _open_or_none(session: AssistanceSession | None, now: datetime) -> AssistanceSession | None:
    if session is None or _time_reason(session, now) is not None or session.ended_at is not None:
        return None
    return session


def active_session_for_member(
    membership: Membership, *, now: datetime | None = None
) -> AssistanceSession | None:
    """The employee's assistance still going on (waiting for an adviser, or assisting)."""
    now = now or timezone.now()
    found = (
        AssistanceSession.objects.select_related(
            "membership__employee", "employee_user", "claimed_by"
        )
        .filter(membership=membership, ended_at=None)
        .first()
    )
    return _open_or_none(found, now)


def active_session_for_staff(
    *, staff: User, session_id: int | None, now: datetime | None = None
) -> AssistanceSession | None:
    """The assistance `staff` holds and still works in (`session_id`: the one their browser
    session started), else None: ended, expired, signed meanwhile, or someone else's."""
    if session_id is None or not staff.is_staff:
        return None
    found = (
        AssistanceSession.objects.select_related(
            "membership__employee__company", "employee_user", "claimed_by"
        )
        .filter(pk=session_id, claimed_by=staff)
        .first()
    )
    return _open_or_none(found, now or timezone.now())


def ending_of(session: AssistanceSession, *, now: datetime | None = None) -> EndReason | None:
    """Why the assistance is over (recorded or not yet), None while it goes on."""
    if session.ended_at is not None:
        return EndReason(session.end_reason)
    return _time_reason(session, now or timezone.now())
