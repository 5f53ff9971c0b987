from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.core.errors import BusinessError
from portal.dsn import processing, services
from portal.dsn.models import DsnFileStatus


class Command(BaseCommand):
    help = (
        "Take in DSN files (as the back office's 'Fichiers DSN' does) and process them here, "
        "without the worker; prints each file's status and counts. A file already received "
        "(same SHA-256) is not applied again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(name) for name in options["files"]]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
        for path in paths:
            try:
                with path.open("rb") as handle:  # streamed, never whole in memory
                    received, new = services.receive_file(path.name, handle, None)
            except BusinessError as error:
                raise CommandError(f"{path.name} : {error.message}") from error
            received = processing.process(received.pk)
            known = "" if new else " (déjà reçu : non intégré une seconde fois)"
            self.stdout.write(f"{path.name} : {received.get_status_display()}{known}")
            if received.status == DsnFileStatus.REFUSED:
                self.stdout.write(f"  {received.refusal}")
                continue
            self.stdout.write(
                f"  {received.declarations_done}/{received.declarations_total} déclaration(s)"
                f"{' de test' if received.test else ''}, {received.individual_count} "
                f"individu(s) : {received.affiliation_count} affiliation(s), "
                f"{received.termination_count} résiliation(s), {received.change_count} "
                f"changement(s), {received.anomaly_count} anomalie(s), "
                f"{received.rejected_count} rejet(s)"
            )
