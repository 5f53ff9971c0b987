"""Import files at rest: encrypted, served by the access-checked view, deleted on schedule."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_nir, text
from portal.companies.models import Company
from portal.core.models import AuditEvent
from portal.imports.models import ImportBatch, ImportStatus
from portal.imports.tests.test_import_flow import rows, upload, xlsx_from_template


def purge(now: Any) -> str:
    out = io.StringIO()
    with time_machine.travel(now, tick=False):
        call_command("purge_files", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_and_rejection_files_are_encrypted_then_deleted_after_the_grace_period(
    client_a: Client,
    company_a: Company,
    media_root: Path,
) -> None:
    upload(
        client_a,
        company_a,
        "salaries.xlsx",
        xlsx_from_template(client_a, company_a, rows(3, bad_nir_at=1)),
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.DONE and batch.finished_at is not None
    stored = [media_root / str(batch.file.name), media_root / str(batch.rejection_file.name)]
    for path in stored:
        assert b"Salari" not in path.read_bytes()  # xlsx is a zip: no readable member names
        assert not path.read_bytes().startswith(b"PK")
    rejection = client_a.get(reverse("imports:rejection_file", args=[company_a.pk, batch.pk]))
    sheet = load_workbook(io.BytesIO(rejection.getvalue()))["Salariés"]
    assert sheet.cell(row=2, column=2).value == "NomBA"

    kept = purge(batch.finished_at + timedelta(days=29))
    assert kept == "orphelins : 0 fichier(s) supprimé(s)\n"
    assert all(path.exists() for path in stored)

    done = purge(batch.finished_at + timedelta(days=31))

    assert done == "import_file: 2 fichier(s) supprimé(s)\norphelins : 0 fichier(s) supprimé(s)\n"
    batch.refresh_from_db()
    assert (batch.file.name, batch.rejection_file.name) == ("", "")
    assert not any(path.exists() for path in stored)
    events = AuditEvent.objects.filter(action="file_deleted").order_by("pk")
    assert [
        (e.target_type, e.target_id, e.details["kind"], e.details["field"]) for e in events
    ] == [
        ("imports.ImportBatch", str(batch.pk), "import_file", "file"),
        ("imports.ImportBatch", str(batch.pk), "import_file", "rejection_file"),
    ]
    page = text(client_a.get(reverse("imports:batch", args=[company_a.pk, batch.pk])))
    assert "Le fichier de rejet n'est plus disponible" in page
    assert "Télécharger le fichier de rejet" not in page
    gone = client_a.get(reverse("imports:rejection_file", args=[company_a.pk, batch.pk]))
    assert gone.status_code == 404


@pytest.mark.django_db
def test_a_refused_import_file_is_deleted_at_the_next_run(
    company_a: Company, media_root: Path
) -> None:
    finished = timezone.now()
    batch = ImportBatch.objects.create(
        company=company_a,
        insured_group=company_a.contracts.get().insured_groups.get(),
        filename="salaries.csv",
        file=SimpleUploadedFile("salaries.csv", make_nir().encode()),
        status=ImportStatus.REFUSED,
        finished_at=finished,
    )
    path = media_root / str(batch.file.name)

    out = purge(finished + timedelta(minutes=1))

    assert out.startswith("refused_upload: 1 fichier(s) supprimé(s)\n")
    batch.refresh_from_db()
    assert batch.file.name == ""
    assert not path.exists()
