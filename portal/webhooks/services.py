"""Webhook endpoint events: adding, changing, renewing the secret, deactivating, reactivating,
deleting an endpoint, and replaying a delivery. Each is one transaction and one audit event."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.companies.models import Company
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.webhooks import rules
from portal.webhooks.choices import EventType, MessageState
from portal.webhooks.errors import WebhookError
from portal.webhooks.models import WebhookEndpoint, WebhookMessage
from portal.webhooks.tasks import deliver_webhooks

# How long the previous secret still signs after "Renouveler le secret".
ROTATION_OVERLAP = timedelta(hours=24)
SECRET_BYTES = 32


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class EndpointWithSecret(NamedTuple):
    """An endpoint and its secret in clear, to show once (creation, renewal)."""

    endpoint: WebhookEndpoint
    secret: str


def _checked(url: str, events: Sequence[str]) -> tuple[str, list[str]]:
    url = url.strip()
    problems = rules.url_problems(url, allow_local=settings.WEBHOOKS_ALLOW_LOCAL)
    problems += rules.event_problems(events)
    if problems:
        raise BusinessError.of(problems)
    # The published order, whatever the order chosen.
    return url, [code for code in EventType.values if code in set(events)]


def _locked(company: Company, endpoint_id: int) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id, company=company)


@transaction.atomic(durable=True)
def create_endpoint(
    *,
    company: Company,
    url: str,
    description: str,
    events: Sequence[str],
    by: User,
    request: HttpRequest | None = None,
) -> EndpointWithSecret:
    """ "Ajouter une adresse": an endpoint of `company`, with a new secret shown once."""
    url, events = _checked(url, events)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        company=company,
        url=url,
        description=description.strip()[:200],
        events=events,
        secret=secret,
        created_by=by,
    )
    audit.record(
        AuditAction.WEBHOOK_ENDPOINT_CREATED,
        by=by,
        target=endpoint,
        company_id=company.pk,
        request=request,
        url=url,
        events=events,
    )
    return EndpointWithSecret(endpoint, secret)


@transaction.atomic(durable=True)
def update_endpoint(
    *,
    company: Company,
    endpoint_id: int,
    url: str,
    description: str,
    events: Sequence[str],
    by: User,
    request: HttpRequest | None = None,
) -> WebhookEndpoint:
    """ "Modifier": another URL, description or choice of events (the secret stays)."""
    url, events = _checked(url, events)
    endpoint = _locked(company, endpoint_id)
    before = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    endpoint.url = url
    endpoint.description = description.strip()[:200]
    endpoint.events = events
    endpoint.save(update_fields=["url", "description", "events"])
    after = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    audit.record(
        AuditAction.WEBHOOK_ENDPOINT_CHANGED,
        by=by,
        target=endpoint,
        company_id=company.pk,
        request=request,
        change="edited",
        fields=sorted(name for name in after if after[name] != before[name]),
        url=url,
        events=events,
    )
    return endpoint


@transaction.atomic(durable=True)
def rotate_secret(
    *,
    company: Company,
    endpoint_id: int,
    by: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> EndpointWithSecret:
    """ "Renouveler le secret": a new secret, shown once; the old one signs too for 24 hours
    (each delivery carries both signatures), so the receiver can switch without losing one."""
    now = now or timezone.now()
    endpoint = _locked(company, endpoint_id)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    audit.record(
        AuditAction.WEBHOOK_SECRET_ROTATED,
        by=by,
        target=endpoint,
        company_id=company.pk,
        request=request,
        previous_secret_expires_at=endpoint.previous_secret_expires_at.isoformat(),
    )
    return EndpointWithSecret(endpoint, secret)


@transaction.atomic(durable=True)
def deactivate_endpoint(
    *,
    company: Company,
    endpoint_id: int,
    by: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """ "Désactiver": nothing more is sent; the messages waiting stay until it is reactivated."""
    endpoint = _locked(company, endpoint_id)
    if not endpoint.is_active:
        raise BusinessError(WebhookError.WEBHOOK_ALREADY_INACTIVE)
    endpoint.is_active = False
    endpoint.disabled_at = now or timezone.now()
    endpoint.disabled_reason = "Désactivée par le correspondant."
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    audit.record(
        AuditAction.WEBHOOK_ENDPOINT_CHANGED,
        by=by,
        target=endpoint,
        company_id=company.pk,
        request=request,
        change="deactivated",
    )
    return endpoint


@transaction.atomic(durable=True)
def reactivate_endpoint(
    *,
    company: Company,
    endpoint_id: int,
    by: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """ "Réactiver": deliveries start again (the messages waiting are sent at once, each
    keeping its place in its retry schedule), with the failure count at zero."""
    now = now or timezone.now()
    endpoint = _locked(company, endpoint_id)
    if endpoint.is_active:
        raise BusinessError(WebhookError.WEBHOOK_ALREADY_ACTIVE)
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None
    endpoint.save(
        update_fields=[
            "is_active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "failing_since",
        ]
    )
    waiting = list(
        WebhookMessage.objects.filter(endpoint=endpoint, state=MessageState.PENDING).values_list(
            "pk", flat=True
        )
    )
    WebhookMessage.objects.filter(pk__in=waiting).update(next_attempt_at=now)
    audit.record(
        AuditAction.WEBHOOK_ENDPOINT_CHANGED,
        by=by,
        target=endpoint,
        company_id=company.pk,
        request=request,
        change="reactivated",
        waiting=len(waiting),
    )
    for start in range(0, len(waiting), 100):
        batch = waiting[start : start + 100]
        transaction.on_commit(lambda batch=batch: deliver_webhooks.enqueue(batch))  # type: ignore[misc]
    return endpoint


@transaction.atomic(durable=True)
def delete_endpoint(
    *, company: Company, endpoint_id: int, by: User, request: HttpRequest | None = None
) -> None:
    """ "Supprimer": the endpoint, its messages and their attempts are deleted."""
    endpoint = _locked(company, endpoint_id)
    audit.record(
        AuditAction.WEBHOOK_ENDPOINT_DELETED,
        by=by,
        target=endpoint,
        company_id=company.pk,
        request=request,
        url=endpoint.url,
        messages=endpoint.messages.count(),
    )
    endpoint.delete()


@transaction.atomic(durable=True)
def replay_message(
    *,
    company: Company,
    endpoint_id: int,
    message_id: int,
    by: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> WebhookMessage:
    """ "Renvoyer": the message is sent again now by the worker (same `webhook-id`, a new
    timestamp and signature), and retried on the schedule if that fails."""
    now = now or timezone.now()
    endpoint = _locked(company, endpoint_id)
    if not endpoint.is_active:
        raise BusinessError(WebhookError.WEBHOOK_ENDPOINT_INACTIVE)
    message = WebhookMessage.objects.select_for_update().get(pk=message_id, endpoint=endpoint)
    previous_state = message.state
    message.state = MessageState.PENDING
    message.round_attempts = 0
    message.next_attempt_at = now
    message.save(update_fields=["state", "round_attempts", "next_attempt_at"])
    audit.record(
        AuditAction.WEBHOOK_DELIVERY_REPLAYED,
        by=by,
        target=endpoint,
        company_id=company.pk,
        request=request,
        message_id=message.message_id,
        event_type=message.event_type,
        previous_state=previous_state,
    )
    transaction.on_commit(lambda: deliver_webhooks.enqueue([message.pk]))
    return message
