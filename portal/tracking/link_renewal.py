"""ISSUE 17.3 "Obtenir un nouveau lien": an employee whose invitation expired (or was lost)
proves who they are — NIR, birth date, and a code sent to the phone or e-mail their employer
gave — and gets a fresh 60-day link, without asking HR.

Nothing here says whether a NIR is known: the same answer, the same pages and the same limits
whatever was typed. Limits: per address and per NIR (counted whether it exists or not); a code
is valid 15 minutes, for 5 tries, and one use. The renewal itself (the invitations, the
timeline, the e-mail) is `tracking.services.renew_links_by_employee`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.accounts import throttling
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.crypto import digest
from portal.core.errors import BusinessError, Problem
from portal.core.nir import check_nir, normalise_nir
from portal.enrollment.models import Employee, MembershipStatus
from portal.notifications.rendering import Secret
from portal.notifications.services import send_email, send_sms
from portal.tracking.errors import TrackingError
from portal.tracking.models import LinkRenewal, Reason, RenewalChannel, State
from portal.tracking.rules import mobile_e164

CODE_DIGITS = 6
CODE_MINUTES = 15
CODE_TRIES = 5
REQUESTS_PER_ADDRESS_PER_HOUR = 5
REQUESTS_PER_NIR_PER_DAY = 3
_SCOPE_ADDRESS = "link-renewal-address"
_SCOPE_NIR = "link-renewal-nir"


@dataclass(frozen=True)
class Identity:
    nir: str
    birth_date: date | None
    channel: str


def check_identity(identity: Identity) -> list[Problem]:
    """The form's own problems (a NIR's format and key, a missing date): nothing about
    whether such a person exists."""
    problems = [p.on("nir") for p in check_nir(identity.nir)[0]]
    if identity.birth_date is None:
        problems.append(Problem.of(TrackingError.LINK_RENEWAL_BIRTH_DATE, "birth_date"))
    return problems


def _throttled() -> BusinessError:
    return BusinessError(
        TrackingError.LINK_RENEWAL_THROTTLED, phone=settings.PORTAL_BRAND["member_help_phone"]
    )


def _waiting(employee: Employee) -> bool:
    return employee.memberships.filter(
        status=MembershipStatus.PRE_ENROLLED,
        requests__reason=Reason.AFFILIATION,
        requests__state=State.WAITING,
    ).exists()


def _code_hash(renewal_salt: str, code: str) -> str:
    message = f"link-renewal:{renewal_salt}:{code}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic(durable=True)
def request_code(identity: Identity, *, address: str, now: datetime | None = None) -> int | None:
    """Sends a code when the NIR and birth date are those of an employee with an affiliation
    waiting for them, and the channel's contact is on file; the renewal's id, else None. The
    caller answers the same in both cases."""
    problems = check_identity(identity)
    if problems:
        raise BusinessError.of(problems)
    assert identity.birth_date is not None
    nir = normalise_nir(identity.nir)
    day, hour = 24 * 3600, 3600
    if throttling.over_limit(
        _SCOPE_ADDRESS, address, limit=REQUESTS_PER_ADDRESS_PER_HOUR
    ) or throttling.over_limit(_SCOPE_NIR, nir, limit=REQUESTS_PER_NIR_PER_DAY):
        raise _throttled()
    throttling.hit(_SCOPE_ADDRESS, address, window_seconds=hour)
    throttling.hit(_SCOPE_NIR, nir, window_seconds=day)
    now = now or timezone.now()
    people = Employee.objects.filter(nir_digest=digest(nir), birth_date=identity.birth_date)
    found = [employee for employee in people.order_by("-id") if _waiting(employee)]
    employee = found[0] if found else None
    if employee is None:
        return None
    mobile = mobile_e164(employee.phone)
    if identity.channel == RenewalChannel.SMS and mobile is None:
        return None
    if identity.channel == RenewalChannel.EMAIL and not employee.email:
        return None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    LinkRenewal.objects.filter(employee=employee, used_at=None).update(expires_at=now)
    renewal = LinkRenewal.objects.create(
        employee=employee,
        channel=identity.channel,
        salt=salt,
        code_hash=_code_hash(salt, code),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    brand = settings.PORTAL_BRAND["insurer_name"]
    if identity.channel == RenewalChannel.SMS:
        assert mobile is not None
        send_sms(
            to=mobile,
            text=f"{brand} : votre code pour obtenir un nouveau lien d'adhésion est {code}. "
            f"Il est valable {CODE_MINUTES} minutes. Ne le communiquez à personne.",
            template="link_renewal_code",
            secrets=(Secret(code, "[code envoyé]"),),
        )
    else:
        send_email(
            to=employee.email,
            template="link_renewal_code",
            context={
                "employee": employee,
                "code": Secret(code, "[code envoyé]"),
                "minutes": CODE_MINUTES,
            },
        )
    audit.record(
        AuditAction.LINK_RENEWAL_CODE_SENT,
        by=None,
        target=employee,
        company_id=employee.company_id,
        channel=identity.channel,
    )
    return renewal.pk


def check_code(renewal_id: int | None, typed: str, *, now: datetime | None = None) -> Employee:
    """The employee behind a right code (used once, then never again); refused with the same
    message for a wrong, expired, used or unknown one. Counts the try in its own transaction:
    a refusal is not rolled back with the caller's."""
    now = now or timezone.now()
    code = "".join(typed.split())
    with transaction.atomic():
        renewal = (
            LinkRenewal.objects.select_for_update()
            .select_related("employee")
            .filter(pk=renewal_id or 0, used_at=None, expires_at__gt=now, attempts__lt=CODE_TRIES)
            .first()
        )
        if renewal is None:
            raise BusinessError(TrackingError.LINK_RENEWAL_CODE_INVALID, field="code")
        renewal.attempts += 1
        right = hmac.compare_digest(renewal.code_hash, _code_hash(renewal.salt, code))
        if right:
            renewal.used_at = now
        renewal.save(update_fields=["attempts", "used_at"])
    if not right:
        raise BusinessError(TrackingError.LINK_RENEWAL_CODE_INVALID, field="code")
    return renewal.employee
