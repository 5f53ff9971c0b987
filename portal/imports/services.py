"""Import events: a correspondent (or staff, or a shell) hands in a file of employees."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from portal.accounts.models import User
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.imports.models import ImportBatch
from portal.imports.tasks import process_import


@transaction.atomic
def start_import(
    *, company: Company, group: InsuredGroup, upload: UploadedFile[bytes], by: User | None
) -> ImportBatch:
    """Store the uploaded file and queue its processing (the page then shows the progress)."""
    if group.contract.company_id != company.pk:
        raise BusinessError(
            "group_unknown", "Ce groupe d'assurés n'existe pas pour votre entreprise."
        )
    if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
        raise BusinessError(
            "too_large",
            f"Le fichier pèse plus de {settings.IMPORT_MAX_BYTES // (1024 * 1024)} Mo : "
            "répartissez vos salariés dans plusieurs fichiers.",
        )
    name = (upload.name or "fichier").replace("\\", "/").rsplit("/", 1)[-1][:200]
    batch = ImportBatch(company=company, insured_group=group, created_by=by, filename=name)
    batch.file.save(name, upload, save=False)
    batch.save()
    audit.record(AuditAction.IMPORT_STARTED, by=by, target=batch, company_id=company.pk)
    transaction.on_commit(lambda: process_import.enqueue(batch.pk))
    return batch
