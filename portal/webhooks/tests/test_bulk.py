"""A file import opens its requests in bulk: their messages are written in bulk too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from conftest import declaration, make_nir
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.imports.tests.test_import_flow import rows, upload, xlsx_from_template
from portal.tracking.models import Request, Source
from portal.tracking.services import declare_employees
from portal.webhooks import events
from portal.webhooks.choices import EventType
from portal.webhooks.models import WebhookMessage
from portal.webhooks.tests.conftest import Receiver, add_endpoint


def test_a_file_import_queues_one_message_per_request_and_one_for_its_end(
    client_a: Client, company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    add_endpoint(
        company_a,
        correspondent_a,
        receiver.url,
        [EventType.REQUEST_CREATED, EventType.IMPORT_FINISHED],
    )
    content = xlsx_from_template(client_a, company_a, rows(60))

    upload(client_a, company_a, "salaries.xlsx", content)

    created = [
        json.loads(m.body)["data"]["request"]["id"]
        for m in WebhookMessage.objects.filter(event_type=EventType.REQUEST_CREATED)
    ]
    requests = Request.objects.filter(company=company_a, source=Source.FILE)
    assert sorted(created) == sorted(requests.values_list("pk", flat=True))
    assert len(created) == 60
    (finished,) = WebhookMessage.objects.filter(event_type=EventType.IMPORT_FINISHED)
    assert json.loads(finished.body)["data"]["import"]["declared"] == 60
    assert len(receiver.received) == 61
    assert {r.headers["webhook-id"] for r in receiver.received} == set(
        WebhookMessage.objects.values_list("message_id", flat=True)
    )


def test_a_bulk_opening_is_written_in_a_few_queries_and_one_task_per_batch(
    company_a: Company,
    correspondent_a: User,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(events, "LOOKUP_CHUNK", 100)  # three lookups for 300 requests
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        declare_employees(
            company=company_a,
            declarations=[
                declaration(
                    company_a,
                    last_name=f"Nom{i}",
                    nir=make_nir(order=f"{i + 1:03d}"),
                    email=f"salarie{i}@example.org",
                    employee_number=f"M-{i}",
                )
                for i in range(300)
            ],
            source=Source.FILE,
            by=correspondent_a,
        )
    opened = AuditEvent.objects.get(action=AuditAction.REQUEST_OPENED)
    assert len(opened.details["requests"]) == 300
    assert WebhookMessage.objects.count() == 0  # no endpoint then
    first, _ = add_endpoint(company_a, correspondent_a, receiver.url, ["request.created"])
    second, _ = add_endpoint(company_a, correspondent_a, receiver.url, ["request.created"])
    add_endpoint(company_a, correspondent_a, receiver.url, ["membership.active"])

    # The endpoints, 3 request lookups, reserving the ids and the insert in a savepoint (2),
    # and this test's own savepoint (2): 10, whatever the number of messages per insert.
    with (
        django_capture_on_commit_callbacks(execute=False) as enqueued,
        django_assert_max_num_queries(10),
        transaction.atomic(),
    ):
        events.on_audit_event(opened)

    assert WebhookMessage.objects.filter(endpoint=first).count() == 300
    assert WebhookMessage.objects.filter(endpoint=second).count() == 300
    assert WebhookMessage.objects.values("message_id").distinct().count() == 600
    assert len(enqueued) == 600 // events.TASK_BATCH
    assert receiver.received == []  # sent by the worker once committed
