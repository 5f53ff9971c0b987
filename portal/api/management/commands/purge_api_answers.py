from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.api.idempotency import purge_answers


class Command(BaseCommand):
    help = (
        "Daily: delete the API answers kept for their Idempotency-Key longer than "
        "API_IDEMPOTENCY_HOURS (48). Run from cron or a systemd timer."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_answers(timezone.now())
        self.stdout.write(f"{deleted} réponse(s) d'appel idempotent supprimée(s).")
