"""Journeys of the employee: from the e-mail link to "Télécharger mon dossier" (with twins),
and the waiver instead of enrolling, accepted by the insurer; the SMS code is read from the
outbox."""

from __future__ import annotations

import re
from datetime import date

from django.core import mail
from django.urls import reverse
from fpdf import FPDF
from playwright.sync_api import Page, expect
from stdnum.fr import nir as stdnum_nir

from conftest import declaration, link_in
from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.companies.models import Company, InsuredGroup
from portal.enrollment.models import Membership, MembershipStatus
from portal.notifications.backends import MemoryBackend
from portal.notifications.models import Channel, OutboundMessage
from portal.tracking.models import Source
from portal.tracking.services import declare_employee
from portal.waivers.models import Waiver, WaiverStatus

NIR = "1850575115123"


def nir() -> str:
    return NIR + stdnum_nir.calc_check_digits(NIR)


def declare_and_open_link(page: Page) -> Membership:
    company = Company.objects.get(legal_name="BOULANGERIES MARTIN SAS")
    group = InsuredGroup.objects.get(contract__company=company, code="02ENSP")
    request = declare_employee(
        company=company,
        declaration=declaration(
            company,
            last_name="Garnier",
            first_name="Hugo",
            hire_date=date(2026, 11, 2),
            effective_date=date(2026, 11, 2),
            insured_group_ids=[group.pk],
            nir=nir(),
            email="hugo.garnier@example.org",
            employee_number="",
        ),
        source=Source.FORM,
        by=None,
        today=date(2026, 11, 27),
    )
    link = link_in(r"https?://\S+/adhesion/[^/\s]+/", mail.outbox[-1].body)
    page.goto(link)
    page.get_by_label("Saisissez votre mot de passe").fill("Adherent-2026!")
    page.get_by_label("Confirmer votre mot de passe").fill("Adherent-2026!")
    page.get_by_role("button", name="Continuer").click()
    assert request.membership is not None
    return request.membership


def sms_code() -> str:
    message = [d for d in MemoryBackend.delivered if d.channel == Channel.SMS][-1]
    return re.search(r"\b(\d{6})\b", message.body_text).group(1)  # type: ignore[union-attr]


def add_child(page: Page, first: str, twin_rank: str) -> None:
    page.get_by_role("link", name="Ajouter un bénéficiaire").click()
    page.get_by_label("Type de bénéficiaire").select_option("child")
    page.get_by_label("Madame", exact=True).check()
    page.get_by_label(re.compile(r"^Nom")).fill("Garnier")
    page.get_by_label(re.compile(r"^Prénom")).fill(first)
    page.get_by_label(re.compile(r"^Date de naissance")).fill("2016-03-08")
    page.get_by_label(re.compile(r"^Rang gémellaire")).select_option(twin_rank)
    page.get_by_label("Rattaché(e) à mon numéro").check()
    page.get_by_role("button", name="Enregistrer").click()


def test_enroll_with_twins_and_sign_by_sms(page: Page, demo: None) -> None:
    membership = declare_and_open_link(page)

    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
    expect(page.get_by_label("Numéro de sécurité sociale")).to_have_value(nir())
    page.get_by_role("button", name="Suivant").click()
    # Family status and phone left empty: the guide's dialog, then "Continuer".
    expect(page.get_by_role("alertdialog")).to_contain_text('Champ "téléphone" non renseigné')
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Mes bénéficiaires")).to_be_visible()
    add_child(page, "Léa", "1")
    add_child(page, "Zoé", "1")  # a twin with the same rank is refused
    expect(page.get_by_text("rang gémellaire", exact=False).first).to_be_visible()
    page.get_by_label(re.compile(r"^Rang gémellaire")).select_option("2")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Zoé GARNIER")).to_be_visible()
    page.get_by_role("button", name="Suivant").click()

    expect(page.get_by_role("heading", name="Mes garanties")).to_be_visible()
    page.locator(".offer-card input[type=radio]").nth(1).check()
    page.get_by_role("button", name="Suivant").click()

    expect(page.get_by_role("heading", name="Mes coordonnées bancaires")).to_be_visible()
    # The BIC is found from the IBAN: not asked, and a mistyped IBAN is the only error.
    expect(page.locator("input[name=debit_bic]")).to_have_count(0)
    page.get_by_label("Titulaire du compte").first.fill("Hugo Garnier")
    page.get_by_label("IBAN").first.fill("FR76 3000 6000 0112")
    page.get_by_role("button", name="Suivant").click()
    expect(page.locator(".field__error")).to_have_count(1)
    expect(page.locator(".field__error")).to_contain_text("L'IBAN est invalide")
    page.get_by_label("IBAN").first.fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_label("Fréquence de prélèvement").select_option("quarterly")
    page.get_by_role("button", name="Suivant").click()

    expect(page.get_by_role("heading", name="Bientôt terminé !")).to_be_visible()
    page.get_by_role("link", name="Suivant").click()
    expect(page.get_by_text("Veuillez relire vos informations saisies")).to_be_visible()
    bank = page.locator("section[aria-labelledby=s-bank]")
    expect(bank).to_contain_text("IBAN : FR76 •••• •••• •••• •••• •••• 189")
    expect(bank).to_contain_text("Fréquence de prélèvement : Trimestrielle")
    expect(page.locator("section[aria-labelledby=s-dependants]")).to_contain_text(
        "Rattachée au numéro de sécurité sociale : 1 85 05 75 115 123"
    )
    expect(page.get_by_label(re.compile("offres promotionnelles"))).not_to_be_checked()
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_role("heading", name="Mon bulletin d'inscription")).to_be_visible()
    expect(page.get_by_text("Ce dossier contient 1 bulletin d'adhésion.")).to_be_visible()
    sign = page.get_by_role("button", name="Signer")
    expect(sign).to_be_disabled()
    page.get_by_label(re.compile("^Je certifie")).check()
    expect(sign).to_be_disabled()
    page.get_by_label(re.compile("^J'ai pris connaissance")).check()
    sign.click()

    page.get_by_label(re.compile("Votre numéro de téléphone portable")).fill("06 12 34 56 78")
    page.get_by_role("button", name="Envoyer le sms").click()
    expect(page.get_by_text("06 •• •• 56 78")).to_be_visible()
    page.get_by_label(re.compile("Veuillez saisir le code")).fill(sms_code())
    page.get_by_role("button", name="Signer").click()

    expect(page.get_by_role("heading", name="Votre adhésion est terminée !")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mon dossier").click()
    path = download.value.path()
    assert path is not None and path.read_bytes()[:4] == b"%PDF"
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SIGNED
    # Signed: the step bar is read-only, and an old link to a step says so once.
    expect(page.locator(".journey__steps a")).to_have_count(0)
    expect(page.locator(".journey__step--done")).to_have_count(5)
    page.goto(reverse("journey:bank", args=[membership.pk]))
    expect(page.get_by_role("heading", name="Votre adhésion est terminée !")).to_be_visible()
    expect(page.get_by_text("elle n'est plus modifiable en ligne")).to_have_count(1)
    page.goto("/mon-espace/")
    expect(page.get_by_text("Adhésion en cours de vérification", exact=True)).to_be_visible()
    expect(page.get_by_text("couvert(e) depuis", exact=False)).to_have_count(0)


def test_ask_for_a_waiver_and_sign_it_by_sms(page: Page, demo: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    membership = declare_and_open_link(page)
    page.goto("/mon-espace/")
    page.get_by_role("link", name="Demander une dispense d'adhésion").click()
    page.get_by_label(re.compile("^Déjà couvert")).check()
    proof = tmp_path / "attestation.pdf"
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Attestation")
    proof.write_bytes(bytes(document.output()))
    page.get_by_label(re.compile("^Justificatif")).set_input_files(str(proof))
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Signer ma demande de dispense")).to_be_visible()
    page.get_by_label(re.compile("^Je reconnais avoir été informé")).check()
    page.get_by_role("button", name="Signer").click()
    page.get_by_label(re.compile("Votre numéro de téléphone portable")).fill("06 12 34 56 78")
    page.get_by_role("button", name="Envoyer le sms").click()
    page.get_by_label(re.compile("Veuillez saisir le code")).fill(sms_code())
    page.get_by_role("button", name="Signer").click()
    expect(
        page.get_by_role("heading", name="Votre demande de dispense est enregistrée")
    ).to_be_visible()
    expect(page.get_by_text("Nous vérifions votre demande de dispense")).to_be_visible()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.WAIVER_REQUESTED

    # The insurer checks the proof in the back office and accepts the waiver.
    page.context.clear_cookies()
    log_in(page, "staff@demo.example", DEMO_PASSWORD)
    page.goto("/backoffice/tracking/request/?reason__exact=waiver&q=garnier")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody tr a").first.click()
    expect(page.get_by_text("Signée, à vérifier")).to_be_visible()
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Voir le justificatif").click()
    assert popup.value.url.endswith("/document/justificatif/?affichage=page")
    popup.value.close()
    page.go_back()
    page.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("grant_waivers")
    page.get_by_role("button", name=re.compile("Envoyer|Exécuter")).click()
    expect(page.get_by_text(re.compile("dispense accordée"))).to_be_visible()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.WAIVED
    assert Waiver.objects.get(membership=membership).status == WaiverStatus.GRANTED
    assert OutboundMessage.objects.filter(
        template="waiver_granted", recipient="hugo.garnier@example.org"
    ).exists()
