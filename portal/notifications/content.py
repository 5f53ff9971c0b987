"""What an outbox row keeps of a message: staff's redacted copy, and the full content sealed
(encrypted with the field keys) only until the message is delivered or finally fails."""

from __future__ import annotations

import base64
import json

from django.core.files.base import ContentFile

from portal.notifications.models import OutboundMessage
from portal.notifications.rendering import Rendered, redact


def keep(message: OutboundMessage, rendered: Rendered) -> list[str]:
    """Put `rendered` on `message` (not saved); the fields to save.

    Without secrets the content is kept as is. With secrets, the readable fields get the
    redacted copy, the attachment is not written to the storage at all, and the full content
    goes to `sealed`.
    """
    message.subject = " ".join(redact(rendered.subject, rendered.secrets).split())
    message.body_text = redact(rendered.body_text, rendered.secrets)
    message.body_html = redact(rendered.body_html, rendered.secrets, is_html=True)
    fields = ["subject", "body_text", "body_html", "sealed"]
    if not rendered.secrets:
        message.sealed = ""
        if rendered.attachment is not None:
            name, data = rendered.attachment
            message.attachment.save(name, ContentFile(data), save=False)
            fields.append("attachment")
        return fields
    attachment = None
    if rendered.attachment is not None:
        name, data = rendered.attachment
        attachment = [name, base64.b64encode(data).decode()]
    message.sealed = json.dumps(
        {
            "subject": " ".join(rendered.subject.split()),
            "body_text": rendered.body_text,
            "body_html": rendered.body_html,
            "attachment": attachment,
        }
    )
    return fields


def full_content(message: OutboundMessage) -> Rendered:
    """The message as its recipient must receive it."""
    if message.sealed:
        sealed = json.loads(message.sealed)
        attachment = None
        if sealed["attachment"] is not None:
            name, data = sealed["attachment"]
            attachment = (name, base64.b64decode(data))
        return Rendered(
            subject=sealed["subject"],
            body_text=sealed["body_text"],
            body_html=sealed["body_html"],
            attachment=attachment,
        )
    attachment = None
    if message.attachment:
        with message.attachment.open("rb") as handle:
            attachment = (
                (message.attachment.name or "piece-jointe").rsplit("/", 1)[-1],
                handle.read(),
            )
    return Rendered(
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        attachment=attachment,
    )
