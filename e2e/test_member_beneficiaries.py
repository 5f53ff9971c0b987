"""At phone size (390 px): a member adds their newborn with the birth certificate, staff
accept it, and the member sees the new dependant in "Mes bénéficiaires"."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from fpdf import FPDF
from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.enrollment.models import Dependant, Membership, MembershipStatus
from portal.member_requests.models import MemberRequest

MEMBER_PASSWORD = "Naissance-2026!"


def birth_certificate(folder: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Acte de naissance")
    path = folder / "acte-de-naissance.pdf"
    path.write_bytes(bytes(pdf.output()))
    return path


def test_member_adds_a_newborn_and_staff_accept_it(page: Page, demo: None, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    born = timezone.localdate() - timedelta(days=3)
    membership = Membership.objects.get(
        employee__company__legal_name="BOULANGERIES MARTIN SAS",
        employee__last_name__iexact="Puyot",
        contract__kind="health",
        status=MembershipStatus.ACTIVE,
    )
    member = membership.employee.user
    assert member is not None
    member.set_password(MEMBER_PASSWORD)
    member.save(update_fields=["password"])
    log_in(page, member.email, MEMBER_PASSWORD)
    page.goto("/mon-espace/beneficiaires/")
    expect(page.get_by_role("heading", name="Mes bénéficiaires", level=1)).to_be_visible()
    page.get_by_role("link", name="Ajouter un bénéficiaire").click()

    page.get_by_label(re.compile(r"^Événement")).select_option("birth")
    page.get_by_label(re.compile(r"^Date de l'événement")).fill(born.isoformat())
    page.get_by_label(re.compile(r"^Type de bénéficiaire")).select_option("child")
    page.get_by_label("Madame").check()
    page.get_by_label(re.compile(r"^Nom")).fill("Puyot")
    page.get_by_label(re.compile(r"^Prénom")).fill("Jade")
    page.get_by_label(re.compile(r"^Date de naissance")).fill(born.isoformat())
    page.get_by_role("button", name="Envoyer la demande").click()
    # Without the proof: refused, the field named.
    expect(page.locator(".field__error")).to_contain_text("Champ « Justificatif » obligatoire")
    page.get_by_label(re.compile(r"^Justificatif")).set_input_files(birth_certificate(tmp_path))
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("status").or_(page.locator(".notice--success")).first).to_contain_text(
        "Votre demande d'ajout de bénéficiaire est envoyée"
    )
    expect(page.get_by_text("Ajout de bénéficiaire — Jade PUYOT").first).to_be_visible()
    page.context.clear_cookies()

    sent = MemberRequest.objects.get(membership=membership, first_name="Jade")
    log_in(page, "staff@demo.example", DEMO_PASSWORD)
    page.goto("/backoffice/demandes-adherents/")
    page.get_by_role("link", name=f"Ajout de bénéficiaire n° {sent.pk}").click()
    expect(page.get_by_text("Jade PUYOT").first).to_be_visible()
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text(f"Ajout de bénéficiaire n° {sent.pk} acceptée.")).to_be_visible()
    expect(page.get_by_role("link", name=f"Ajout de bénéficiaire n° {sent.pk}")).to_have_count(0)
    page.context.clear_cookies()

    log_in(page, member.email, MEMBER_PASSWORD)
    page.goto("/mon-espace/beneficiaires/")
    expect(page.get_by_text("Jade PUYOT").first).to_be_visible()
    expect(page.get_by_text(f"Couvert(e) depuis le {born:%d/%m/%Y}")).to_be_visible()
    expect(page.get_by_text("Acceptée").first).to_be_visible()
    assert Dependant.objects.get(membership=membership, first_name="Jade").cover_start == born
