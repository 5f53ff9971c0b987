"""Processing an import file: read, validate each row on the one path, declare in chunks.

Each chunk of rows is declared in one transaction that also moves the batch's position in
the file (`processed_rows`) and stores the chunk's rejected rows. A worker stopped in the
middle reads the file again and resumes at that position: no row is lost or declared twice.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.companies.models import Company, InsuredGroup
from portal.core import audit, jobs
from portal.core.audit import AuditAction
from portal.core.bulk import insert_rows
from portal.core.errors import Problem
from portal.enrollment.declarations import (
    EmployeeDeclaration,
    PreloadedLookups,
    validate_one_of_many,
)
from portal.imports.columns import COLUMNS_BY_KEY
from portal.imports.errors import CELL_CODES
from portal.imports.models import ImportBatch, ImportCorrection, ImportRow, ImportStatus
from portal.imports.reading import (
    EmployeeFile,
    FileRefused,
    ParsedRow,
    open_file,
    write_rejection_xlsx,
)
from portal.tracking.models import Source
from portal.tracking.services import declare_employees

# Problems that concern no column of the file.
OTHER_FIELDS = {"insured_group_ids": "Groupe d'assurés"}


def process(batch_id: int, *, max_chunks: int | None = None) -> ImportBatch:
    """Run (or resume) an import: safe to call again at any point, even concurrently.

    `max_chunks` stops after that many chunks (the rest waits for the next call), as a worker
    stopped in the middle would.
    """
    batch = ImportBatch.objects.select_related("company", "insured_group__contract").get(
        pk=batch_id
    )
    if not batch.running:
        return batch
    with batch.file.open("rb") as handle:
        data = handle.read()
    try:
        employees = open_file(
            data,
            batch.filename,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_bytes=settings.IMPORT_MAX_BYTES,
        )
    except FileRefused as refused:
        batch.status = ImportStatus.REFUSED
        batch.refusal = refused.message
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "refusal", "finished_at"])
        return batch
    del data
    if batch.status == ImportStatus.QUEUED:
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.QUEUED).update(
            status=ImportStatus.DECLARING, total_rows=employees.count
        )
        batch.refresh_from_db(fields=["status", "total_rows"])
    if batch.status == ImportStatus.DECLARING:
        _declare(batch, employees, max_chunks)
    return batch


def to_declaration(values: dict[str, Any], groups: list[InsuredGroup]) -> EmployeeDeclaration:
    def day(key: str) -> date | None:
        value = values.get(key)
        return value if isinstance(value, date) else None

    def text(key: str) -> str:
        return str(values.get(key) or "")

    return EmployeeDeclaration(
        civility=text("civility"),
        last_name=text("last_name"),
        first_name=text("first_name"),
        birth_date=day("birth_date"),
        hire_date=day("hire_date"),
        effective_date=day("effective_date"),
        insured_group_ids=[g.pk for g in groups],
        alsace_moselle=values.get("alsace_moselle"),
        nir=text("nir"),
        fund_code=text("fund_code"),
        street_number=text("street_number"),
        street_name=text("street_name"),
        staircase_floor=text("staircase_floor"),
        building=text("building"),
        locality=text("locality"),
        postal_code=text("postal_code"),
        city=text("city"),
        country=text("country") or "FRANCE",
        email=text("email"),
        employee_number=text("employee_number"),
    )


def _label(field_name: str) -> str:
    column = COLUMNS_BY_KEY.get(field_name)
    return column.header if column else OTHER_FIELDS.get(field_name, field_name)


def describe(problem: Mapping[str, str]) -> str:
    """A stored `{field, code, message}` as the rejection file and the preview show it: a
    cell's message names its column and line already; a rule's is prefixed with its column."""
    if problem["code"] in CELL_CODES or not problem["field"]:
        return problem["message"]
    return f"Colonne « {_label(problem['field'])} » : {problem['message']}"


def _declare(batch: ImportBatch, employees: EmployeeFile, max_chunks: int | None) -> None:
    """Validate and declare the rows after the batch's position, one transaction per chunk."""
    start = batch.processed_rows
    lookups = PreloadedLookups(batch.company)
    today = timezone.localdate()
    groups = batch.groups
    rows = employees.rows(skip=start)
    chunks = 0
    while part := list(itertools.islice(rows, settings.IMPORT_CHUNK_ROWS)):
        if max_chunks is not None and chunks >= max_chunks:
            return
        chunks += 1
        with transaction.atomic(durable=True):  # one chunk, one commit: resumable after it
            # Serialises with the form: the duplicate checks see every declared employee.
            Company.objects.select_for_update().filter(pk=batch.company_id).first()
            lookups.refresh(str(row.values.get("email") or "") for row in part)
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != ImportStatus.DECLARING or locked.processed_rows != start:
                return  # another worker is on this file
            accepted: list[EmployeeDeclaration] = []
            rejected: list[tuple[int, int, str, list[dict[str, str]]]] = []
            corrected: list[tuple[int, int, str, list[dict[str, str]]]] = []
            for row in part:
                declaration, errors = check_row(row, batch, groups, today, lookups)
                if declaration is not None:
                    accepted.append(declaration)
                    if errors:  # the corrections the report shows
                        name = f"{declaration.last_name.upper()} {declaration.first_name}"
                        warnings = [problem.as_dict() for problem in errors]
                        corrected.append((batch.pk, row.number, name, warnings))
                else:
                    stored = [problem.as_dict() for problem in errors]
                    rejected.append((batch.pk, row.number, json.dumps(row.raw), stored))
            if accepted:
                declared = declare_employees(
                    company=batch.company,
                    declarations=accepted,
                    source=Source.FILE,
                    by=batch.created_by,
                )
                lookups.seen(max(d.employee_id for d in declared))
            insert_rows(ImportRow, ["batch_id", "number", "raw", "errors"], rejected)
            insert_rows(ImportCorrection, ["batch_id", "number", "name", "warnings"], corrected)
            start += len(part)
            batch.processed_rows = start
            batch.declared_count = locked.declared_count + len(accepted)
            batch.rejected_count = locked.rejected_count + len(rejected)
            batch.save(update_fields=["processed_rows", "declared_count", "rejected_count"])
            jobs.renew()  # the worker still holds the file
    _finish(batch)


def check_row(
    row: ParsedRow,
    batch: ImportBatch,
    groups: list[InsuredGroup],
    today: date,
    lookups: PreloadedLookups,
) -> tuple[EmployeeDeclaration | None, list[Problem]]:
    """The row's declaration if every rule accepts it, with its corrections; else its
    problems (cells first): the one check of a row, from the file or corrected in the browser
    (`services.correct_rows`). An accepted address is normalised like the form's confirmed one
    (AFNOR, official commune and INSEE code)."""
    if row.problems:
        return None, list(row.problems)
    declaration = to_declaration(row.values, groups)
    return validate_one_of_many(declaration, company=batch.company, today=today, lookups=lookups)


def _finish(batch: ImportBatch) -> None:
    if batch.rejected_count and not batch.rejection_file:
        save_rejection_file(batch)
    batch.status = ImportStatus.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["rejection_file", "status", "finished_at"])
    audit.record(
        AuditAction.IMPORT_FINISHED,
        by=batch.created_by,
        target=batch,
        company_id=batch.company_id,
        declared=batch.declared_count,
        rejected=batch.rejected_count,
    )


def save_rejection_file(batch: ImportBatch) -> None:
    """Write the batch's rejection file (the caller saves the batch): its rows still rejected,
    as last typed (in the file or corrected in the browser), with their problems."""
    rejected = ImportRow.objects.filter(batch=batch, declared_at=None).order_by("number")
    content = write_rejection_xlsx(
        (json.loads(row.raw), [describe(problem) for problem in row.errors])
        for row in rejected.iterator(chunk_size=2000)
    )
    stem = batch.filename.rsplit(".", 1)[0]
    batch.rejection_file.save(f"{stem}-rejet.xlsx", ContentFile(content), save=False)


def corrections(batch: ImportBatch, limit: int = 20) -> list[tuple[str, str]]:
    """ "Nom et Prénom du salarié | Correction" for the first rows declared corrected."""
    return [
        (row.name, " ; ".join(describe(problem) for problem in row.warnings))
        for row in ImportCorrection.objects.filter(batch=batch).order_by("number")[:limit]
    ]


def preview(batch: ImportBatch, limit: int = 20) -> list[tuple[str, str]]:
    """ "Nom et Prénom du salarié | Nature de l'erreur" for the first rejected rows."""
    lines = []
    for row in ImportRow.objects.filter(batch=batch, declared_at=None).order_by("number")[:limit]:
        raw = json.loads(row.raw)
        name = f"{raw.get('last_name', '').upper()} {raw.get('first_name', '')}".strip()
        shown = " ; ".join(describe(problem) for problem in row.errors)
        lines.append((name or f"Ligne {row.number}", shown))
    return lines
