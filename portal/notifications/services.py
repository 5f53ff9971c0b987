"""Queue messages to people: render the templates, store the outbox row, send on commit."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from portal.core.bulk import insert_rows
from portal.notifications.models import Channel, OutboundMessage
from portal.notifications.rendering import render_text
from portal.notifications.tasks import deliver_message, deliver_messages


def send_email(*, to: str, template: str, context: dict[str, Any]) -> OutboundMessage:
    """Queue the e-mail `emails/<template>_{subject.txt,body.txt,body.html}` to `to`."""
    context = {**context, "brand": settings.PORTAL_BRAND, "site_url": settings.SITE_URL}
    subject = render_text(f"emails/{template}_subject.txt", context)
    message = OutboundMessage.objects.create(
        channel=Channel.EMAIL,
        recipient=to,
        subject=" ".join(subject.split()),
        body_text=render_text(f"emails/{template}_body.txt", context),
        body_html=render_to_string(f"emails/{template}_body.html", context),
        template=template,
    )
    transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


def send_sms(*, to: str, text: str, template: str = "sms") -> OutboundMessage:
    """Queue the SMS `text` to the mobile number `to` (E.164, "+33612345678")."""
    message = OutboundMessage.objects.create(
        channel=Channel.SMS, recipient=to, body_text=text, template=template
    )
    transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


class PendingMessage(NamedTuple):
    """A message whose content the worker renders at delivery (`rendering.register`)."""

    channel: str
    recipient: str
    template: str
    render_args: dict[str, Any]


def queue_rendered_later(messages: list[PendingMessage], *, chunk: int = 500) -> list[int]:
    """Store the messages in the outbox, one delivery task per chunk; their ids."""
    ids = insert_rows(
        OutboundMessage, ["channel", "recipient", "template", "render_args"], messages, ids=True
    )
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        transaction.on_commit(lambda part=part: deliver_messages.enqueue(part))  # type: ignore[misc]
    return ids
