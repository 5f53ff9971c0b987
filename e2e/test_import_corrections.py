"""Issue 17, item 4: two rows of an import rejected, corrected in the browser's table (one of
them twice) and declared, without an Excel round trip; on a phone too."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from conftest import make_nir
from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.enrollment.models import Employee
from portal.imports.columns import HEADERS
from portal.imports.models import ImportBatch, ImportRow
from portal.tracking.models import Request, Source

TODAY = timezone.localdate().strftime("%d/%m/%Y")
NIR = make_nir("2", "9002", "69123", "045")
WRONG_KEY = NIR[:13] + ("00" if NIR[13:] != "00" else "01")


def line(last_name: str, first_name: str, nir: str, birth_date: str, email: str) -> list[str]:
    return [
        "Madame",
        last_name,
        first_name,
        birth_date,
        nir,
        "",
        "12",
        "rue de la République",
        "",
        "",
        "",
        "69002",
        "Lyon",
        "FRANCE",
        email,
        "",
        TODAY,
        TODAY,
        "Non",
    ]


def test_two_rejected_rows_are_corrected_in_the_browser(
    page: Page, demo: None, tmp_path: Path
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Salariés"
    sheet.append(list(HEADERS))
    sheet.append(
        line(
            "Durand",
            "Élodie",
            make_nir("2", "9003", "69123", "046"),
            "03/03/1990",
            "elodie.durand@example.org",
        )
    )
    sheet.append(line("Bernard", "Chloé", WRONG_KEY, "03/02/1990", "chloe.bernard@example.org"))
    sheet.append(
        line(
            "Petit",
            "Inès",
            make_nir("2", "9104", "69123", "047"),
            "31/04/1991",
            "ines.petit@example.org",
        )
    )
    filled = tmp_path / "salaries.xlsx"
    workbook.save(filled)

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "rh2@demo.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Ajouter des salariés").click()
    page.get_by_label("Fichier Excel ou structuré").check()
    page.get_by_role("button", name="Poursuivre").click()
    page.get_by_label(re.compile("Groupe d'assurés")).select_option(index=1)
    page.get_by_label(re.compile(r"\+ Ajouter")).set_input_files(str(filled))
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_text("✓ 1 salarié validé.")).to_be_visible()
    expect(page.get_by_text("⚠ 2 salariés en erreur :")).to_be_visible()
    table = page.get_by_role("region", name="Salariés en erreur à corriger")
    expect(table).to_be_visible()
    nir = page.get_by_label("N° de sécurité sociale, ligne 3")
    expect(nir).to_have_value(WRONG_KEY)
    expect(nir).to_have_attribute("aria-invalid", "true")
    expect(nir).to_have_accessible_description(re.compile("sa clé ne correspond pas"))
    birth = page.get_by_label("Date de naissance, ligne 4")
    expect(birth).to_have_accessible_description(
        "Colonne « Date de naissance * », ligne 4 : « 31/04/1991 » n'est pas une date valide. "
        "Écrivez-la jj/mm/aaaa."
    )

    # Line 3 fixed; line 4 typed wrong again.
    nir.fill(NIR)
    birth.fill("1991-04-31")
    page.get_by_role("button", name="Valider les corrections").click()

    expect(page.get_by_text("✓ 1 ligne corrigée et déclarée (ligne 3).")).to_be_visible()
    expect(page.get_by_text("⚠ 1 ligne toujours en erreur (ligne 4).")).to_be_visible()
    expect(page.get_by_text("✓ 2 salariés validés.")).to_be_visible()
    expect(page.get_by_label("N° de sécurité sociale, ligne 3")).to_have_count(0)
    birth = page.get_by_label("Date de naissance, ligne 4")
    expect(birth).to_have_value("1991-04-31")
    expect(birth).to_have_accessible_description(re.compile("« 1991-04-31 » n'est pas une date"))
    expect(page.locator("#ligne-3")).to_contain_text("Ligne 3 — BERNARD Chloé : corrigée le")
    page.get_by_text("Historique de la ligne 4 — PETIT Inès").click()
    history = page.locator("#historique-ligne-4 .history > li")
    expect(history).to_have_count(2)  # the file's version, then this correction
    expect(history.nth(1)).to_contain_text(
        re.compile(r"^Corrigée le .* par Marc Petit : en erreur")
    )

    birth.fill("30/04/1991")
    page.get_by_role("button", name="Valider les corrections").click()

    expect(page.get_by_text("✓ 1 ligne corrigée et déclarée (ligne 4).")).to_be_visible()
    expect(page.get_by_text("✓ 3 salariés validés.")).to_be_visible()
    expect(page.get_by_role("button", name="Valider les corrections")).to_have_count(0)
    expect(page.locator("#ligne-4")).to_contain_text("Ligne 4 — PETIT Inès : corrigée le")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

    batch = ImportBatch.objects.latest("pk")
    assert (batch.declared_count, batch.rejected_count, batch.rejection_file.name) == (3, 0, "")
    assert ImportRow.objects.filter(batch=batch, declared_at=None).count() == 0
    declared = Employee.objects.filter(last_name__in=["BERNARD", "PETIT"])
    assert sorted(declared.values_list("last_name", flat=True)) == ["BERNARD", "PETIT"]
    assert Request.objects.filter(employee__in=declared, source=Source.FILE).count() == 2
