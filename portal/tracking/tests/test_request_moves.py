"""`tracking` owns requests: it opens them and moves them through one transition table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import declare
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.tracking import rules
from portal.tracking.models import EventKind, Reason, Request, RequestEvent, Source, State
from portal.tracking.services import move_request, open_request

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_the_request_transition_table_lists_exactly_the_moves_of_the_business() -> None:
    assert {
        (State.WAITING, State.IN_PROGRESS),
        (State.IN_PROGRESS, State.WAITING),
        (State.IN_PROGRESS, State.CLOSED),
        (State.WAITING, State.CANCELLED),
        (State.IN_PROGRESS, State.CANCELLED),
        (State.CANCELLED, State.WAITING),
    } == rules.REQUEST_TRANSITIONS


def test_an_affiliation_opens_waiting_and_every_other_reason_in_progress() -> None:
    assert {reason: rules.initial_state(reason) for reason in Reason.values} == {
        Reason.AFFILIATION: State.WAITING,
        Reason.DEATH: State.IN_PROGRESS,
        Reason.TERMINATION: State.IN_PROGRESS,
        Reason.WAIVER: State.IN_PROGRESS,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("from_state", "to_state"), sorted(rules.REQUEST_TRANSITIONS))
def test_every_allowed_move_sets_the_dates_and_writes_the_timeline_and_audit_events(
    company_a: Company, from_state: str, to_state: str
) -> None:
    request = declare(company_a)
    Request.objects.filter(pk=request.pk).update(state=from_state)
    moved = move_request(request.pk, to_state, event=EventKind.CLOSED, by=None, note="n", now=NOW)
    moved.refresh_from_db()
    closed_at = NOW if to_state in {State.CLOSED, State.CANCELLED} else None
    assert (moved.state, moved.updated_at, moved.closed_at) == (to_state, NOW, closed_at)
    last = moved.events.latest("pk")
    assert (last.kind, last.at, last.note) == (EventKind.CLOSED, NOW, "n")
    event = AuditEvent.objects.get(action=AuditAction.REQUEST_MOVED)
    assert (event.target_id, event.company_id, event.details) == (
        str(request.pk),
        company_a.pk,
        {"from_state": from_state, "to_state": to_state, "event": EventKind.CLOSED},
    )


@pytest.mark.django_db
def test_a_move_not_in_the_table_is_refused_and_changes_nothing(company_a: Company) -> None:
    request = declare(company_a)
    Request.objects.filter(pk=request.pk).update(state=State.CLOSED)
    events = request.events.count()
    with pytest.raises(BusinessError) as refused:
        move_request(request, State.WAITING, event=EventKind.REOPENED, by=None, now=NOW)
    assert refused.value.code == "request_move_refused"
    assert refused.value.message == (
        "Cette demande est « Clôturée » : elle ne peut pas passer à « En attente »."
    )
    request.refresh_from_db()
    assert (request.state, request.events.count()) == (State.CLOSED, events)
    assert not AuditEvent.objects.filter(action=AuditAction.REQUEST_MOVED).exists()


@pytest.mark.django_db
def test_a_move_checks_the_locked_row_not_the_callers_copy(company_a: Company) -> None:
    request = declare(company_a)
    Request.objects.filter(pk=request.pk).update(state=State.CANCELLED)
    with pytest.raises(BusinessError):  # the copy still says "En attente"
        move_request(request, State.IN_PROGRESS, event=EventKind.SIGNED, by=None, now=NOW)


@pytest.mark.django_db
def test_a_reopened_request_loses_its_closing_date(company_a: Company) -> None:
    request = declare(company_a)
    move_request(request, State.CANCELLED, event=EventKind.MEMBER_TERMINATED, by=None, now=NOW)
    move_request(request, State.WAITING, event=EventKind.REOPENED, by=None, now=NOW)
    request.refresh_from_db()
    assert (request.state, request.closed_at) == (State.WAITING, None)
    assert list(request.events.order_by("pk").values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.INVITATION_SENT,
        EventKind.MEMBER_TERMINATED,
        EventKind.REOPENED,
    ]


@pytest.mark.django_db
def test_open_request_starts_the_timeline_with_its_creation_then_the_given_events(
    company_a: Company,
) -> None:
    membership = declare(company_a).membership
    request = open_request(
        membership=membership,
        reason=Reason.WAIVER,
        source=Source.FORM,
        by=None,
        now=NOW,
        events=(EventKind.WAIVER_SIGNED,),
    )
    employee = membership.employee
    assert (
        request.company_id,
        request.employee_id,
        request.membership_id,
        request.reason,
        request.state,
        request.source,
        request.created_at,
        request.updated_at,
        request.closed_at,
        request.search_name,
        request.search_name_reversed,
    ) == (
        company_a.pk,
        employee.pk,
        membership.pk,
        Reason.WAIVER,
        State.IN_PROGRESS,
        Source.FORM,
        NOW,
        NOW,
        None,
        employee.search_name,
        employee.search_name_reversed,
    )
    assert list(RequestEvent.objects.filter(request=request).values_list("kind", "at")) == [
        (EventKind.CREATED, NOW),
        (EventKind.WAIVER_SIGNED, NOW),
    ]
    opened = AuditEvent.objects.filter(action=AuditAction.REQUEST_OPENED).latest("pk")
    assert opened.details == {
        "reason": Reason.WAIVER,
        "state": State.IN_PROGRESS,
        "requests": [request.pk],
    }
