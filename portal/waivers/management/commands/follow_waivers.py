from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.waivers.ending import follow_waivers


class Command(BaseCommand):
    help = (
        "Daily: the notices of waivers ending within 30 days (30, 15 and 7 days before), and "
        "the waivers past their end without a new proof ended — the employee invited to "
        "enroll, the employer told. Safe to run again the same day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = follow_waivers(today=timezone.localdate())
        self.stdout.write(
            f"{report.notices} avis de fin de dispense envoyé(s), "
            f"{report.ended} dispense(s) terminée(s)."
        )
        if report.failed:
            raise CommandError(
                f"{report.failed} dispense(s) en erreur (voir le journal) : reprises demain."
            )
