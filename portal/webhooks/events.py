"""From the audit log to webhook messages: which business events make which event types, their
payloads, and the messages written in the business event's own transaction.

`on_audit_event` is subscribed to `portal.core.audit` (`WebhooksConfig.ready`): it runs inside
the transaction of every audit event, so it returns at once for an action it does not map, and
costs one query for the endpoints otherwise. A business event rolled back leaves no message;
one committed enqueues its messages' delivery, one task per batch.

Payloads carry ids, states (code and French label) and dates: never a name, a NIR or an IBAN.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import TextChoices

from portal.companies.models import ContractKind
from portal.core.audit import AuditAction
from portal.core.bulk import insert_rows
from portal.core.models import AuditEvent
from portal.dsn.models import DeclarationStatus, DsnDeclaration
from portal.enrollment.models import Membership, MembershipStatus
from portal.imports.models import ImportStatus
from portal.terminations.rules import MOTIF_LABELS, TerminationMotif
from portal.tracking.models import STAFF_ONLY_EVENTS, EventKind, Reason, Request, Source, State
from portal.webhooks.choices import EventType, MessageState
from portal.webhooks.models import WebhookEndpoint, WebhookMessage
from portal.webhooks.tasks import deliver_webhooks

LOOKUP_CHUNK = 1000  # ids per `IN (…)` lookup (well under SQLite's bound parameters)
INSERT_CHUNK = 5000  # messages written per insert
TASK_BATCH = 100  # messages per delivery task

Data = dict[str, Any]


def message_id() -> str:
    """A new Standard Webhooks message id, unique and the same on every retry."""
    return f"msg_{secrets.token_urlsafe(18)}"


def body_of(event_type: str, at: datetime, data: Data) -> str:
    """The JSON text sent and signed: `{"type", "timestamp", "data"}`."""
    return json.dumps(
        {"type": event_type, "timestamp": _time(at), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _coded(choices: type[TextChoices], code: str) -> Data:
    """`{"code", "label"}` of a choice (the label is the portal's French wording)."""
    return {"code": code, "label": str(choices(code).label)}


# --- Which event type an audit event makes, and for which companies (no query but DSN's). ---


def _route(event: AuditEvent) -> tuple[str, list[int]] | None:
    action = event.action
    details = event.details
    company = [event.company_id] if event.company_id is not None else []
    if action == AuditAction.REQUEST_OPENED:
        return EventType.REQUEST_CREATED, company
    if action == AuditAction.REQUEST_MOVED:
        if details.get("event") in STAFF_ONLY_EVENTS:
            return None
        return EventType.REQUEST_STATE_CHANGED, company
    if action == AuditAction.MEMBERSHIP_MOVED:
        to_status = details.get("to_status")
        if to_status == MembershipStatus.SIGNED:
            return EventType.EMPLOYEE_ENROLLED, company
        if to_status == MembershipStatus.ACTIVE:
            return EventType.MEMBERSHIP_ACTIVE, company
        return None  # terminated: `membership.terminated` comes with the termination's facts
    if action == AuditAction.MEMBERSHIP_TERMINATED:
        return EventType.MEMBERSHIP_TERMINATED, company
    if action == AuditAction.IMPORT_FINISHED:
        return EventType.IMPORT_FINISHED, company
    if action == AuditAction.DSN_FILE_PROCESSED:
        if details.get("refused"):
            return None  # refused as a whole: no company's declaration was read
        # A DSN file may hold the declarations of several companies: each hears of its own.
        companies = (
            DsnDeclaration.objects.filter(file_id=int(event.target_id), company__isnull=False)
            .exclude(status=DeclarationStatus.TEST)
            .values_list("company_id", flat=True)
            .distinct()
        )
        return EventType.DSN_INTEGRATED, sorted(companies)
    return None


_MAPPED = frozenset(
    {
        AuditAction.REQUEST_OPENED.value,
        AuditAction.REQUEST_MOVED.value,
        AuditAction.MEMBERSHIP_MOVED.value,
        AuditAction.MEMBERSHIP_TERMINATED.value,
        AuditAction.IMPORT_FINISHED.value,
        AuditAction.DSN_FILE_PROCESSED.value,
    }
)


# --- Payloads: one `data` per message (a bulk opening makes one per request). ---


def _requests_opened(event: AuditEvent, company_id: int) -> Iterator[Data]:
    details = event.details
    reason = _coded(Reason, details["reason"])
    state = _coded(State, details["state"])
    ids: Sequence[int] = details["requests"]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        rows = {
            pk: (employee_id, membership_id, source)
            for pk, employee_id, membership_id, source in Request.objects.filter(
                pk__in=chunk
            ).values_list("pk", "employee_id", "membership_id", "source")
        }
        for pk in chunk:
            employee_id, membership_id, source = rows[pk]
            yield {
                "request": {
                    "id": pk,
                    "reason": reason,
                    "state": state,
                    "source": _coded(Source, source),
                    "employee_id": employee_id,
                    "membership_id": membership_id,
                }
            }


def _request_moved(event: AuditEvent, company_id: int) -> Iterator[Data]:
    details = event.details
    row = Request.objects.values("employee_id", "membership_id", "reason", "source").get(
        pk=int(event.target_id)
    )
    step = details.get("event")
    yield {
        "request": {
            "id": int(event.target_id),
            "reason": _coded(Reason, row["reason"]),
            "state": _coded(State, details["to_state"]),
            "source": _coded(Source, row["source"]),
            "employee_id": row["employee_id"],
            "membership_id": row["membership_id"],
        },
        "previous_state": _coded(State, details["from_state"]),
        "timeline_event": _coded(EventKind, step) if step in EventKind.values else None,
    }


def _membership(membership_id: int) -> Data:
    row = Membership.objects.values(
        "employee_id",
        "member_number",
        "status",
        "effective_date",
        "end_date",
        "contract_id",
        "contract__number",
        "contract__kind",
    ).get(pk=membership_id)
    return {
        "id": membership_id,
        "member_number": row["member_number"],
        "status": _coded(MembershipStatus, row["status"]),
        "effective_date": _day(row["effective_date"]),
        "end_date": _day(row["end_date"]),
        "employee_id": row["employee_id"],
        "contract": {
            "id": row["contract_id"],
            "number": row["contract__number"],
            "kind": _coded(ContractKind, row["contract__kind"]),
        },
    }


def _membership_moved(event: AuditEvent, company_id: int) -> Iterator[Data]:
    yield {
        "membership": _membership(int(event.target_id)),
        "previous_status": _coded(MembershipStatus, event.details["from_status"]),
    }


def _membership_terminated(event: AuditEvent, company_id: int) -> Iterator[Data]:
    details = event.details
    motif = details["motif"]
    source = details.get("source", "")
    yield {
        "membership": _membership(int(event.target_id)),
        "termination": {
            "motif": {"code": motif, "label": MOTIF_LABELS[TerminationMotif(motif)]},
            "termination_date": details["termination_date"],
            "portability": bool(details.get("portability")),
            "source": _coded(Source, source) if source in Source.values else None,
        },
    }


def _import_finished(event: AuditEvent, company_id: int) -> Iterator[Data]:
    details = event.details
    yield {
        "import": {
            "id": int(event.target_id),
            "status": _coded(ImportStatus, ImportStatus.DONE),
            "declared": details.get("declared", 0),
            "rejected": details.get("rejected", 0),
        }
    }


def _dsn_integrated(event: AuditEvent, company_id: int) -> Iterator[Data]:
    declarations = (
        DsnDeclaration.objects.filter(file_id=int(event.target_id), company_id=company_id)
        .exclude(status=DeclarationStatus.TEST)
        .order_by("position")
    )
    yield {
        "dsn_file": {"id": int(event.target_id)},
        "declarations": [
            {
                "id": declaration.pk,
                "month": _day(declaration.month),
                "status": _coded(DeclarationStatus, declaration.status),
                "individuals": declaration.individual_count,
                "affiliations": declaration.affiliation_count,
                "terminations": declaration.termination_count,
                "changes": declaration.change_count,
                "anomalies": declaration.anomaly_count,
                "rejected": declaration.rejected_count,
            }
            for declaration in declarations
        ],
    }


_PAYLOADS: dict[str, Callable[[AuditEvent, int], Iterator[Data]]] = {
    EventType.REQUEST_CREATED: _requests_opened,
    EventType.REQUEST_STATE_CHANGED: _request_moved,
    EventType.EMPLOYEE_ENROLLED: _membership_moved,
    EventType.MEMBERSHIP_ACTIVE: _membership_moved,
    EventType.MEMBERSHIP_TERMINATED: _membership_terminated,
    EventType.IMPORT_FINISHED: _import_finished,
    EventType.DSN_INTEGRATED: _dsn_integrated,
}

_COLUMNS = [
    "endpoint_id",
    "message_id",
    "event_type",
    "body",
    "created_at",
    "state",
    "next_attempt_at",
]


def on_audit_event(event: AuditEvent) -> None:
    """Queue a webhook message for each active endpoint of the event's company subscribed to
    its type (in the event's transaction); enqueue their delivery once it commits."""
    if event.action not in _MAPPED:
        return
    route = _route(event)
    if route is None or not route[1]:
        return
    event_type, companies = route
    listeners: dict[int, list[int]] = {}
    for pk, company_id, events in (
        WebhookEndpoint.objects.filter(company_id__in=companies, is_active=True)
        .order_by("pk")
        .values_list("pk", "company_id", "events")
    ):
        # Filtered here: a JSON "contains" is not portable between SQLite and PostgreSQL.
        if event_type in events:
            listeners.setdefault(company_id, []).append(pk)
    if not listeners:
        return
    at = event.occurred_at
    for company_id, endpoint_ids in listeners.items():
        rows = (
            (endpoint_id, message_id(), event_type, body, at, MessageState.PENDING, at)
            for data in _PAYLOADS[event_type](event, company_id)
            for body in (body_of(event_type, at, data),)
            for endpoint_id in endpoint_ids
        )
        _write(rows)


def _write(rows: Iterator[tuple[Any, ...]]) -> None:
    while chunk := [row for _, row in zip(range(INSERT_CHUNK), rows, strict=False)]:
        ids = insert_rows(WebhookMessage, _COLUMNS, chunk, ids=True)
        for start in range(0, len(ids), TASK_BATCH):
            batch = ids[start : start + TASK_BATCH]
            transaction.on_commit(lambda batch=batch: deliver_webhooks.enqueue(batch))  # type: ignore[misc]
