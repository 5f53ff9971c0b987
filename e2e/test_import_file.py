"""Journey: download the template, fill it, upload it, watch the progress, read the counts,
download the rejection file."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from conftest import make_nir
from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD

# Hired and covered today: within the retroactivity limit whenever the suite runs.
TODAY = timezone.localdate().strftime("%d/%m/%Y")


def test_import_a_file_watch_progress_and_get_the_rejection_file(
    page: Page, demo: None, settings: Any, tmp_path: Path
) -> None:
    # The upload only queues the work, as in production; the worker runs below.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    log_in(page, "rh2@demo.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Ajouter des salariés").click()
    page.get_by_label("Fichier Excel ou structuré").check()
    page.get_by_role("button", name="Poursuivre").click()

    with page.expect_download() as template_info:
        page.get_by_role("link", name="Télécharger le modèle Excel").click()
    assert template_info.value.suggested_filename == "Modele_import_salaries.xlsx"
    workbook = load_workbook(io.BytesIO(template_info.value.path().read_bytes()))
    sheet = workbook["Salariés"]
    lines = [
        [
            "Madame",
            "Durand",
            "Élodie",
            "03/02/1990",
            make_nir("2", "9002", "69123", "045"),
            "",
            "12",
            "rue de la République",
            "",
            "",
            "",
            "69002",
            "Lyon",
            "FRANCE",
            "elodie.durand@example.org",
            "E-1",
            TODAY,
            TODAY,
            "Non",
        ],
        [
            "Monsieur",
            "Martin",
            "Paul",
            "01/01/1980",
            "180017511500199",
            "",
            "3",
            "place Bellecour",
            "",
            "",
            "",
            "69002",
            "Lyon",
            "FRANCE",
            "paul.martin@example.org",
            "E-2",
            TODAY,
            TODAY,
            "Non",
        ],
    ]
    for number, line in enumerate(lines, start=2):
        for column, value in enumerate(line, start=1):
            sheet.cell(row=number, column=column, value=value)
    filled = tmp_path / "salaries.xlsx"
    workbook.save(filled)

    page.get_by_label(re.compile("Groupe d'assurés")).select_option(index=1)
    page.get_by_label(re.compile(r"\+ Ajouter")).set_input_files(str(filled))
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_role("heading", name="Traitement du fichier en cours")).to_be_visible()
    expect(page.locator("progress")).to_be_visible()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    # The page refreshes itself until the work is done.
    expect(page.get_by_role("heading", name="Confirmation des salariés renseignés")).to_be_visible(
        timeout=15_000
    )
    expect(page.get_by_text("✓ 1 salarié validé.")).to_be_visible()
    expect(page.get_by_text("⚠ 1 salarié en erreur :")).to_be_visible()
    expect(page.get_by_role("cell", name="MARTIN Paul")).to_be_visible()
    with page.expect_download() as rejection_info:
        page.get_by_role("link", name="Télécharger le fichier de rejet").click()
    rejected = load_workbook(io.BytesIO(rejection_info.value.path().read_bytes()))["Salariés"]
    rows = [row for row in rejected.iter_rows(values_only=True) if any(row)]
    assert rows[0][-1] == "Erreurs"
    assert rows[1][1] == "Martin"
    assert "Le numéro de sécurité sociale est invalide" in rows[1][-1]

    page.get_by_role("link", name="Terminer").click()
    expect(page.locator(".row").filter(has_text="Élodie DURAND")).to_contain_text("fichier")
