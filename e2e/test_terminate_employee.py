"""Journey: terminate an employee with portability, see "Radié" and "Portabilité jusqu'au",
download the certificate, then undo the termination while it is still "En cours"."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.enrollment.models import Employee


def test_terminate_with_portability_then_undo(page: Page, demo: None) -> None:
    employee = Employee.objects.get(
        last_name="PUYOT", company__legal_name="BOULANGERIES MARTIN SAS"
    )
    log_in(page, "rh@demo.example", DEMO_PASSWORD)
    page.goto(f"/entreprises/{employee.company_id}/mes-collaborateurs/{employee.pk}/")
    page.get_by_role("link", name="Résilier son contrat").click()
    expect(
        page.get_by_role("heading", name=re.compile("^Résilier le contrat — N° "))
    ).to_be_visible()
    end = timezone.localdate() - timedelta(days=5)
    page.get_by_label(re.compile("^Date de résiliation")).fill(end.isoformat())
    # "Souhaitez-vous activer la portabilité ?" only for the 3 motifs that open it.
    question = page.get_by_role("group", name="Souhaitez-vous activer la portabilité ?")
    expect(question).to_be_hidden()
    page.get_by_label("Démission", exact=True).check()
    expect(question).to_be_hidden()
    page.get_by_label(re.compile("^Démission ouvrant droit à la portabilité")).check()
    expect(question).to_be_visible()
    page.get_by_label("Départ en retraite").check()
    expect(question).to_be_hidden()
    page.get_by_label(re.compile("^Licenciement / Rupture conventionnelle")).check()
    expect(question).to_be_visible()
    page.get_by_label("Oui", exact=True).check()
    page.get_by_role("button", name="Envoyer").click()

    expect(page.get_by_text(re.compile(r"^Portabilité jusqu'au \d\d/\d\d/\d{4}"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation de portabilité").click()
    path = download.value.path()
    assert path is not None and path.read_bytes()[:4] == b"%PDF"

    page.goto(f"/entreprises/{employee.company_id}/mes-collaborateurs/")
    expect(page.get_by_text(f"Radié - {end:%d/%m/%Y}")).to_be_visible()

    page.goto(f"/entreprises/{employee.company_id}/mes-collaborateurs/{employee.pk}/")
    page.get_by_role("link", name="Annuler la résiliation").click()
    expect(page.get_by_text("Confirmez-vous l'annulation de la résiliation ?")).to_be_visible()
    page.get_by_role("button", name="Confirmer l'annulation").click()
    expect(
        page.get_by_text("La résiliation a été annulée : l'adhésion est rétablie.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Résilier son contrat")).to_be_visible()
