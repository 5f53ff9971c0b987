"""What the browsers' sessions hold for the remote assistance.

The employee's code: the database keeps only its keyed digest (services.code_digest), yet the
employee reads it to the adviser during its 15 minutes, maybe after reloading the page. It stays
in the employee's own login session, encrypted with FIELD_ENCRYPTION_KEYS (portal.core.crypto):
the session store (the database) holds no readable code, the session cookie only the session's
key, and another browser of the employee shows no code (they ask for a new one there). It is
shown only while its assistance waits for an adviser.

The adviser's assistance: the id of the one their browser session started with the code; the
assisted mode follows that login session, not just the staff user.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.fernet import InvalidToken
from django.http import HttpRequest

from portal.accounts.models import User
from portal.assistance import services
from portal.assistance.models import AssistanceSession, EndReason
from portal.core import crypto

_CODE_KEY = "assistance_code"
_STAFF_KEY = "assistance_session_id"


def remember_code(request: HttpRequest, issued: services.IssuedCode) -> None:
    request.session[_CODE_KEY] = {
        "session": issued.session.pk,
        "sealed": crypto.encrypt(issued.code),
    }


def shown_code(
    request: HttpRequest, session: AssistanceSession | None, *, now: datetime
) -> str | None:
    """The code to read to the adviser, while `session` waits for one."""
    kept = request.session.get(_CODE_KEY)
    if session is None or not isinstance(kept, dict) or kept.get("session") != session.pk:
        return None
    if not session.is_waiting(now):
        return None
    try:
        return crypto.decrypt(str(kept.get("sealed", "")))
    except InvalidToken:
        return None


def remember_staff_session(request: HttpRequest, session: AssistanceSession) -> None:
    request.session[_STAFF_KEY] = session.pk


def forget_staff_session(request: HttpRequest) -> None:
    request.session.pop(_STAFF_KEY, None)


def staff_session_id(request: HttpRequest) -> int | None:
    kept = request.session.get(_STAFF_KEY)
    return kept if isinstance(kept, int) else None


def staff_held_session(request: HttpRequest) -> AssistanceSession | None:
    """The assistance this adviser's browser started, whether it goes on or not."""
    session_id = staff_session_id(request)
    user = request.user
    if session_id is None or not isinstance(user, User):
        return None
    return (
        AssistanceSession.objects.select_related(
            "membership__employee__company", "employee_user", "claimed_by"
        )
        .filter(pk=session_id, claimed_by=user)
        .first()
    )


def active_staff_session(request: HttpRequest) -> AssistanceSession | None:
    """The assistance this adviser works in now (see services.active_session_for_staff)."""
    user = request.user
    if not isinstance(user, User):
        return None
    return services.active_session_for_staff(staff=user, session_id=staff_session_id(request))


_END_MESSAGES = {
    EndReason.EXPIRED: "L'assistance à distance a pris fin : sa durée maximale est écoulée.",
    EndReason.ENDED_BY_STAFF: "L'assistance à distance est terminée.",
    EndReason.REVOKED: "Le salarié a révoqué votre accès : l'assistance à distance a pris fin.",
    EndReason.REPLACED: (
        "Le salarié a demandé un nouveau code : l'assistance à distance précédente a pris fin."
    ),
    EndReason.SIGNED: (
        "L'adhésion du salarié n'est plus modifiable (signée, dispense demandée ou déclaration "
        "annulée) : l'assistance à distance a pris fin."
    ),
}


def staff_end_message(session: AssistanceSession | None) -> str:
    """What an adviser sent back to the back office is told."""
    reason = services.ending_of(session) if session is not None else None
    if reason is None:
        return (
            "Aucune assistance à distance n'est en cours : saisissez le code que le salarié "
            "vous lit."
        )
    return _END_MESSAGES[reason]
