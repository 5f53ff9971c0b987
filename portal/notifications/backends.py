"""Delivery backends. E-mail goes through Django's e-mail framework (SMTP in production).

SMS and letters go through a backend named in settings. A backend receives the full content
(`Delivery`), never the outbox row: the row only keeps the redacted copy once delivered.
`OutboxBackend` delivers nothing (no carrier yet); `DevOutboxBackend` (demo only) keeps the
delivered copies that /dev/outbox/ shows; `MemoryBackend` (tests) keeps them in memory.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.notifications.models import Channel


class DeliveryError(Exception):
    """The carrier refused or failed a message (a backend's own failure, retried)."""


@dataclass(frozen=True)
class Delivery:
    """A message as its recipient receives it, secrets included (never stored by the portal)."""

    message_id: int
    channel: str
    recipient: str
    subject: str
    body_text: str
    body_html: str = ""
    attachment: tuple[str, bytes] | None = None


class DeliveryBackend(Protocol):
    def deliver(self, delivery: Delivery) -> None:
        """Hand the message to the carrier; raise OSError or DeliveryError on failure so that
        it is retried."""


class DjangoEmailBackend:
    def deliver(self, delivery: Delivery) -> None:
        email = EmailMultiAlternatives(
            subject=delivery.subject,
            body=delivery.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.recipient],
        )
        if delivery.body_html:
            email.attach_alternative(delivery.body_html, "text/html")
        if delivery.attachment is not None:
            email.attach(*delivery.attachment)
        email.send()


class OutboxBackend:
    """Delivers nothing (no carrier configured): the outbox row records that it was sent."""

    def deliver(self, delivery: Delivery) -> None:
        return None


class MemoryBackend:
    """Tests: keeps the delivered SMS and letters in `delivered`, as Django's locmem e-mail
    backend keeps e-mails in `mail.outbox` (emptied before each test by the root conftest)."""

    delivered: ClassVar[list[Delivery]] = []

    def deliver(self, delivery: Delivery) -> None:
        self.delivered.append(delivery)


def dev_outbox_dir() -> Path:
    return Path(settings.DEV_OUTBOX_DIR)


class DevOutboxBackend:
    """Demo only (`DEV_OUTBOX`): stands for the recipients' inboxes. Keeps each delivered copy,
    secrets included, as files under `DEV_OUTBOX_DIR` that /dev/outbox/ shows; e-mails also go
    through Django's e-mail backend (the console in the demo)."""

    def __init__(self) -> None:
        if not settings.DEV_OUTBOX:
            raise ImproperlyConfigured("DevOutboxBackend is for the demo only (DEV_OUTBOX).")

    def deliver(self, delivery: Delivery) -> None:
        if delivery.channel == Channel.EMAIL:
            DjangoEmailBackend().deliver(delivery)
        folder = dev_outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        copy = asdict(delivery)
        copy["attachment"] = None
        if delivery.attachment is not None:
            (folder / f"{delivery.message_id}.pdf").write_bytes(delivery.attachment[1])
            copy["attachment"] = delivery.attachment[0]
        copy["delivered_at"] = timezone.now().isoformat()
        (folder / f"{delivery.message_id}.json").write_text(json.dumps(copy), encoding="utf-8")


def backend_for(channel: str) -> DeliveryBackend:
    path = {
        Channel.EMAIL: settings.EMAIL_DELIVERY_BACKEND,
        Channel.SMS: settings.SMS_BACKEND,
        Channel.LETTER: settings.LETTER_BACKEND,
    }[Channel(channel)]
    backend: DeliveryBackend = import_string(path)()
    return backend
