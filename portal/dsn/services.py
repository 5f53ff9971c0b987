"""DSN intake events: a file handed in by staff (back office) or a shell (`import_dsn`)."""

from __future__ import annotations

import hashlib
import io
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.dsn.errors import DsnAnomalyError, DsnError
from portal.dsn.models import DsnFile, DsnOutcome
from portal.dsn.outcomes import OutcomeKind
from portal.dsn.tasks import process_dsn_file

CHUNK = 1 << 20


def receive_file(name: str, data: bytes | IO[bytes], by: User | None) -> tuple[DsnFile, bool]:
    """Store a received file once and queue its processing. Returns the file and whether it
    is new: the same content again (same SHA-256) is the file already received, not applied
    again. `data` is the content or a binary stream of it (an upload, an open file): a stream
    is hashed and copied a chunk at a time, never whole in memory."""
    stream: IO[bytes] = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > settings.DSN_MAX_BYTES:
        raise BusinessError(
            DsnError.DSN_FILE_TOO_LARGE, megabytes=settings.DSN_MAX_BYTES // (1024 * 1024)
        )
    hasher = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
    stream.seek(0)
    sha256 = hasher.hexdigest()
    known = DsnFile.objects.filter(sha256=sha256).first()
    if known is not None:
        return known, False
    original = (name or "fichier.dsn").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        # A savepoint: the back office's "Ajouter" runs in its own transaction.
        with transaction.atomic():
            received = DsnFile(original_name=original, sha256=sha256, size=size, uploaded_by=by)
            received.file.save(f"{sha256[:16]}.dsn", File(stream), save=False)
            received.save()
            audit.record(
                AuditAction.DSN_FILE_RECEIVED,
                by=by,
                target=received,
                name=original,
                sha256=sha256,
            )
            transaction.on_commit(lambda: process_dsn_file.enqueue(received.pk))
    except IntegrityError:  # received meanwhile by another door
        received.file.delete(save=False)
        return DsnFile.objects.get(sha256=sha256), False
    return received, True


@transaction.atomic(durable=True)
def mark_anomaly_handled(*, outcome_id: int, by: User) -> DsnOutcome:
    """Staff looked at a DSN anomaly and dealt with it ("Traitée"): it leaves the "Anomalies
    DSN" queue. Of two staff marking it at once, the second is told who did."""
    outcome = (
        DsnOutcome.objects.select_for_update(of=("self",))
        .select_related("declaration", "handled_by")
        .get(pk=outcome_id)
    )
    if outcome.kind != OutcomeKind.ANOMALY:
        raise BusinessError(DsnAnomalyError.NOT_AN_ANOMALY)
    if outcome.handled_at is not None:
        holder = outcome.handled_by.get_full_name() if outcome.handled_by else "un gestionnaire"
        at = timezone.localtime(outcome.handled_at).strftime("%d/%m/%Y à %H:%M")
        raise BusinessError(DsnAnomalyError.ANOMALY_ALREADY_HANDLED, holder=holder, at=at)
    outcome.handled_at = timezone.now()
    outcome.handled_by = by
    outcome.save(update_fields=["handled_at", "handled_by"])
    audit.record(
        AuditAction.DSN_ANOMALY_HANDLED,
        by=by,
        target=outcome,
        company_id=outcome.declaration.company_id,
        code=outcome.code,
    )
    return outcome
