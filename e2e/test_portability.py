"""Journey: a former employee under portability sends her France Travail attestation from her
phone (390 px); staff find the portabilities in their register and accept an attestation; the
employer reads its own register. On the demo data (two portabilities at ATELIER NUMERIQUE
DUPONT)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.enrollment.models import Employee
from portal.signatures.tests.conftest import make_pdf
from portal.terminations.models import PortabilityProof, PortabilityProofStatus

PASSWORD = "Adherent-2026!"
OVERFLOW = "document.documentElement.scrollWidth > window.innerWidth"


def test_an_attestation_sent_from_a_phone_then_checked_by_staff(
    page: Page, demo: None, tmp_path: Path
) -> None:
    sophie = Employee.objects.get(
        last_name="MARCHAND", company__legal_name="ATELIER NUMERIQUE DUPONT"
    )
    user = sophie.user
    assert user is not None
    user.set_password(PASSWORD)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    attestation = tmp_path / "attestation juin.pdf"
    attestation.write_bytes(make_pdf("Attestation France Travail"))
    not_a_pdf = tmp_path / "photo.pdf"
    not_a_pdf.write_bytes(b"GIF89a pas un PDF")

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.email, PASSWORD)
    page.get_by_role("link", name="Ma portabilité : mes attestations France Travail").click()
    expect(page.get_by_role("heading", name="Ma portabilité")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("À envoyer")
    assert not page.evaluate(OVERFLOW)
    page.get_by_label(re.compile("^Attestation France Travail")).set_input_files(str(not_a_pdf))
    page.get_by_role("button", name="Envoyer mon attestation").click()
    expect(
        page.get_by_text(re.compile("n'est ni un PDF, ni une image JPEG ou PNG"))
    ).to_be_visible()
    page.get_by_label(re.compile("^Attestation France Travail")).set_input_files(str(attestation))
    page.get_by_role("button", name="Envoyer mon attestation").click()
    expect(page.get_by_text(re.compile("Votre attestation est envoyée"))).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("en cours de vérification")
    assert not page.evaluate(OVERFLOW)

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, "staff@demo.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Registre des portabilités").click()
    table = page.get_by_role("table", name=re.compile("Portabilités en cours"))
    expect(table).to_contain_text("Karim BENALI")
    expect(table).to_contain_text("Sophie MARCHAND")
    page.get_by_role("link", name="Sophie MARCHAND").click()
    expect(page.get_by_role("link", name="attestation juin.pdf")).to_be_visible()
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("Justificatif accepté.")).to_be_visible()
    assert PortabilityProof.objects.get(termination__membership__employee=sophie).status == (
        PortabilityProofStatus.ACCEPTED
    )

    page.context.clear_cookies()
    log_in(page, "rh2@demo.example", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Portabilités"
    ).click()
    expect(page.get_by_role("heading", name="Registre des portabilités")).to_be_visible()
    rows = page.get_by_role("table", name=re.compile("Portabilités en cours"))
    expect(rows).to_contain_text("Sophie MARCHAND")
    expect(rows).to_contain_text("Karim BENALI")
    expect(rows).to_contain_text("Justificatif à vérifier")  # Karim's, sent in the demo
