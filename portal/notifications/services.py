"""Queue messages to people: render the templates, store the outbox row, send on commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string

from portal.documents.rendering import render_pdf
from portal.notifications.models import Channel, OutboundMessage
from portal.notifications.tasks import deliver_message


def send_email(*, to: str, template: str, context: dict[str, Any]) -> OutboundMessage:
    """Queue the e-mail `emails/<template>_{subject.txt,body.txt,body.html}` to `to`."""
    context = {**context, "brand": settings.PORTAL_BRAND, "site_url": settings.SITE_URL}
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    message = OutboundMessage.objects.create(
        channel=Channel.EMAIL,
        recipient=to,
        subject=" ".join(subject.split()),
        body_text=render_to_string(f"emails/{template}_body.txt", context),
        body_html=render_to_string(f"emails/{template}_body.html", context),
        template=template,
    )
    transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


def send_letter(
    *, address_lines: list[str], template: str, context: dict[str, Any], title: str
) -> OutboundMessage:
    """Queue a postal letter: `letters/<template>.html` rendered as a PDF, kept in the outbox."""
    context = {
        **context,
        "brand": settings.PORTAL_BRAND,
        "site_url": settings.SITE_URL,
        "address_lines": address_lines,
    }
    pdf = render_pdf(f"letters/{template}.html", context, title=title)
    message = OutboundMessage(
        channel=Channel.LETTER,
        recipient="\n".join(address_lines),
        subject=title,
        body_text=render_to_string(f"letters/{template}.txt", context),
        template=template,
    )
    message.attachment.save(f"{template}.pdf", ContentFile(pdf), save=False)
    message.save()
    transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message
