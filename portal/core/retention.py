"""Retention of stored files: each app registers its kinds of files in its `file_retention.py`
(found like admin modules, so core imports no app above it); `purge_files` deletes each file
when its kind's period in `FILE_RETENTION_DAYS` has run, and sweeps the files no row references.

rules.md R8.5 (CNIL insurance guidance): contract documents are kept for the adhesion's life plus
the limitation periods (R7.4: 5 years, C. civ. 2224), health data without a contract 2 years
active + 3 years archived; issue 12: refused uploads at once, import files after the import ends
plus a grace period.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction
from django.db.models.fields.files import FileField
from django.utils.module_loading import autodiscover_modules

from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.files import walk


@dataclass(frozen=True)
class FileKind:
    """A kind of stored file: the rows and field holding it, and when its period starts."""

    name: str  # its key in FILE_RETENTION_DAYS
    model: type[models.Model]
    field: str
    since: str  # lookup of the date its period runs from (a row where it is null is kept)
    condition: models.Q = dataclasses.field(default_factory=models.Q)

    @property
    def storage(self) -> Storage:
        file_field = self.model._meta.get_field(self.field)
        assert isinstance(file_field, FileField)
        return file_field.storage


_KINDS: list[FileKind] = []


def register(*kinds: FileKind) -> None:
    _KINDS.extend(kind for kind in kinds if kind not in _KINDS)


def registered_kinds() -> list[FileKind]:
    autodiscover_modules("file_retention")
    return list(_KINDS)


@dataclass
class PurgeReport:
    deleted: dict[str, int] = dataclasses.field(default_factory=dict)  # kind → files deleted
    orphans: int = 0


def purge_files(*, now: datetime.datetime) -> PurgeReport:
    """Delete every file whose retention period has run, then the orphans (see below)."""
    report = PurgeReport()
    for kind in registered_kinds():
        cutoff = now - datetime.timedelta(days=settings.FILE_RETENTION_DAYS[kind.name])
        due = (
            kind.model._default_manager.filter(kind.condition, **{f"{kind.since}__lte": cutoff})
            .exclude(**{kind.field: ""})
            .values_list("pk", kind.field)
        )
        for pk, name in due.iterator():
            if _forget_file(kind, pk, name):
                kind.storage.delete(name)  # once committed: a failure leaves an orphan, swept
                report.deleted[kind.name] = report.deleted.get(kind.name, 0) + 1
    report.orphans = sweep_orphan_files(now=now)
    return report


@transaction.atomic(durable=True)
def _forget_file(kind: FileKind, pk: int, name: str) -> bool:
    """One file's retention ran out: the row forgets it (its pages say the file is gone) and the
    deletion is audited; the caller then deletes it from the storage."""
    updated = kind.model._default_manager.filter(pk=pk, **{kind.field: name}).update(
        **{kind.field: ""}
    )
    if not updated:  # replaced or purged meanwhile
        return False
    audit.record(
        AuditAction.FILE_DELETED,
        target=kind.model(pk=pk),
        kind=kind.name,
        field=kind.field,
        name=name,
    )
    return True


def referenced_names() -> set[str]:
    """Every file name a row of any model holds."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, FileField) and model_field.storage is default_storage:
                rows = model._default_manager.exclude(**{model_field.name: ""})
                names.update(rows.values_list(model_field.name, flat=True))
    return names


def sweep_orphan_files(*, now: datetime.datetime) -> int:
    """Delete the stored files no row references and older than FILE_ORPHAN_GRACE_HOURS: those
    written by a transaction that then rolled back (a file is not transactional), or left by a
    crash. The grace leaves alone a file whose transaction is still running."""
    cutoff = now - datetime.timedelta(hours=settings.FILE_ORPHAN_GRACE_HOURS)
    referenced = referenced_names()
    deleted = 0
    for name in list(walk(default_storage)):
        if name in referenced or default_storage.get_modified_time(name) > cutoff:
            continue
        default_storage.delete(name)
        audit.record(AuditAction.FILE_DELETED, kind="orphan", name=name)
        deleted += 1
    return deleted
