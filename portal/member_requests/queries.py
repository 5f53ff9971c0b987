"""Reading member requests: a member's own ("Mes demandes"), and the insurer's queue."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from portal.member_requests.choices import RequestState
from portal.member_requests.models import MemberRequest, MemberRequestEvent


def requests_of(employee_id: int) -> list[MemberRequest]:
    """The employee's requests, newest first, each with its timeline in `events` (oldest
    step first) and its dependant; a constant number of queries."""
    return list(
        MemberRequest.objects.filter(employee_id=employee_id)
        .select_related("dependant", "membership__contract")
        .prefetch_related(
            Prefetch("events", queryset=MemberRequestEvent.objects.order_by("at", "id"))
        )
        .order_by("-submitted_at", "-id")
    )


def pending_count(employee_id: int) -> int:
    """How many of the employee's requests wait for the insurer."""
    return MemberRequest.objects.filter(
        employee_id=employee_id, state=RequestState.SUBMITTED
    ).count()


def pending_for_staff() -> QuerySet[MemberRequest]:
    """The requests waiting for the insurer, oldest first (the staff queue)."""
    return (
        MemberRequest.objects.filter(state=RequestState.SUBMITTED)
        .select_related("employee__company", "membership__contract", "dependant")
        .order_by("submitted_at", "id")
    )
