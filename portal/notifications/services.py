"""Queue messages to people: render the templates, store the outbox row, send on commit.

A context value wrapped in `Secret` (a link, a code, a password) reaches the recipient but is
never stored readable: the row keeps the redacted copy and the full content encrypted until
delivery (`content.keep`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from portal.core.bulk import insert_rows
from portal.notifications.content import keep
from portal.notifications.models import Channel, OutboundMessage
from portal.notifications.rendering import Rendered, Secret, render_text, unwrap_secrets
from portal.notifications.tasks import deliver_message, deliver_messages


def send_email(*, to: str, template: str, context: dict[str, Any]) -> OutboundMessage:
    """Queue the e-mail `emails/<template>_{subject.txt,body.txt,body.html}` to `to`; the
    context's `Secret` values are sealed until delivery."""
    context, secrets = unwrap_secrets(
        {**context, "brand": settings.PORTAL_BRAND, "site_url": settings.SITE_URL}
    )
    rendered = Rendered(
        subject=render_text(f"emails/{template}_subject.txt", context),
        body_text=render_text(f"emails/{template}_body.txt", context),
        body_html=render_to_string(f"emails/{template}_body.html", context),
        secrets=secrets,
    )
    message = OutboundMessage(channel=Channel.EMAIL, recipient=to, template=template)
    keep(message, rendered)
    message.save()
    transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


def send_sms(
    *, to: str, text: str, template: str = "sms", secrets: tuple[Secret, ...] = ()
) -> OutboundMessage:
    """Queue the SMS `text` to the mobile number `to` (E.164, "+33612345678"); the `secrets`
    it contains (a code) are sealed until delivery."""
    message = OutboundMessage(channel=Channel.SMS, recipient=to, template=template)
    keep(message, Rendered(subject="", body_text=text, secrets=secrets))
    message.save()
    transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


def send_letter(
    *, to: str, template: str, subject: str, body_text: str, attachment: tuple[str, bytes]
) -> OutboundMessage:
    """Queue the letter whose PDF the caller printed (`attachment`) to the postal address `to`
    (its lines); `body_text` is what the outbox shows of it."""
    message = OutboundMessage(channel=Channel.LETTER, recipient=to, template=template)
    keep(message, Rendered(subject=subject, body_text=body_text, attachment=attachment))
    message.save()
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
