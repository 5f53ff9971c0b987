from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from portal.terminations.follow_up import follow_portability


class Command(BaseCommand):
    help = (
        "Daily: ask the former employees under portability for their France Travail proof when "
        "a period begins (e-mail), and close the portabilities whose last day has passed (the "
        "loi Evin offer told). Idempotent: a second run the same day does nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, help="as on this day (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.localdate()
        report = follow_portability(today=today)
        self.stdout.write(
            f"{report.asked} justificatif(s) demandé(s), {report.finished} portabilité(s) "
            "terminée(s)."
        )
