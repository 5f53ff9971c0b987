"""How long the outbox's letters are kept (portal/core/retention.py, FILE_RETENTION_DAYS)."""

from django.db.models import Q

from portal.core.retention import FileKind, register
from portal.notifications.models import MessageStatus, OutboundMessage

# A letter waiting to be sent stays; sent or failed, it is kept for the "letter" period.
register(
    FileKind(
        "letter", OutboundMessage, "attachment", "created_at", ~Q(status=MessageStatus.PENDING)
    ),
)
