"""Delivery backends. E-mail goes through Django's e-mail framework (SMTP in production).

SMS and letters go through a backend named in settings. The outbox backends deliver nothing:
the outbox row is the message (development and demo, shown at /dev/outbox/).
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from portal.notifications.models import Channel, OutboundMessage


class DeliveryError(Exception):
    """The carrier refused or failed a message (a backend's own failure, retried)."""


class DeliveryBackend(Protocol):
    def deliver(self, message: OutboundMessage) -> None:
        """Hand the message to the carrier; raise OSError or DeliveryError on failure so that
        it is retried."""


class DjangoEmailBackend:
    def deliver(self, message: OutboundMessage) -> None:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        if message.attachment:
            with message.attachment.open("rb") as handle:
                name = (message.attachment.name or "attachment").rsplit("/", 1)[-1]
                email.attach(name, handle.read())
        email.send()


class OutboxBackend:
    """Keeps the message in the outbox only (no carrier)."""

    def deliver(self, message: OutboundMessage) -> None:
        return None


def backend_for(channel: str) -> DeliveryBackend:
    path = {
        Channel.EMAIL: settings.EMAIL_DELIVERY_BACKEND,
        Channel.SMS: settings.SMS_BACKEND,
        Channel.LETTER: settings.LETTER_BACKEND,
    }[Channel(channel)]
    backend: DeliveryBackend = import_string(path)()
    return backend
