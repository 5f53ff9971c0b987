"""Record the remote assistances that time or the signature ended (run every few minutes)."""

from typing import Any

from django.core.management.base import BaseCommand

from portal.assistance.services import end_finished_sessions


class Command(BaseCommand):
    help = "Enregistre la fin des assistances à distance expirées ou dont l'adhésion est signée."

    def handle(self, *args: Any, **options: Any) -> None:
        recorded = end_finished_sessions()
        self.stdout.write(f"{recorded} assistance(s) à distance terminée(s).")
