from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.tracking.services import run_daily_reminders


class Command(BaseCommand):
    help = (
        "Daily: remind employees who have not enrolled (settings AUTO_REMINDER_*) and record "
        "expired invitation links. Run once a day from cron or a systemd timer."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_daily_reminders(now=timezone.now())
        self.stdout.write(
            f"{report.reminders} relance(s) envoyée(s), {report.expired} lien(s) expiré(s)."
        )
