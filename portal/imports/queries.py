"""What the confirmation page shows of an import's rejected rows: the correction table (a cell
per column, the problems beside their cell) and each row's history across corrections."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Prefetch

from portal.imports.columns import COLUMNS, Column
from portal.imports.models import ImportBatch, ImportRow, ImportRowAttempt
from portal.imports.processing import describe


@dataclass(frozen=True)
class Cell:
    """One input of the table: the value last typed and the messages of its problems."""

    column: Column
    name: str  # the input's name: "row-<id>-<key>"
    value: str
    messages: list[str]


@dataclass(frozen=True)
class Version:
    """One version of a row in its history."""

    attempt: ImportRowAttempt
    messages: list[str]


@dataclass(frozen=True)
class RejectedRow:
    row: ImportRow
    name: str  # "NOM Prénom", or "Ligne N" when the row has no name
    cells: list[Cell]
    # Problems that are about no column of the file (e.g. the insured group), described.
    row_messages: list[str]
    history: list[Version]

    @property
    def invalid(self) -> bool:
        return any(cell.messages for cell in self.cells) or bool(self.row_messages)


def field_name(row: ImportRow, key: str) -> str:
    """The name of a cell's input in the correction form."""
    return f"row-{row.pk}-{key}"


def _name(raw: Mapping[str, str], number: int) -> str:
    name = f"{raw.get('last_name', '').strip().upper()} {raw.get('first_name', '').strip()}"
    return name.strip() or f"Ligne {number}"


def _rows(batch: ImportBatch, *, declared: bool, limit: int) -> list[ImportRow]:
    attempts = ImportRowAttempt.objects.select_related("by").order_by("at", "pk")
    return list(
        ImportRow.objects.filter(batch=batch, declared_at__isnull=not declared)
        .select_related("declared_by")
        .prefetch_related(Prefetch("attempts", queryset=attempts))
        .order_by("number")[:limit]
    )


def _history(row: ImportRow) -> list[Version]:
    return [
        Version(attempt, [describe(problem) for problem in attempt.problems])
        for attempt in row.attempts.all()
    ]


def rejected_rows(batch: ImportBatch, limit: int) -> list[RejectedRow]:
    """The first `limit` rows still rejected, as the correction table shows them."""
    found = []
    keys = {column.key for column in COLUMNS}
    for row in _rows(batch, declared=False, limit=limit):
        raw = json.loads(row.raw)
        cells = [
            Cell(
                column,
                field_name(row, column.key),
                raw.get(column.key, ""),
                [p["message"] for p in row.errors if p["field"] == column.key],
            )
            for column in COLUMNS
        ]
        others = [describe(p) for p in row.errors if p["field"] not in keys]
        found.append(RejectedRow(row, _name(raw, row.number), cells, others, _history(row)))
    return found


@dataclass(frozen=True)
class CorrectedRow:
    row: ImportRow
    name: str
    history: list[Version]


def corrected_rows(batch: ImportBatch, limit: int) -> list[CorrectedRow]:
    """The first `limit` rejected rows since corrected and declared, with their history."""
    return [
        CorrectedRow(row, _name(json.loads(row.raw), row.number), _history(row))
        for row in _rows(batch, declared=True, limit=limit)
    ]
