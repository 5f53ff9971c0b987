"""Letters at rest: encrypted, read back by the outbox, deleted 90 days after queued."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from portal.core.models import AuditEvent
from portal.notifications.models import Channel, MessageStatus, OutboundMessage

LETTER = b"%PDF-1.7 Mot de passe provisoire : Xq7-Provisoire"


def letter(status: str) -> OutboundMessage:
    message = OutboundMessage(
        channel=Channel.LETTER, recipient="Awa N'DIAYE", template="welcome_letter", status=status
    )
    message.attachment.save("identifiant.pdf", ContentFile(LETTER), save=False)
    message.save()
    return message


@pytest.mark.django_db
def test_a_sent_letter_is_encrypted_read_back_then_deleted_after_90_days(
    media_root: Path,
) -> None:
    sent = letter(MessageStatus.SENT)
    pending = letter(MessageStatus.PENDING)
    path = media_root / str(sent.attachment.name)
    assert b"provisoire" not in path.read_bytes()
    with sent.attachment.open("rb") as handle:
        assert handle.read() == LETTER

    with time_machine.travel(timezone.now() + timedelta(days=89), tick=False):
        call_command("purge_files", stdout=io.StringIO())
    assert path.exists()
    out = io.StringIO()
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        call_command("purge_files", stdout=out)

    assert out.getvalue().startswith("letter: 1 fichier(s) supprimé(s)\n")
    sent.refresh_from_db()
    pending.refresh_from_db()
    assert sent.attachment.name == ""
    assert pending.attachment.name != ""  # not sent yet: kept
    assert not path.exists()
    assert AuditEvent.objects.get(action="file_deleted").details == {
        "kind": "letter",
        "field": "attachment",
        "name": path.relative_to(media_root).as_posix(),
    }
