from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.companies.models import Company, InsuredGroup
from portal.core.errors import BusinessError
from portal.imports import processing, services
from portal.imports.models import ImportStatus


class Command(BaseCommand):
    help = (
        "Declare the employees of a file (template xlsx/xls/ods/csv) in insured groups: one "
        "per contract they join (e.g. --group 01ENSP --group PREV01)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--company", required=True, help="SIRET of the company")
        parser.add_argument(
            "--group",
            required=True,
            action="append",
            help="insured group code, e.g. 02ENSP; repeat it for each contract joined",
        )
        parser.add_argument("--rejection", help="where to write the rejection file (xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        company = Company.objects.filter(siret=options["company"]).first()
        if company is None:
            raise CommandError(f"Aucune entreprise avec le SIRET {options['company']}.")
        groups = []
        for code in options["group"]:
            found = list(
                InsuredGroup.objects.filter(contract__company=company, code=code).select_related(
                    "contract"
                )
            )
            if len(found) != 1:
                raise CommandError(
                    f"Groupe d'assurés {code} introuvable (ou ambigu) pour {company.legal_name}."
                )
            groups.append(found[0])
        groups.sort(key=lambda g: (not g.contract.is_health, g.contract.number))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            batch = services.start_import(company=company, groups=groups, upload=upload, by=None)
        except BusinessError as error:
            raise CommandError(error.message) from error
        batch = processing.process(batch.pk)
        if batch.status == ImportStatus.REFUSED:
            raise CommandError(batch.refusal)
        self.stdout.write(
            f"{batch.total_rows} ligne(s) lue(s) : {batch.declared_count} salarié(s) validé(s), "
            f"{batch.rejected_count} en erreur."
        )
        if batch.rejection_file:
            target = Path(options["rejection"] or path.with_name(f"{path.stem}-rejet.xlsx"))
            with batch.rejection_file.open("rb") as handle:
                target.write_bytes(handle.read())
            self.stdout.write(f"Fichier de rejet : {target}")
