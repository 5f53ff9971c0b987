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
from portal.imports.errors import ImportFileError
from portal.imports.models import ImportBatch
from portal.imports.tasks import process_import


@transaction.atomic
def start_import(
    *,
    company: Company,
    groups: list[InsuredGroup],
    upload: UploadedFile[bytes],
    by: User | None,
) -> ImportBatch:
    """Store the uploaded file and queue its processing (the page then shows the progress).

    `groups`: the insured groups the file's employees join, at most one per contract, the
    lead (health when chosen) first."""
    contracts = [g.contract_id for g in groups]
    if (
        not groups
        or any(g.contract.company_id != company.pk for g in groups)
        or len(set(contracts)) != len(contracts)
    ):
        raise BusinessError(ImportFileError.IMPORT_GROUP_UNKNOWN)
    group = groups[0]
    if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
        raise BusinessError(
            ImportFileError.UPLOAD_TOO_LARGE, megabytes=settings.IMPORT_MAX_BYTES // (1024 * 1024)
        )
    name = (upload.name or "fichier").replace("\\", "/").rsplit("/", 1)[-1][:200]
    batch = ImportBatch(company=company, insured_group=group, created_by=by, filename=name)
    batch.file.save(name, upload, save=False)
    batch.save()
    batch.other_groups.set(groups[1:])
    audit.record(AuditAction.IMPORT_STARTED, by=by, target=batch, company_id=company.pk)
    transaction.on_commit(lambda: process_import.enqueue(batch.pk))
    return batch
