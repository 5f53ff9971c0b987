"""Daily: delete the stored files whose retention has run, and the orphans (README "Operating")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.core.retention import purge_files


class Command(BaseCommand):
    help = "Supprime les fichiers dont la durée de conservation est écoulée, et les orphelins."

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge_files(now=timezone.now())
        for kind, count in sorted(report.deleted.items()):
            self.stdout.write(f"{kind}: {count} fichier(s) supprimé(s)")
        self.stdout.write(f"orphelins : {report.orphans} fichier(s) supprimé(s)")
