"""How long import files are kept (portal/core/retention.py, FILE_RETENTION_DAYS)."""

from django.db.models import Q

from portal.core.retention import FileKind, register
from portal.imports.models import ImportBatch, ImportStatus

register(
    FileKind("refused_upload", ImportBatch, "file", "finished_at", Q(status=ImportStatus.REFUSED)),
    FileKind("import_file", ImportBatch, "file", "finished_at", Q(status=ImportStatus.DONE)),
    FileKind("import_file", ImportBatch, "rejection_file", "finished_at"),
)
