"""Business events become webhook messages, in their transaction, for the endpoints that listen."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from conftest import declare, make_nir
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.dsn.models import DeclarationStatus, DsnDeclaration, DsnFile
from portal.enrollment.models import MembershipStatus
from portal.enrollment.services import move_membership
from portal.imports.models import ImportBatch
from portal.terminations.services import terminate_membership
from portal.tracking.models import EventKind, State
from portal.tracking.services import move_request
from portal.webhooks.choices import EventType
from portal.webhooks.events import on_audit_event
from portal.webhooks.models import WebhookEndpoint, WebhookMessage
from portal.webhooks.tests.conftest import Receiver, add_endpoint


def data_of(event_type: str) -> list[Any]:
    return [
        json.loads(m.body)["data"]
        for m in WebhookMessage.objects.filter(event_type=event_type).order_by("pk")
    ]


@pytest.fixture
def listening(company_a: Company, correspondent_a: User, receiver: Receiver) -> WebhookEndpoint:
    endpoint, _ = add_endpoint(company_a, correspondent_a, receiver.url)
    return endpoint


def test_every_mapped_event_makes_one_message_with_ids_states_and_dates(
    listening: WebhookEndpoint,
    company_a: Company,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = declare(company_a)
    membership = request.membership
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            move_membership(membership.pk, MembershipStatus.SIGNED, by=None)
            move_request(request.pk, State.IN_PROGRESS, event=EventKind.SIGNED, by=None)
            move_membership(membership.pk, MembershipStatus.ACTIVE, by=None)
        terminate_membership(
            company=company_a,
            membership_id=membership.pk,
            hire_date=date(2024, 3, 1),
            termination_date=today,
            motif="resignation",
            portability=None,
            by=None,
            today=today,
        )
    membership.refresh_from_db()

    contract = {
        "id": membership.contract_id,
        "number": "A0001",
        "kind": {"code": "health", "label": "Complémentaire Santé"},
    }

    def membership_data(status: str, label: str, end: str | None = None) -> dict[str, Any]:
        return {
            "id": membership.pk,
            "member_number": membership.member_number,
            "status": {"code": status, "label": label},
            "effective_date": "2024-03-01",
            "end_date": end,
            "employee_id": request.employee_id,
            "contract": contract,
        }

    assert data_of(EventType.REQUEST_STATE_CHANGED) == [
        {
            "request": {
                "id": request.pk,
                "reason": {"code": "affiliation", "label": "Affiliation"},
                "state": {"code": "in_progress", "label": "En cours"},
                "source": {"code": "form", "label": "Formulaire"},
                "employee_id": request.employee_id,
                "membership_id": membership.pk,
            },
            "previous_state": {"code": "waiting", "label": "En attente"},
            "timeline_event": {"code": "signed", "label": "Adhésion signée par le salarié"},
        }
    ]
    # The payload is read when the event happens: the membership as it was then.
    assert data_of(EventType.EMPLOYEE_ENROLLED) == [
        {
            "membership": membership_data("signed", "Signée"),
            "previous_status": {"code": "pre_enrolled", "label": "En attente d'adhésion"},
        }
    ]
    assert data_of(EventType.MEMBERSHIP_ACTIVE) == [
        {
            "membership": membership_data("active", "Mis en gestion"),
            "previous_status": {"code": "signed", "label": "Signée"},
        }
    ]
    assert data_of(EventType.MEMBERSHIP_TERMINATED) == [
        {
            "membership": membership_data("terminated", "Radié", today.isoformat()),
            "termination": {
                "motif": {"code": "resignation", "label": "Démission"},
                "termination_date": today.isoformat(),
                "portability": False,
                "source": {"code": "form", "label": "Formulaire"},
            },
        }
    ]
    # The termination opened its own request too.
    assert [d["request"]["reason"]["code"] for d in data_of(EventType.REQUEST_CREATED)] == [
        "affiliation",
        "termination",
    ]
    assert len(receiver.received) == WebhookMessage.objects.count() == 6


def test_no_payload_carries_a_name_or_a_nir(listening: WebhookEndpoint, company_a: Company) -> None:
    nir = make_nir(order="777")
    request = declare(company_a, last_name="Zébulon", first_name="Anaïs", nir=nir)
    with transaction.atomic():
        move_membership(request.membership_id, MembershipStatus.SIGNED, by=None)

    bodies = " ".join(WebhookMessage.objects.values_list("body", flat=True))
    assert WebhookMessage.objects.count() == 2
    for personal in ["Zébulon", "ZEBULON", "Anaïs", "ANAIS", nir, nir[:13], "cedric.simon"]:
        assert personal.lower() not in bodies.lower()


def test_an_import_finished_and_a_dsn_integrated_name_their_counts(
    listening: WebhookEndpoint,
    company_a: Company,
    company_b: Company,
    correspondent_b: User,
    receiver: Receiver,
) -> None:
    other, _ = add_endpoint(company_b, correspondent_b, receiver.url, [EventType.DSN_INTEGRATED])
    batch = ImportBatch.objects.create(
        company=company_a,
        insured_group=company_a.contracts.get().insured_groups.get(),
        filename="salaries.xlsx",
        status="done",
    )
    received = DsnFile.objects.create(original_name="dsn.txt", sha256="a" * 64, status="done")
    applied = DsnDeclaration.objects.create(
        file=received,
        position=1,
        company=company_a,
        status=DeclarationStatus.APPLIED,
        month=date(2026, 11, 1),
        individual_count=12,
        affiliation_count=2,
        termination_count=1,
    )
    DsnDeclaration.objects.create(
        file=received, position=2, company=company_a, status=DeclarationStatus.TEST
    )
    of_b = DsnDeclaration.objects.create(
        file=received, position=3, company=company_b, status=DeclarationStatus.REJECTED
    )

    with transaction.atomic():
        audit.record(
            AuditAction.IMPORT_FINISHED,
            target=batch,
            company_id=company_a.pk,
            declared=148,
            rejected=2,
        )
        audit.record(AuditAction.DSN_FILE_PROCESSED, target=received, declarations=3)

    assert data_of(EventType.IMPORT_FINISHED) == [
        {
            "import": {
                "id": batch.pk,
                "status": {"code": "done", "label": "Terminé"},
                "declared": 148,
                "rejected": 2,
            }
        }
    ]
    counts = {"changes": 0, "anomalies": 0, "rejected": 0}
    assert {
        m.endpoint_id: json.loads(m.body)["data"]
        for m in WebhookMessage.objects.filter(event_type=EventType.DSN_INTEGRATED)
    } == {
        listening.pk: {
            "dsn_file": {"id": received.pk},
            "declarations": [
                {
                    "id": applied.pk,
                    "month": "2026-11-01",
                    "status": {"code": "applied", "label": "Intégrée"},
                    "individuals": 12,
                    "affiliations": 2,
                    "terminations": 1,
                    **counts,
                }
            ],
        },
        other.pk: {
            "dsn_file": {"id": received.pk},
            "declarations": [
                {
                    "id": of_b.pk,
                    "month": None,
                    "status": {"code": "rejected", "label": "Rejetée"},
                    "individuals": 0,
                    "affiliations": 0,
                    "terminations": 0,
                    **counts,
                }
            ],
        },
    }


def test_a_dsn_file_refused_as_a_whole_makes_no_message(
    listening: WebhookEndpoint,
) -> None:
    received = DsnFile.objects.create(original_name="dsn.txt", sha256="b" * 64, status="refused")
    with transaction.atomic():
        audit.record(AuditAction.DSN_FILE_PROCESSED, target=received, refused=True)

    assert WebhookMessage.objects.count() == 0


def test_only_active_endpoints_of_the_company_subscribed_to_the_type_get_a_message(
    company_a: Company,
    company_b: Company,
    correspondent_a: User,
    correspondent_b: User,
    receiver: Receiver,
) -> None:
    subscribed, _ = add_endpoint(company_a, correspondent_a, receiver.url, ["request.created"])
    add_endpoint(company_a, correspondent_a, receiver.url, ["membership.active"])
    inactive, _ = add_endpoint(company_a, correspondent_a, receiver.url, ["request.created"])
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(is_active=False)
    add_endpoint(company_b, correspondent_b, receiver.url, ["request.created"])

    declare(company_a)

    assert list(WebhookMessage.objects.values_list("endpoint_id", "event_type")) == [
        (subscribed.pk, "request.created")
    ]
    assert len(receiver.received) == 1


def test_nothing_is_queued_or_sent_when_the_business_event_rolls_back(
    listening: WebhookEndpoint,
    company_a: Company,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = declare(company_a)
    before = WebhookMessage.objects.count()
    sent = len(receiver.received)

    class Refused(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        move_membership(request.membership_id, MembershipStatus.SIGNED, by=None)
        assert WebhookMessage.objects.count() == before + 1  # written with the event…
        raise Refused

    assert callbacks == []  # …and gone with it: no delivery enqueued
    assert WebhookMessage.objects.count() == before
    assert len(receiver.received) == sent


def test_the_listener_returns_at_once_for_an_action_it_does_not_map(
    listening: WebhookEndpoint, company_a: Company, django_assert_num_queries: Any
) -> None:
    event = AuditEvent(action=AuditAction.LOGIN.value, company_id=company_a.pk)

    with django_assert_num_queries(0):
        on_audit_event(event)


def test_a_membership_move_without_a_webhook_type_costs_no_query(
    listening: WebhookEndpoint, company_a: Company, django_assert_num_queries: Any
) -> None:
    event = AuditEvent(
        action=AuditAction.MEMBERSHIP_MOVED.value,
        company_id=company_a.pk,
        details={"from_status": "pre_enrolled", "to_status": "cancelled"},
    )

    with django_assert_num_queries(0):
        on_audit_event(event)


def test_a_mapped_event_of_a_company_without_endpoints_costs_one_query(
    company_b: Company, django_assert_num_queries: Any
) -> None:
    event = AuditEvent(
        action=AuditAction.IMPORT_FINISHED.value,
        company_id=company_b.pk,
        target_id="1",
        details={"declared": 1, "rejected": 0},
    )

    with django_assert_num_queries(1):
        on_audit_event(event)
