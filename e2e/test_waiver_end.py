"""Journey: a waived employee whose waiver ends within 30 days (the demo's Thomas ROUSSEL) reads
the notice in their inbox, logs in at "Mon espace perso" on a phone, sends the new proof of
their Complémentaire santé solidaire with its new end date — a wrong date first — and sees it
"en cours de vérification"."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.notifications.models import OutboundMessage
from portal.waivers.models import RenewalStatus, Waiver, WaiverRenewal, WaiverStatus
from portal.waivers.tests.test_services import proof_pdf

LOGIN = "thomas.roussel@boulangeries-martin.example"


def test_a_waived_employee_sends_the_new_proof_that_keeps_the_waiver(
    page: Page, demo: None, tmp_path: Path
) -> None:
    waiver = Waiver.objects.get(employee__user__email=LOGIN, status=WaiverStatus.GRANTED)
    assert waiver.end_date == timezone.localdate() + timedelta(days=25)
    notice = OutboundMessage.objects.get(template="waiver_ending", recipient=LOGIN)
    last_day = f"{waiver.end_date:%d/%m/%Y}"
    assert notice.subject == f"Votre dispense d'adhésion prend fin le {last_day}"
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/espace-perso/connexion/")
    log_in(page, LOGIN, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_text(f"Dispensé(e) jusqu'au {last_day}")).to_be_visible()
    page.get_by_role("link", name="Envoyer un nouveau justificatif").click()
    expect(page.get_by_role("heading", name="Envoyer un nouveau justificatif")).to_be_visible()

    proof = tmp_path / "attestation-css-2027.pdf"
    proof.write_bytes(proof_pdf("Attestation CSS"))
    date_field = page.get_by_label(re.compile("Date de fin de vos droits"))
    date_field.fill(waiver.end_date.isoformat())  # the current end: not later
    page.get_by_label(re.compile("^Justificatif")).set_input_files(str(proof))
    page.get_by_role("button", name="Envoyer mon justificatif").click()
    expect(page.get_by_role("alert")).to_contain_text("corrigez les champs signalés")
    expect(page.locator("#end_date_error")).to_contain_text(
        f"doit être postérieure à la fin actuelle de votre dispense ({last_day})"
    )
    assert WaiverRenewal.objects.count() == 0

    new_end = waiver.end_date + timedelta(days=300)
    page.get_by_label(re.compile("Date de fin de vos droits")).fill(new_end.isoformat())
    page.get_by_label(re.compile("^Justificatif")).set_input_files(str(proof))
    page.get_by_role("button", name="Envoyer mon justificatif").click()

    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_text("Votre nouveau justificatif est envoyé")).to_be_visible()
    expect(
        page.get_by_text(re.compile("en cours de vérification par nos services"))
    ).to_be_visible()
    renewal = WaiverRenewal.objects.get()
    assert (renewal.status, renewal.end_date, renewal.proof_name) == (
        RenewalStatus.SUBMITTED,
        new_end,
        "attestation-css-2027.pdf",
    )
