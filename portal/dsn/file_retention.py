"""How long DSN files and their reports are kept (portal/core/retention.py)."""

from django.db.models import Q

from portal.core.retention import FileKind, register
from portal.dsn.models import DsnDeclaration, DsnFile, DsnFileStatus

register(
    FileKind("refused_upload", DsnFile, "file", "finished_at", Q(status=DsnFileStatus.REFUSED)),
    FileKind("import_file", DsnFile, "file", "finished_at", Q(status=DsnFileStatus.DONE)),
    FileKind("import_file", DsnFile, "crm", "finished_at"),
    FileKind("import_file", DsnDeclaration, "crm", "file__finished_at"),
)
