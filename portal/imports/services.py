"""Import events: a correspondent (or staff, or a shell) hands in a file of employees, then
corrects its rejected rows in the browser."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from portal.accounts.models import User
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError, Problem
from portal.core.transactions import files_removed_on_error
from portal.enrollment.declarations import EmployeeDeclaration, PreloadedLookups
from portal.imports import processing, reading
from portal.imports.columns import COLUMNS
from portal.imports.errors import ImportFileError
from portal.imports.models import (
    AttemptOutcome,
    AttemptSource,
    ImportBatch,
    ImportCorrection,
    ImportRow,
    ImportRowAttempt,
    ImportStatus,
)
from portal.imports.reading import ParsedRow
from portal.imports.tasks import process_import
from portal.tracking.models import Source
from portal.tracking.services import declare_employees


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


# "Valider les corrections": at most this many rows at once (the table shows as many).
CORRECTION_MAX_ROWS = 25


@dataclass(frozen=True)
class CorrectionResult:
    """What became of the rows of one "Valider les corrections", by line number."""

    declared: list[int]
    rejected: list[int]
    already_declared: list[int]


@transaction.atomic(durable=True)
def correct_rows(
    *,
    batch: ImportBatch,
    typed: Mapping[int, Mapping[str, str]],
    by: User,
    today: date | None = None,
) -> CorrectionResult:
    """Rejected rows corrected in the browser ("Valider les corrections"): each is read and
    checked as a file's row (`reading.read_typed`, `processing.check_row`), those accepted are
    declared as the file's are (`declare_employees`, source "fichier") and leave the rejected
    rows, the others keep their new problems. Every row keeps a version per correction.

    `typed`: row id -> column key -> text, for rows of `batch` (other ids are ignored). One
    transaction under the company's lock (as a file's chunk: the duplicate checks see every
    declared employee) and the rows' locks: a row already declared, by a double submit or
    another tab, is never declared again. A row sent unchanged is not checked again."""
    Company.objects.select_for_update().filter(pk=batch.company_id).first()
    batch = (
        ImportBatch.objects.select_for_update()
        .select_related("company", "insured_group__contract")
        .get(pk=batch.pk)
    )
    if batch.status != ImportStatus.DONE:
        raise BusinessError(ImportFileError.IMPORT_STILL_RUNNING)
    ids = sorted(typed)[:CORRECTION_MAX_ROWS]
    rows = list(
        ImportRow.objects.select_for_update().filter(batch=batch, pk__in=ids).order_by("number")
    )
    if not rows:
        raise BusinessError(ImportFileError.CORRECTION_NOTHING_SENT)
    now = timezone.now()
    already = [row.number for row in rows if row.declared]
    changed: list[tuple[ImportRow, ParsedRow]] = []
    for row in rows:
        submitted = {column.key: typed[row.pk].get(column.key, "") for column in COLUMNS}
        stored = json.loads(row.raw)
        if not row.declared and submitted != {key: stored.get(key, "") for key in submitted}:
            changed.append((row, reading.read_typed(row.number, submitted)))
    accepted = _check_and_declare(batch, changed, by=by, now=now, today=today)
    result = CorrectionResult(
        declared=[row.number for row in accepted],
        rejected=[row.number for row, _ in changed if not row.declared],
        already_declared=already,
    )
    audit.record(
        AuditAction.IMPORT_ROWS_CORRECTED,
        by=by,
        target=batch,
        company_id=batch.company_id,
        declared=result.declared,
        rejected=result.rejected,
        already_declared=already,
    )
    return result


def _check_and_declare(
    batch: ImportBatch,
    changed: list[tuple[ImportRow, ParsedRow]],
    *,
    by: User,
    now: datetime,
    today: date | None,
) -> list[ImportRow]:
    """Check the rows sent changed, declare those accepted, store a version of each, move the
    counts and the rejection file; the rows declared."""
    if not changed:
        return []
    _remember_the_file(batch, [row for row, _ in changed])
    lookups = PreloadedLookups(
        batch.company,
        postal_codes=[str(p.values.get("postal_code") or "") for _, p in changed],
    )
    lookups.refresh(str(p.values.get("email") or "") for _, p in changed)
    groups = batch.groups
    today = today or timezone.localdate()
    accepted: list[tuple[ImportRow, EmployeeDeclaration, list[Problem]]] = []
    attempts: list[ImportRowAttempt] = []
    for row, parsed in changed:
        declaration, problems = processing.check_row(parsed, batch, groups, today, lookups)
        row.raw = json.dumps(parsed.raw)
        if declaration is None:
            row.errors = [problem.as_dict() for problem in problems]
            attempts.append(_attempt(row, by, now, AttemptOutcome.REJECTED, row.errors))
        else:
            accepted.append((row, declaration, problems))
    declared = (
        declare_employees(
            company=batch.company,
            declarations=[declaration for _, declaration, _ in accepted],
            source=Source.FILE,
            by=by,
            now=now,
        )
        if accepted
        else []
    )
    for (row, declaration, warnings), done in zip(accepted, declared, strict=True):
        row.errors = []
        row.declared_at, row.declared_by, row.request_id = now, by, done.request_id
        attempts.append(_attempt(row, by, now, AttemptOutcome.DECLARED, []))
        if warnings:  # "Adresses corrigées", as for the file's rows
            ImportCorrection.objects.create(
                batch=batch,
                number=row.number,
                name=f"{declaration.last_name.upper()} {declaration.first_name}",
                warnings=[problem.as_dict() for problem in warnings],
            )
    ImportRow.objects.bulk_update(
        [row for row, _ in changed], ["raw", "errors", "declared_at", "declared_by", "request"]
    )
    ImportRowAttempt.objects.bulk_create(attempts)
    batch.declared_count += len(accepted)
    batch.rejected_count -= len(accepted)
    with files_removed_on_error() as written:
        _rewrite_rejection_file(batch, written)
        batch.save(update_fields=["declared_count", "rejected_count", "rejection_file"])
    return [row for row, _, _ in accepted]


def _attempt(
    row: ImportRow, by: User, now: datetime, outcome: AttemptOutcome, problems: list[Any]
) -> ImportRowAttempt:
    return ImportRowAttempt(
        row=row,
        at=now,
        by=by,
        source=AttemptSource.CORRECTION,
        raw=row.raw,
        problems=problems,
        outcome=outcome,
    )


def _remember_the_file(batch: ImportBatch, rows: list[ImportRow]) -> None:
    """Before a row's first correction, its version from the file (who imported it, when,
    what it said, why it was rejected) becomes the first of its history."""
    known = set(
        ImportRowAttempt.objects.filter(row__in=rows).values_list("row_id", flat=True).distinct()
    )
    ImportRowAttempt.objects.bulk_create(
        ImportRowAttempt(
            row=row,
            at=batch.finished_at or batch.created_at,
            by=batch.created_by,
            source=AttemptSource.FILE,
            raw=row.raw,
            problems=row.errors,
            outcome=AttemptOutcome.REJECTED,
        )
        for row in rows
        if row.pk not in known
    )


def _rewrite_rejection_file(batch: ImportBatch, written: list[FieldFile]) -> None:
    """The rejection file follows the rows still rejected, as last corrected; once none is
    left, it goes. A file removed at the end of its retention is not written again."""
    if not batch.rejection_file:
        return
    old = batch.rejection_file.name or ""
    storage = batch.rejection_file.storage
    if batch.rejected_count:
        processing.save_rejection_file(batch)
        written.append(batch.rejection_file)
    else:
        batch.rejection_file = None
    transaction.on_commit(lambda: storage.delete(old))
