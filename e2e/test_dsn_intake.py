"""Journey: staff deposit a DSN in the back office, the employer sees the new "Affiliation"
request with the source DSN, the employee opens the link and finds the DSN's dependants."""

from __future__ import annotations

import re
from pathlib import Path

from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect
from stdnum.fr import nir as stdnum_nir

from conftest import link_in
from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.companies.models import Company, InsuredGroup
from portal.dsn.models import ContractOption, ContractPopulation
from portal.dsn.tests import dsn_files

NIR = "2900375115045"  # born March 1990 in Paris


def monthly_dsn(siret: str) -> bytes:
    """This month's DSN of the company: one employee hired on the 1st, with two dependants."""
    hired = f"{timezone.localdate().replace(day=1):%d%m%Y}"
    header = [
        (key, hired if key == "S20.G00.05.005" else value)
        for key, value in dsn_files.declaration(siren=siret[:9], nic=siret[9:])
    ]
    employee = [
        ("S21.G00.30.001", NIR),
        ("S21.G00.30.002", "BERNARD"),
        ("S21.G00.30.004", "Léa"),
        ("S21.G00.30.005", "02"),
        ("S21.G00.30.006", "12031990"),
        ("S21.G00.30.008", "4 RUE DE LA PAIX"),
        ("S21.G00.30.009", "44000"),
        ("S21.G00.30.010", "NANTES"),
        ("S21.G00.30.013", "01"),
        ("S21.G00.30.014", "75"),
        ("S21.G00.30.015", "FR"),
        ("S21.G00.30.018", "lea.bernard@example.org"),
        ("S21.G00.30.019", "M-77"),
        ("S21.G00.40.001", hired),
        ("S21.G00.40.002", "04"),
        ("S21.G00.40.003", "01"),
        ("S21.G00.40.007", "01"),
        ("S21.G00.40.009", "00077"),
        ("S21.G00.70.004", "FAMILLE"),
        ("S21.G00.70.005", "CADRES"),
        ("S21.G00.70.012", "1"),
        ("S21.G00.70.013", "1"),
        ("S21.G00.73.003", "01"),
        ("S21.G00.73.005", "20041988"),
        ("S21.G00.73.006", "BERNARD"),
        ("S21.G00.73.009", "Hugo"),
        ("S21.G00.73.003", "02"),
        ("S21.G00.73.005", "10092018"),
        ("S21.G00.73.006", "BERNARD"),
        ("S21.G00.73.009", "Inès"),
    ]
    return dsn_files.build([*header, *employee])


def test_a_dsn_deposited_by_staff_becomes_a_dsn_request_and_prefilled_dependants(
    page: Page, demo: None, tmp_path: Path
) -> None:
    company = Company.objects.get(legal_name="ATELIER NUMERIQUE DUPONT")
    contract = company.contracts.get()
    contract.dsn_reference, contract.dsn_organisme = "SANTE-COLL-0001", "A99999"
    contract.save(update_fields=["dsn_reference", "dsn_organisme"])
    group = InsuredGroup.objects.get(contract=contract, code="02ENSP")
    ContractPopulation.objects.create(contract=contract, code="CADRES", insured_group=group)
    ContractOption.objects.create(contract=contract, code="FAMILLE", product=None)
    path = tmp_path / "dsn-mensuelle.txt"
    path.write_bytes(monthly_dsn(company.siret))

    log_in(page, "staff@demo.example", DEMO_PASSWORD)
    page.goto("/backoffice/dsn/dsnfile/add/")
    page.get_by_label("Fichier DSN").set_input_files(str(path))
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text(f"Déclaration 1 — SIRET {company.siret}")).to_be_visible()
    expect(page.get_by_role("cell", name="Affiliation créée")).to_be_visible()
    expect(page.get_by_role("cell", name="BERNARD Léa")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, "rh2@demo.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Mes demandes").first.click()
    row = page.locator(".row").filter(has_text="Léa BERNARD")
    expect(row).to_contain_text("Affiliation")
    expect(row).to_contain_text("origine : dsn")
    expect(row.get_by_role("button", name=re.compile("Relancer"))).to_be_visible()

    page.context.clear_cookies()
    link = link_in(r"https?://\S+/adhesion/[^/\s]+/", mail.outbox[-1].body)
    page.goto(link)
    page.get_by_label("Saisissez votre mot de passe").fill("Adherent-2026!")
    page.get_by_label("Confirmer votre mot de passe").fill("Adherent-2026!")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
    nir15 = NIR + stdnum_nir.calc_check_digits(NIR)
    expect(page.get_by_label("Numéro de sécurité sociale")).to_have_value(nir15)
    # What the DSN does not give, the employee adds: their fund's code.
    page.get_by_label(re.compile("^Organisme de sécurité sociale")).fill("011751234")
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name="Continuer").click()  # phone left empty: the guide's dialog
    expect(page.get_by_role("heading", name="Mes bénéficiaires")).to_be_visible()
    expect(page.get_by_text("Hugo BERNARD")).to_be_visible()
    expect(page.get_by_text("Inès BERNARD")).to_be_visible()
