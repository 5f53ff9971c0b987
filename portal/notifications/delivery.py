"""Delivering one outbox message through its channel's backend."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.notifications.backends import DeliveryError, backend_for
from portal.notifications.models import MessageStatus, OutboundMessage
from portal.notifications.rendering import renderer_for

logger = logging.getLogger(__name__)


def _render(message: OutboundMessage) -> None:
    """Render a message queued in bulk, once: the content is kept with the message."""
    rendered = renderer_for(message.template)(**message.render_args)
    message.subject = rendered.subject
    message.body_text = rendered.body_text
    message.body_html = rendered.body_html
    if rendered.attachment is not None:
        name, content = rendered.attachment
        message.attachment.save(name, ContentFile(content), save=False)
    message.save(update_fields=["subject", "body_text", "body_html", "attachment"])


@transaction.atomic
def deliver(message_id: int) -> timedelta | None:
    """Send one message; idempotent. Returns the delay before a retry, or None when done."""
    message = OutboundMessage.objects.select_for_update().get(pk=message_id)
    if message.status != MessageStatus.PENDING:
        return None
    message.attempts += 1
    try:
        if not message.body_text:
            _render(message)
        backend_for(message.channel).deliver(message)
    except (OSError, DeliveryError) as error:  # the carrier's failures (SMTP errors are OSErrors)
        logger.warning("Delivery of message %s failed: %s", message.pk, type(error).__name__)
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
        message.save(update_fields=["attempts", "last_error", "status"])
        if message.status == MessageStatus.FAILED:
            return None
        return timedelta(minutes=2**message.attempts)
    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["attempts", "status", "sent_at"])
    return None
