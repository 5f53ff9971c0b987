"""Processing an import file: read, validate each row on the one path, declare in chunks.

Each chunk of rows is declared in one transaction that also marks its rows, so a worker
stopped in the middle resumes where it was without losing or duplicating a row.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.bulk import insert_many
from portal.enrollment.declarations import (
    EmployeeDeclaration,
    PreloadedLookups,
    validate_declaration,
)
from portal.imports.columns import COLUMNS_BY_KEY
from portal.imports.models import ImportBatch, ImportRow, ImportStatus, RowStatus
from portal.imports.reading import FileRefused, ParsedRow, read_rows, write_rejection_xlsx
from portal.tracking.models import Source
from portal.tracking.services import declare_employees

# Problems that concern no column of the file.
OTHER_FIELDS = {"insured_group_id": "Groupe d'assurés"}


def process(batch_id: int, *, max_chunks: int | None = None) -> ImportBatch:
    """Run (or resume) an import: safe to call again at any point.

    `max_chunks` stops after that many chunks (the rest waits for the next call), as a worker
    stopped in the middle would.
    """
    batch = ImportBatch.objects.select_related("company", "insured_group__contract").get(
        pk=batch_id
    )
    if batch.status == ImportStatus.QUEUED:
        _read(batch)
    if batch.status == ImportStatus.DECLARING:
        _declare(batch, max_chunks)
    return batch


def _read(batch: ImportBatch) -> None:
    """Read the file once into rows to declare (or refuse it as a whole)."""
    with batch.file.open("rb") as handle:
        data = handle.read()
    try:
        rows: list[ParsedRow] | None = read_rows(
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
        return
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportStatus.QUEUED:  # another worker read it meanwhile
            batch.status = locked.status
            return
        assert rows is not None
        total = len(rows)
        # Stored a slice at a time, the read rows released as they go: memory stays flat.
        while rows:
            part, rows[:2000] = rows[:2000], []
            insert_many(
                [
                    ImportRow(
                        batch=batch,
                        number=row.number,
                        raw=json.dumps(row.raw),
                        values=json.dumps(_jsonable(row.values)),
                        errors=[p.message for p in row.problems],
                        status=RowStatus.REJECTED if row.problems else RowStatus.PENDING,
                    )
                    for row in part
                ]
            )
        del data
        batch.total_rows = total
        batch.status = ImportStatus.DECLARING
        batch.save(update_fields=["total_rows", "status"])


def _jsonable(values: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def to_declaration(values: dict[str, Any], group: InsuredGroup) -> EmployeeDeclaration:
    def day(key: str) -> date | None:
        value = values.get(key)
        return date.fromisoformat(value) if value else None

    def text(key: str) -> str:
        return str(values.get(key) or "")

    return EmployeeDeclaration(
        civility=text("civility"),
        last_name=text("last_name"),
        first_name=text("first_name"),
        birth_date=day("birth_date"),
        hire_date=day("hire_date"),
        effective_date=day("effective_date"),
        insured_group_id=group.pk,
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


def _declare(batch: ImportBatch, max_chunks: int | None) -> None:
    """Validate and declare the pending rows, one transaction per chunk."""
    pending = ImportRow.objects.filter(batch=batch, status=RowStatus.PENDING)
    emails = []
    for values in pending.values_list("values", flat=True).iterator(chunk_size=5000):
        emails.append(str(json.loads(values).get("email") or ""))
    lookups = PreloadedLookups(batch.company, emails)
    today = timezone.localdate()
    chunk = settings.IMPORT_CHUNK_ROWS
    done = 0
    while True:
        if max_chunks is not None and done >= max_chunks:
            return
        done += 1
        rows = list(pending.order_by("number")[:chunk])
        if not rows:
            break
        with transaction.atomic():
            # Serialises with the form: the duplicate checks see every declared employee.
            Company.objects.select_for_update().filter(pk=batch.company_id).first()
            accepted: list[tuple[ImportRow, EmployeeDeclaration]] = []
            for row in rows:
                declaration = to_declaration(json.loads(row.values), batch.insured_group)
                result = validate_declaration(
                    declaration, company=batch.company, today=today, lookups=lookups
                )
                if result.ok:
                    lookups.accept(declaration, f"{declaration.first_name} {declaration.last_name}")
                    accepted.append((row, declaration))
                else:
                    row.status = RowStatus.REJECTED
                    row.errors = [
                        f"Colonne « {_label(p.field)} » : {p.message}" for p in result.errors
                    ]
            requests = (
                declare_employees(
                    company=batch.company,
                    declarations=[d for _, d in accepted],
                    source=Source.FILE,
                    by=batch.created_by,
                )
                if accepted
                else []
            )
            # Two statements per chunk: one for the declared rows, one per rejected row.
            ImportRow.objects.filter(pk__in=[row.pk for row, _ in accepted]).update(
                status=RowStatus.DECLARED
            )
            for row in rows:
                if row.status == RowStatus.REJECTED:
                    ImportRow.objects.filter(pk=row.pk).update(
                        status=RowStatus.REJECTED, errors=row.errors
                    )
            del requests
            _count(batch)
    _finish(batch)


def _count(batch: ImportBatch) -> None:
    counts = dict(
        ImportRow.objects.filter(batch=batch)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    batch.declared_count = counts.get(RowStatus.DECLARED, 0)
    batch.rejected_count = counts.get(RowStatus.REJECTED, 0)
    batch.processed_rows = batch.declared_count + batch.rejected_count
    batch.save(update_fields=["declared_count", "rejected_count", "processed_rows"])


def _finish(batch: ImportBatch) -> None:
    _count(batch)
    if batch.rejected_count and not batch.rejection_file:
        rejected = ImportRow.objects.filter(batch=batch, status=RowStatus.REJECTED).order_by(
            "number"
        )
        content = write_rejection_xlsx(
            (json.loads(row.raw), row.errors) for row in rejected.iterator(chunk_size=2000)
        )
        stem = batch.filename.rsplit(".", 1)[0]
        batch.rejection_file.save(f"{stem}-rejet.xlsx", ContentFile(content), save=False)
    batch.status = ImportStatus.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["rejection_file", "status", "finished_at"])
    audit.record(
        "import_finished",
        by=batch.created_by,
        target=batch,
        company_id=batch.company_id,
        declared=batch.declared_count,
        rejected=batch.rejected_count,
    )


def preview(batch: ImportBatch, limit: int = 20) -> list[tuple[str, str]]:
    """ "Nom et Prénom du salarié | Nature de l'erreur" for the first rejected rows."""
    lines = []
    for row in ImportRow.objects.filter(batch=batch, status=RowStatus.REJECTED).order_by("number")[
        :limit
    ]:
        raw = json.loads(row.raw)
        name = f"{raw.get('last_name', '').upper()} {raw.get('first_name', '')}".strip()
        lines.append((name or f"Ligne {row.number}", " ; ".join(row.errors)))
    return lines
