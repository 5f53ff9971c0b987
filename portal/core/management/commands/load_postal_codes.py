from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.core.addresses import POSTAL_CODES_FILE
from portal.core.postal import load_postal_codes


class Command(BaseCommand):
    help = "Replace the postal code ↔ commune table with the shipped list (or a newer file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(POSTAL_CODES_FILE))

    def handle(self, *args: Any, **options: Any) -> None:
        count = load_postal_codes(Path(options["path"]))
        self.stdout.write(f"{count} codes postaux chargés.")
