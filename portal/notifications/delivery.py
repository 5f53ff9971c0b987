"""Delivering one outbox message through its channel's backend."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.notifications.backends import Delivery, DeliveryError, backend_for
from portal.notifications.content import full_content, keep
from portal.notifications.models import MessageStatus, OutboundMessage
from portal.notifications.rendering import renderer_for

logger = logging.getLogger(__name__)


def _render(message: OutboundMessage) -> None:
    """Render a message queued in bulk, once: the content is kept with the message (its
    secrets sealed), so that a retry delivers the same link or password."""
    rendered = renderer_for(message.template)(**message.render_args)
    message.save(update_fields=keep(message, rendered))


@transaction.atomic
def deliver(message_id: int) -> timedelta | None:
    """Send one message; idempotent. Returns the delay before a retry, or None when done.

    The backend gets the full content; once delivered, or failed for good, the sealed secrets
    are wiped and only the redacted copy remains.
    """
    message = OutboundMessage.objects.select_for_update().get(pk=message_id)
    if message.status != MessageStatus.PENDING:
        return None
    message.attempts += 1
    try:
        if not message.body_text:
            _render(message)
        content = full_content(message)
        backend_for(message.channel).deliver(
            Delivery(
                message_id=message.pk,
                channel=message.channel,
                recipient=message.recipient,
                subject=content.subject,
                body_text=content.body_text,
                body_html=content.body_html,
                attachment=content.attachment,
            )
        )
    except (OSError, DeliveryError) as error:  # the carrier's failures (SMTP errors are OSErrors)
        logger.warning("Delivery of message %s failed: %s", message.pk, type(error).__name__)
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.sealed = ""  # never delivered: the secret must not outlive the attempts
        message.save(update_fields=["attempts", "last_error", "status", "sealed"])
        if message.status == MessageStatus.FAILED:
            return None
        return timedelta(minutes=2**message.attempts)
    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.sealed = ""
    message.save(update_fields=["attempts", "status", "sent_at", "sealed"])
    return None
