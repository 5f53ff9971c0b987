"""The signing secret: its form, stored encrypted, shown once, and its rotation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from conftest import declare, make_nir, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.webhooks.choices import EventType
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.services import rotate_secret
from portal.webhooks.tests.conftest import Receiver, add_endpoint

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_a_secret_is_whsec_and_32_random_bytes_stored_encrypted(
    company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    endpoint, secret = add_endpoint(company_a, correspondent_a, receiver.url)
    _, other = add_endpoint(company_a, correspondent_a, receiver.url)

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert other != secret
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT secret FROM {WebhookEndpoint._meta.db_table} WHERE id = %s",
            [endpoint.pk],
        )
        (stored,) = cursor.fetchone()
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
    created = AuditEvent.objects.filter(action=AuditAction.WEBHOOK_ENDPOINT_CREATED)
    assert created.count() == 2
    assert not [e for e in created if secret in str(e.details) or other in str(e.details)]


def test_during_the_24_hours_after_a_rotation_both_secrets_verify(
    company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    endpoint, old = add_endpoint(
        company_a, correspondent_a, receiver.url, [EventType.REQUEST_CREATED]
    )
    with time_machine.travel(T0, tick=False):
        new = rotate_secret(company=company_a, endpoint_id=endpoint.pk, by=correspondent_a).secret
    assert new != old

    with time_machine.travel(T0 + timedelta(hours=23, minutes=59), tick=False):
        declare(company_a)
        (got,) = receiver.received
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        assert Webhook(new).verify(got.body, got.headers)["type"] == "request.created"
        assert Webhook(old).verify(got.body, got.headers)["type"] == "request.created"


def test_after_24_hours_only_the_new_secret_signs(
    company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    endpoint, old = add_endpoint(
        company_a, correspondent_a, receiver.url, [EventType.REQUEST_CREATED]
    )
    with time_machine.travel(T0, tick=False):
        new = rotate_secret(company=company_a, endpoint_id=endpoint.pk, by=correspondent_a).secret

    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        declare(company_a, nir=make_nir(order="321"))
        (got,) = receiver.received
        assert len(got.headers["webhook-signature"].split(" ")) == 1
        assert Webhook(new).verify(got.body, got.headers)["type"] == "request.created"
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(got.body, got.headers)


def test_the_secret_is_shown_once_at_creation_and_at_rotation_never_on_the_page(
    company_a: Company, client_a: Client
) -> None:
    response = client_a.post(
        reverse("webhooks:add", args=[company_a.pk]),
        {"url": "https://rh.example.fr/hooks", "description": "Paie", "events": ["dsn.integrated"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 200
    assert endpoint.secret in text(response)
    assert "il ne sera plus jamais affiché" in text(response)

    page = client_a.get(reverse("webhooks:endpoint", args=[company_a.pk, endpoint.pk]))
    assert endpoint.secret not in text(page)

    renewed = client_a.post(reverse("webhooks:rotate_secret", args=[company_a.pk, endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in text(renewed)
    assert endpoint.previous_secret not in text(renewed)
    assert "Pendant 24 heures" in text(renewed)
    rotated = AuditEvent.objects.get(action=AuditAction.WEBHOOK_SECRET_ROTATED)
    assert (rotated.target_id, rotated.company_id) == (str(endpoint.pk), company_a.pk)
    assert endpoint.secret not in str(rotated.details)
