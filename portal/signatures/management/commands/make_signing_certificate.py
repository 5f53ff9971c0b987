from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.signatures.certificates import (
    CERT_NAME,
    KEY_NAME,
    IncompleteKeyPair,
    make_signing_certificate,
)


class Command(BaseCommand):
    help = (
        "Make a self-signed signing key and certificate (demo and tests only) at "
        "SIGNING_KEY_FILE and SIGNING_CERT_FILE, or in --dir; does nothing if they exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, help=f"write {KEY_NAME} and {CERT_NAME} in this directory"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError(
                "Un certificat auto-signé est refusé en production : utilisez le certificat "
                "de la mutuelle (SIGNING_CERT_FILE)."
            )
        directory: Path | None = options["dir"]
        key_file = directory / KEY_NAME if directory else Path(settings.SIGNING_KEY_FILE)
        cert_file = directory / CERT_NAME if directory else Path(settings.SIGNING_CERT_FILE)
        try:
            made = make_signing_certificate(
                key_file=key_file,
                cert_file=cert_file,
                passphrase=settings.SIGNING_KEY_PASSPHRASE,
                organization=settings.PORTAL_BRAND["insurer_name"],
            )
        except IncompleteKeyPair as error:
            raise CommandError(str(error)) from error
        if made:
            self.stdout.write(f"Certificat de signature créé : {cert_file}")
        else:
            self.stdout.write(f"Certificat de signature déjà présent : {cert_file}")
