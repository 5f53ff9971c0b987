"""Delivering webhook messages: the signed POST, each attempt's log, retries and disabling.

A message is claimed before its POST by moving its `next_attempt_at` past the POST's timeout
(a conditional UPDATE: of two workers, or a worker and the `send_webhooks` sweep, one sends);
the HTTP call runs outside any transaction; its outcome is written in one. A worker killed
mid-POST leaves the message due again once the claim passes: the sweep sends it.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from portal.accounts.models import Role, User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.notifications.models import Channel
from portal.notifications.services import PendingMessage, queue_rendered_later
from portal.webhooks import rules
from portal.webhooks.choices import MessageState
from portal.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

logger = logging.getLogger(__name__)

USER_AGENT = "MonEntreprise-Webhooks/1.0"
EXCERPT_CHARS = 500
ERROR_CHARS = 300
# Read at most this much of an answer: only its start is kept.
_READ_BYTES = 4096


class AddressRefused(OSError):
    """The endpoint's host resolves to a local or private address (checked at each POST)."""


@dataclass(frozen=True)
class Outcome:
    """What one POST gave: the HTTP status (None when no answer), the error, the answer's start,
    the duration."""

    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signature_header(secrets: list[str], message_id: str, at: datetime, body: bytes) -> str:
    """`webhook-signature`: one `v1,…` per secret, space-separated (a rotation signs with the
    new and the old secret, so that a receiver with either one verifies it)."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)


def _resolve(host: str, port: int) -> str:
    """The address to connect to: the host's first address, each of them checked public unless
    `WEBHOOKS_ALLOW_LOCAL` (a name may point anywhere, and change: checked at each POST, and
    the connection goes to the address checked, not to a second lookup)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if not settings.WEBHOOKS_ALLOW_LOCAL:
        for address in addresses:
            if not rules.is_public_address(ipaddress.ip_address(address)):
                raise AddressRefused(f"adresse refusée : {host} correspond à {address}")
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to an address already resolved and checked (tests, demo)."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already resolved and checked; the certificate is verified against
    the URL's host name (SNI too)."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST `body` to `url` (no redirect followed: a 3xx is a failure); never raises for a
    network failure, which is the outcome's error."""
    started = time.monotonic()
    status: int | None = None
    error = ""
    excerpt = ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection | None = None
    try:
        address = _resolve(host, port)
        pinned = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = pinned(host, port, address=address, timeout=timeout)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        excerpt = response.read(_READ_BYTES).decode("utf-8", "replace")[:EXCERPT_CHARS]
    except TimeoutError:
        error = f"délai dépassé ({timeout:g} s)"
    except AddressRefused as refused:
        error = str(refused)
    except ConnectionRefusedError:
        error = "connexion refusée"
    except socket.gaierror as failure:
        error = f"nom introuvable : {host} ({failure.strerror or failure})"
    except ssl.SSLError as failure:
        error = f"erreur TLS : {failure.reason or failure}"
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__} : {failure}"
    finally:
        if connection is not None:
            connection.close()
    duration = round((time.monotonic() - started) * 1000)
    return Outcome(status, error[:ERROR_CHARS], excerpt, duration)


def _claim(message_id: int, now: datetime) -> bool:
    """Take the due message for this attempt (see the module's docstring)."""
    until = now + timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + 60)
    due = WebhookMessage.objects.filter(
        pk=message_id,
        state=MessageState.PENDING,
        next_attempt_at__lte=now,
        endpoint__is_active=True,
    )
    return due.update(next_attempt_at=until) == 1


def attempt(message_id: int) -> WebhookMessage | None:
    """Send the message if it is due, and return it as the attempt left it (idempotent: not
    due, or taken by another worker, it does nothing and returns None)."""
    now = timezone.now()
    if not _claim(message_id, now):
        return None
    message = WebhookMessage.objects.select_related("endpoint").get(pk=message_id)
    endpoint = message.endpoint
    body = message.body.encode()
    headers = {
        "webhook-id": message.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature_header(
            endpoint.signing_secrets(now), message.message_id, now, body
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    outcome = post(endpoint.url, body, headers, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS)
    if not outcome.succeeded:
        logger.info(
            "Webhook %s to endpoint %s failed: %s",
            message.message_id,
            endpoint.pk,
            outcome.status_code or outcome.error,
        )
    return record(message.pk, outcome, at=now)


@transaction.atomic
def record(message_id: int, outcome: Outcome, *, at: datetime) -> WebhookMessage:
    """Write one attempt's outcome: its log row, the message's next step (delivered, retried
    later, or failed for good once the schedule is exhausted) and the endpoint's failure count,
    which disables it (see `rules.should_disable`)."""
    message = WebhookMessage.objects.select_for_update().get(pk=message_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=message.endpoint_id)
    WebhookAttempt.objects.create(
        message=message,
        at=at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        response_excerpt=outcome.excerpt,
    )
    message.attempts += 1
    message.round_attempts += 1
    if outcome.succeeded:
        message.state = MessageState.DELIVERED
        message.delivered_at = at
        message.next_attempt_at = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
    else:
        delay = rules.retry_delay(message.round_attempts, settings.WEBHOOKS_RETRY_SCHEDULE)
        if delay is None:
            message.state = MessageState.FAILED_FOR_GOOD
            message.next_attempt_at = None
        else:
            message.next_attempt_at = at + delay
        endpoint.consecutive_failures += 1
        endpoint.failing_since = endpoint.failing_since or at
    message.save(
        update_fields=["attempts", "round_attempts", "state", "delivered_at", "next_attempt_at"]
    )
    endpoint.save(update_fields=["consecutive_failures", "failing_since"])
    if not outcome.succeeded and endpoint.is_active:
        _disable_if_failing(endpoint, at)
    return message


def _disable_if_failing(endpoint: WebhookEndpoint, now: datetime) -> None:
    if not rules.should_disable(
        consecutive_failures=endpoint.consecutive_failures,
        failing_since=endpoint.failing_since,
        now=now,
        min_failures=settings.WEBHOOKS_DISABLE_MIN_FAILURES,
        failing_for=timedelta(days=settings.WEBHOOKS_DISABLE_AFTER_DAYS),
    ):
        return
    assert endpoint.failing_since is not None
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = (
        f"Désactivée automatiquement : {endpoint.consecutive_failures} échecs consécutifs "
        f"depuis le {timezone.localtime(endpoint.failing_since):%d/%m/%Y à %H:%M}."
    )
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    audit.record(
        AuditAction.WEBHOOK_ENDPOINT_DISABLED,
        target=endpoint,
        company_id=endpoint.company_id,
        failures=endpoint.consecutive_failures,
        failing_since=endpoint.failing_since.isoformat(),
    )
    recipients = (
        User.objects.filter(companies=endpoint.company_id, role=Role.CORRESPONDENT, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    queue_rendered_later(
        [
            PendingMessage(
                Channel.EMAIL, email, "webhook_endpoint_disabled", {"endpoint_id": endpoint.pk}
            )
            for email in recipients
        ]
    )


def due_message_ids(now: datetime, limit: int) -> list[int]:
    """The messages whose attempt is due (oldest first), for the sweep."""
    return list(
        WebhookMessage.objects.filter(
            state=MessageState.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def purge_old_messages(now: datetime) -> int:
    """Delete delivered and failed messages (their attempts with them) after
    `WEBHOOKS_KEEP_DAYS`; the pending ones stay."""
    cutoff = now - timedelta(days=settings.WEBHOOKS_KEEP_DAYS)
    deleted, _ = (
        WebhookMessage.objects.filter(created_at__lt=cutoff)
        .exclude(state=MessageState.PENDING)
        .delete()
    )
    return deleted
