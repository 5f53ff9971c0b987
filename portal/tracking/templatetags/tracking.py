from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone

from portal.core.nir import format_nir
from portal.enrollment.models import SPOUSE_KINDS, DependantKind, Membership, MembershipStatus
from portal.tracking.models import Reason, Request, State
from portal.tracking.queries import delivery_words

register = template.Library()


@register.filter
def days_left(request: Request, today: date) -> int | None:
    """Days before the invitation link of a waiting affiliation expires (None otherwise)."""
    if request.reason != Reason.AFFILIATION or request.state != State.WAITING:
        return None
    invitations = getattr(request.membership, "open_invitations", None)
    if invitations is None and request.membership is not None:
        invitations = list(request.membership.invitations.filter(used_at=None, revoked_at=None))
    if not invitations:
        return 0
    days: int = invitations[0].days_left(today)
    return days


@dataclass(frozen=True)
class ReminderState:
    """ "Relancer": when the last reminder went, and whether another may go today."""

    last: datetime | None
    next_day: date | None  # the first day another reminder is possible, if not today

    @property
    def blocked(self) -> bool:
        return self.next_day is not None


@register.filter
def reminder(request: Request, today: date) -> ReminderState:
    """One reminder a day (`send_reminder`): after today's, "Relancer" waits for tomorrow."""
    invitations = getattr(request.membership, "open_invitations", None)
    if invitations is None and request.membership is not None:
        invitations = list(request.membership.invitations.filter(used_at=None, revoked_at=None))
    last = invitations[0].last_reminder_at if invitations else None
    if last is None:
        return ReminderState(None, None)
    day = timezone.localdate(last)
    return ReminderState(last, day + timedelta(days=1) if day >= today else None)


@register.filter
def status_label(membership: Membership | None) -> str:
    """The employee list's status line ("Mis en gestion - Date d'effet 01/01/2018")."""
    if membership is None:
        return "Non renseigné"
    if membership.status == MembershipStatus.ACTIVE:
        return f"Mis en gestion - Date d'effet {membership.effective_date:%d/%m/%Y}"
    if membership.status == MembershipStatus.TERMINATED and membership.end_date:
        return f"Radié - {membership.end_date:%d/%m/%Y}"
    if membership.status == MembershipStatus.SIGNED:
        return f"Adhésion signée - Date d'effet {membership.effective_date:%d/%m/%Y}"
    return str(membership.get_status_display())


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key)


@register.filter
def nir_display(nir: str) -> str:
    """The NIR as written on the attestation ("1 71 09 34 240 001 34")."""
    return format_nir(nir) if nir else ""


@register.filter
def dependants_summary(membership: Membership) -> str:
    """The dependants as the employer may see them: their kinds only, never their names."""
    kinds = Counter(membership.dependants.values_list("kind", flat=True))
    if not kinds:
        return "Aucun bénéficiaire déclaré"
    spouses = sum(n for kind, n in kinds.items() if kind in SPOUSE_KINDS)
    children = kinds.get(DependantKind.CHILD, 0)
    parts = []
    if spouses:
        parts.append("1 conjoint" if spouses == 1 else f"{spouses} conjoints")
    if children:
        parts.append("1 enfant" if children == 1 else f"{children} enfants")
    return ", ".join(parts)


@register.filter
def live_termination(membership: Membership) -> Any:
    """The membership's termination in force, if any (undone ones are history)."""
    return membership.terminations.filter(undone_at=None).select_related("request").first()


@register.filter
def last_message(request: Request) -> str:
    """ "Mes demandes": what became of the last message sent for the request ("" for none)."""
    channel = getattr(request, "last_message_channel", None)
    status = getattr(request, "last_message_status", None)
    return delivery_words(channel, status) if channel and status else ""
