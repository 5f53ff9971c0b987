"""Delivery to a real local receiver: signed POSTs, retries with backoff, timeouts, disabling."""

from __future__ import annotations

import io
import json
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from conftest import declare, make_nir
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.notifications.models import OutboundMessage
from portal.webhooks import delivery
from portal.webhooks.choices import EventType, MessageState
from portal.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from portal.webhooks.tests.conftest import Receiver, add_endpoint

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def sweep(captured: Any) -> None:
    """`manage.py send_webhooks`, its on-commit effects (e-mails) run as after a commit."""
    with captured(execute=True):
        call_command("send_webhooks", stdout=io.StringIO())


@pytest.fixture
def endpoint(company_a: Company, correspondent_a: User, receiver: Receiver) -> WebhookEndpoint:
    endpoint, _ = add_endpoint(
        company_a, correspondent_a, receiver.url, [EventType.REQUEST_CREATED]
    )
    return endpoint


def test_a_business_event_is_posted_once_signed_and_verifies_with_the_library(
    company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    endpoint, secret = add_endpoint(
        company_a, correspondent_a, receiver.url, [EventType.REQUEST_CREATED]
    )

    request = declare(company_a)

    (got,) = receiver.received
    message = WebhookMessage.objects.get()
    assert got.path == "/hooks"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"] == "MonEntreprise-Webhooks/1.0"
    assert got.headers["webhook-id"] == message.message_id
    assert message.message_id.startswith("msg_")
    assert got.body == message.body.encode()
    assert Webhook(secret).verify(got.body, got.headers) == {
        "type": "request.created",
        "timestamp": json.loads(message.body)["timestamp"],
        "data": {
            "request": {
                "id": request.pk,
                "reason": {"code": "affiliation", "label": "Affiliation"},
                "state": {"code": "waiting", "label": "En attente"},
                "source": {"code": "form", "label": "Formulaire"},
                "employee_id": request.employee_id,
                "membership_id": request.membership_id,
            }
        },
    }
    assert (message.state, message.attempts, message.next_attempt_at) == (
        MessageState.DELIVERED,
        1,
        None,
    )
    (attempt,) = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error) == (200, "")
    assert attempt.response_excerpt == ("réponse 200 " + "x" * 600)[:500]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_a_signature_made_with_another_secret_does_not_verify(
    company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    add_endpoint(company_a, correspondent_a, receiver.url, [EventType.REQUEST_CREATED])

    declare(company_a)

    (got,) = receiver.received
    with pytest.raises(Exception, match="No matching signature found"):
        Webhook("whsec_" + "A" * 43 + "=").verify(got.body, got.headers)


def test_a_failed_delivery_is_retried_with_backoff_and_the_same_id(
    endpoint: WebhookEndpoint,
    company_a: Company,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answers = [500, 503]
    with time_machine.travel(T0, tick=False):
        declare(company_a)
    message = WebhookMessage.objects.get()
    assert (message.state, message.attempts, message.next_attempt_at) == (
        MessageState.PENDING,
        1,
        T0 + timedelta(seconds=5),
    )

    with time_machine.travel(T0 + timedelta(seconds=4), tick=False):
        sweep(django_capture_on_commit_callbacks)
    assert len(receiver.received) == 1  # not due yet

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        sweep(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.attempts, message.next_attempt_at) == (2, T0 + timedelta(seconds=305))

    with time_machine.travel(T0 + timedelta(seconds=305), tick=False):
        sweep(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.state, message.attempts, message.delivered_at) == (
        MessageState.DELIVERED,
        3,
        T0 + timedelta(seconds=305),
    )
    assert [r.headers["webhook-id"] for r in receiver.received] == [message.message_id] * 3
    assert [r.headers["webhook-timestamp"] for r in receiver.received] == [
        str(int(T0.timestamp())),
        str(int(T0.timestamp()) + 5),
        str(int(T0.timestamp()) + 305),
    ]
    assert [a.status_code for a in WebhookAttempt.objects.order_by("at")] == [500, 503, 200]
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)


def test_a_message_is_failed_for_good_once_the_schedule_is_exhausted(
    endpoint: WebhookEndpoint,
    company_a: Company,
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = [5, 60]
    receiver.default = 500
    with time_machine.travel(T0, tick=False):
        declare(company_a)
    for seconds in (5, 65, 3600):
        with time_machine.travel(T0 + timedelta(seconds=seconds), tick=False):
            sweep(django_capture_on_commit_callbacks)

    message = WebhookMessage.objects.get()
    assert (message.state, message.attempts, message.next_attempt_at) == (
        MessageState.FAILED_FOR_GOOD,
        3,
        None,
    )
    assert len(receiver.received) == 3
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.failing_since) == (
        True,
        3,
        T0,
    )


def test_a_receiver_too_slow_to_answer_is_an_attempt_timed_out(
    endpoint: WebhookEndpoint, company_a: Company, receiver: Receiver
) -> None:
    receiver.answers = ["timeout"]

    declare(company_a)

    (attempt,) = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (
        None,
        "délai dépassé (1 s)",
        "",
    )
    assert attempt.duration_ms >= 1000
    assert WebhookMessage.objects.get().state == MessageState.PENDING


def test_a_closed_port_is_an_attempt_with_connection_refused(
    company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    with socket.socket() as probe:  # a free port, closed again: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    add_endpoint(
        company_a, correspondent_a, f"http://127.0.0.1:{port}/", [EventType.REQUEST_CREATED]
    )

    declare(company_a)

    (attempt,) = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error) == (None, "connexion refusée")


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    endpoint: WebhookEndpoint, company_a: Company, receiver: Receiver
) -> None:
    receiver.answers = [302]

    declare(company_a)

    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.status_code == 302
    assert WebhookMessage.objects.get().state == MessageState.PENDING
    assert len(receiver.received) == 1


def test_a_host_resolving_to_a_private_address_is_refused_at_delivery(
    company_a: Company,
    correspondent_a: User,
    receiver: Receiver,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.WEBHOOKS_ALLOW_LOCAL = False
    add_endpoint(
        company_a, correspondent_a, "https://hooks.example.com/in", [EventType.REQUEST_CREATED]
    )

    def resolve(host: str, port: int, **_: Any) -> list[Any]:
        assert (host, port) == ("hooks.example.com", 443)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)  # the lookup of each POST

    declare(company_a)

    (attempt,) = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error) == (
        None,
        "adresse refusée : hooks.example.com correspond à 10.0.0.5",
    )
    assert receiver.received == []


def test_a_message_taken_by_a_worker_is_not_sent_twice_and_a_lost_one_is_sent_later(
    endpoint: WebhookEndpoint,
    company_a: Company,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Queued by a business event whose delivery task was lost (the worker stopped).
    WebhookMessage.objects.create(
        endpoint=endpoint,
        message_id="msg_lost",
        event_type=EventType.REQUEST_CREATED,
        body='{"type":"request.created"}',
        next_attempt_at=T0,
    )
    message = WebhookMessage.objects.get(message_id="msg_lost")
    # A worker takes it, then dies during its POST.
    assert delivery._claim(message.pk, T0)
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        assert delivery.attempt(message.pk) is None  # taken: another worker does not send it
        sweep(django_capture_on_commit_callbacks)
    assert receiver.received == []

    with time_machine.travel(T0 + timedelta(seconds=71), tick=False):
        sweep(django_capture_on_commit_callbacks)  # the claim has passed: the sweep sends it

    assert [r.headers["webhook-id"] for r in receiver.received] == ["msg_lost"]
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED


def test_an_endpoint_failing_for_days_is_disabled_and_its_correspondents_emailed(
    endpoint: WebhookEndpoint,
    company_a: Company,
    correspondent_a: User,
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = [3 * 86400, 3 * 86400]
    settings.WEBHOOKS_DISABLE_MIN_FAILURES = 3
    settings.WEBHOOKS_DISABLE_AFTER_DAYS = 5
    receiver.default = 500
    with time_machine.travel(T0, tick=False):
        declare(company_a)
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        sweep(django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 2)  # 3 days only

    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        sweep(django_capture_on_commit_callbacks)

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_at, endpoint.consecutive_failures) == (
        False,
        T0 + timedelta(days=6),
        3,
    )
    assert endpoint.disabled_reason == (
        "Désactivée automatiquement : 3 échecs consécutifs depuis le 04/12/2026 à 09:00."
    )
    event = AuditEvent.objects.get(action=AuditAction.WEBHOOK_ENDPOINT_DISABLED)
    assert (event.target_id, event.company_id, event.actor) == (
        str(endpoint.pk),
        company_a.pk,
        None,
    )
    outbound = OutboundMessage.objects.get(template="webhook_endpoint_disabled")
    assert outbound.recipient == correspondent_a.email
    (email,) = [m for m in mail.outbox if "Notifications désactivées" in m.subject]
    assert email.to == [correspondent_a.email]
    assert email.subject == f"Notifications désactivées : {endpoint.url} ne répond plus"
    assert "aucune des notifications qui lui ont été envoyées depuis le 04/12/2026 à 09:00" in (
        email.body
    )
    page = reverse("webhooks:endpoint", args=[company_a.pk, endpoint.pk])
    assert page in email.body
    # Disabled: nothing more is queued for it, nothing sent.
    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        declare(
            company_a, email="autre@example.org", nir=make_nir(order="456"), employee_number="M-2"
        )
    assert WebhookMessage.objects.count() == 1
    assert len(receiver.received) == 3


def test_a_success_resets_the_failure_count(
    endpoint: WebhookEndpoint,
    company_a: Company,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answers = [500]
    with time_machine.travel(T0, tick=False):
        declare(company_a)
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (1, T0)

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        sweep(django_capture_on_commit_callbacks)

    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)


def test_replay_sends_the_message_again_with_the_same_id_and_is_audited(
    endpoint: WebhookEndpoint, company_a: Company, client_a: Client, receiver: Receiver
) -> None:
    declare(company_a)
    message = WebhookMessage.objects.get()

    response = client_a.post(
        reverse("webhooks:replay", args=[company_a.pk, endpoint.pk, message.pk])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:endpoint", args=[company_a.pk, endpoint.pk])
    assert [r.headers["webhook-id"] for r in receiver.received] == [message.message_id] * 2
    assert receiver.received[0].body == receiver.received[1].body
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.DELIVERED, 2)
    event = AuditEvent.objects.get(action=AuditAction.WEBHOOK_DELIVERY_REPLAYED)
    assert event.details == {
        "message_id": message.message_id,
        "event_type": "request.created",
        "previous_state": "delivered",
    }


def test_replay_of_a_message_failed_for_good_restarts_its_schedule(
    endpoint: WebhookEndpoint,
    company_a: Company,
    client_a: Client,
    receiver: Receiver,
    settings: Any,
) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = []
    receiver.answers = [500, 500]
    declare(company_a)
    message = WebhookMessage.objects.get()
    assert message.state == MessageState.FAILED_FOR_GOOD
    settings.WEBHOOKS_RETRY_SCHEDULE = [5]

    client_a.post(reverse("webhooks:replay", args=[company_a.pk, endpoint.pk, message.pk]))

    message.refresh_from_db()
    assert (message.state, message.attempts, message.round_attempts) == (
        MessageState.PENDING,
        2,
        1,
    )
    assert message.next_attempt_at is not None


def test_replay_is_refused_on_a_deactivated_endpoint(
    endpoint: WebhookEndpoint, company_a: Company, client_a: Client, receiver: Receiver
) -> None:
    declare(company_a)
    message = WebhookMessage.objects.get()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    response = client_a.post(
        reverse("webhooks:replay", args=[company_a.pk, endpoint.pk, message.pk]), follow=True
    )

    assert "Cette adresse est désactivée : réactivez-la avant de renvoyer une notification." in (
        response.content.decode()
    )
    assert len(receiver.received) == 1
    assert not AuditEvent.objects.filter(action=AuditAction.WEBHOOK_DELIVERY_REPLAYED).exists()


def test_old_delivered_messages_are_purged_and_pending_ones_kept(
    endpoint: WebhookEndpoint, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WEBHOOKS_KEEP_DAYS = 30
    for message_id, state, days in [
        ("msg_old", MessageState.DELIVERED, 31),
        ("msg_recent", MessageState.DELIVERED, 29),
        ("msg_waiting", MessageState.PENDING, 40),
    ]:
        WebhookMessage.objects.create(
            endpoint=endpoint,
            message_id=message_id,
            event_type=EventType.REQUEST_CREATED,
            body="{}",
            state=state,
            created_at=T0 - timedelta(days=days),
            next_attempt_at=T0 + timedelta(days=1) if state == MessageState.PENDING else None,
        )

    with time_machine.travel(T0, tick=False):
        sweep(django_capture_on_commit_callbacks)

    assert sorted(WebhookMessage.objects.values_list("message_id", flat=True)) == [
        "msg_recent",
        "msg_waiting",
    ]
