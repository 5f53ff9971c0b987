"""Messages stored before secrets were sealed (issue 12.1) held their links, codes and
provisional-password PDFs in clear: redact them. A message still waiting for delivery keeps its
full content sealed, as a new one would."""

import base64
import json
import re

from django.db import migrations

LINK = re.compile(r"https?://[^\s\"'<>]*/(?:mot-de-passe|adhesion)/[^/\s\"'<>]+/")
CODE = re.compile(r"\b\d{6}\b")
LINK_TEMPLATES = ["password_reset", "welcome", "invitation", "invitation_reminder"]


def redact_past_secrets(apps, schema_editor):  # type: ignore[no-untyped-def]
    OutboundMessage = apps.get_model("notifications", "OutboundMessage")
    for message in OutboundMessage.objects.filter(template__in=LINK_TEMPLATES).exclude(
        body_text=""
    ):
        redacted = {
            field: LINK.sub("[lien envoyé]", getattr(message, field))
            for field in ("body_text", "body_html")
        }
        _replace(message, redacted)
    for message in OutboundMessage.objects.filter(template="signature_code").exclude(
        body_text=""
    ):
        _replace(message, {"body_text": CODE.sub("[code envoyé]", message.body_text)})
    for message in OutboundMessage.objects.filter(template="letter_password").exclude(
        attachment=""
    ):
        if message.status == "pending":
            with message.attachment.open("rb") as handle:
                data = handle.read()
            _seal(message, attachment=(message.attachment.name.rsplit("/", 1)[-1], data))
        message.attachment.storage.delete(message.attachment.name)
        message.attachment = ""
        message.save(update_fields=["attachment", "sealed"])


def _replace(message, redacted):  # type: ignore[no-untyped-def]
    if all(getattr(message, field) == value for field, value in redacted.items()):
        return
    if message.status == "pending":
        _seal(message)
    for field, value in redacted.items():
        setattr(message, field, value)
    message.save(update_fields=[*redacted, "sealed"])


def _seal(message, attachment=None):  # type: ignore[no-untyped-def]
    message.sealed = json.dumps(
        {
            "subject": message.subject,
            "body_text": message.body_text,
            "body_html": message.body_html,
            "attachment": None
            if attachment is None
            else [attachment[0], base64.b64encode(attachment[1]).decode()],
        }
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_sealed_secrets"),
    ]

    operations = [
        migrations.RunPython(redact_past_secrets, migrations.RunPython.noop),
    ]
