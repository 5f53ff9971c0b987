from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.backoffice.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data set (demo environment only; safe to run twice)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Les données de démonstration sont refusées en production.")
        load_demo()
        self.stdout.write("Données de démonstration chargées.")
