"""Reading what the remote assistance needs."""

from __future__ import annotations

from django.utils import timezone

from portal.accounts.models import User
from portal.enrollment import journey
from portal.enrollment.dossiers import Dossier
from portal.enrollment.models import Membership, MembershipStatus


def journey_to_assist(user: User) -> Membership | None:
    """The member's unfinished online enrollment (its dossier's lead), if they have one: the
    journey an adviser may be given a hand on."""
    candidates = Membership.objects.select_related("employee__company", "employee__user").filter(
        employee__user=user, status=MembershipStatus.PRE_ENROLLED
    )
    now = timezone.now()
    for membership in candidates.order_by("pk"):
        lead = Dossier.of(membership).lead
        if lead.editable_by_employee and not journey.online_deadline_passed(lead, now):
            return lead
    return None
