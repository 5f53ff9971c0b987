"""Prepare the SEPA debit runs (run daily by cron): one due date, or all those in the window."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.billing import rules
from portal.billing.models import DebitRun, RunStatus
from portal.billing.services import prepare_run
from portal.core.errors import BusinessError


class Command(BaseCommand):
    help = (
        "Prépare le prélèvement d'une date d'échéance (--due-date AAAA-MM-JJ), ou, sans date, "
        "de chaque échéance à venir entre le délai de pré-notification et la fenêtre de "
        "préparation (SEPA_PRENOTIFICATION_DAYS, SEPA_PREPARE_WINDOW_DAYS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--due-date", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, due_date: date | None, **options: Any) -> None:
        today = timezone.localdate()
        if due_date is not None:
            dates = [due_date]
        else:
            first = rules.earliest_due_date(today, settings.SEPA_PRENOTIFICATION_DAYS)
            last = rules.earliest_due_date(first, settings.SEPA_PREPARE_WINDOW_DAYS)
            sent = set(
                DebitRun.objects.filter(
                    due_date__range=(first, last), status=RunStatus.DOWNLOADED
                ).values_list("due_date", flat=True)
            )
            dates = [d for d in rules.due_dates_between(first, last) if d not in sent]
        for day in dates:
            try:
                run = prepare_run(due_date=day, by=None, today=today)
            except BusinessError as error:
                raise CommandError(" ".join(p.message for p in error.problems)) from error
            self.stdout.write(
                f"{day:%d/%m/%Y} : {run.line_count} prélèvement(s), "
                f"{run.total_cents / 100:.2f} € au total."
            )
