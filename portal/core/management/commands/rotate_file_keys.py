"""After a new key is put first in FIELD_ENCRYPTION_KEYS: encrypt every stored file with it."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.files import reencrypt_files


class Command(BaseCommand):
    help = "Chiffre à nouveau les fichiers stockés avec la clé la plus récente."

    def handle(self, *args: Any, **options: Any) -> None:
        count = reencrypt_files(default_storage)
        audit.record(AuditAction.FILE_KEYS_ROTATED, files=count)
        self.stdout.write(f"{count} fichier(s) chiffré(s) à nouveau avec la clé la plus récente")
