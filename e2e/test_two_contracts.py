"""Journey: an employee of a company with a health and a provident contract, from the
employer's declaration to the signed dossier of two bulletins ("Ce dossier contient 2 bulletins
d'adhésion")."""

from __future__ import annotations

import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import link_in
from e2e.conftest import log_in
from e2e.test_enrollment import sms_code
from portal.backoffice.demo import DEMO_PASSWORD
from portal.companies.models import Contract, ContractKind
from portal.enrollment.models import Membership, MembershipStatus
from portal.waivers.tests.pdf_text import pdf_text, squeezed


def test_declare_in_both_contracts_and_sign_the_two_bulletins_at_once(
    page: Page, demo: None
) -> None:
    provident = Contract.objects.get(
        company__legal_name="BOULANGERIES MARTIN SAS", kind=ContractKind.PROVIDENT
    )
    Contract.objects.filter(pk=provident.pk).update(beneficiary_designation=True)
    log_in(page, "rh@demo.example", DEMO_PASSWORD)
    page.get_by_label("Sélectionnez l'entreprise de votre choix").select_option(
        label="BOULANGERIES MARTIN SAS (Maison Martin)"
    )
    page.get_by_role("button", name="Accéder à l'entreprise").click()
    expect(page.locator(".topbar__company")).to_contain_text("BOULANGERIES MARTIN SAS")
    page.get_by_role("link", name="Ajouter des salariés").click()
    page.get_by_label("Formulaire").check()
    page.get_by_role("button", name="Poursuivre").click()

    page.get_by_label("Monsieur", exact=True).check()
    page.get_by_label(re.compile(r"^Nom")).fill("Marchal")
    page.get_by_label(re.compile(r"^Prénom")).fill("Julien")
    page.get_by_label(re.compile(r"^Date de naissance")).fill("1987-09-12")
    page.get_by_label("Email").fill("julien.marchal@example.org")
    today = timezone.localdate().isoformat()
    page.get_by_label(re.compile(r"^Date d'embauche")).fill(today)
    page.get_by_label(re.compile(r"^Date d'effet du contrat")).fill(today)
    page.get_by_label(re.compile(r"^Groupe d'assurés — Complémentaire Santé")).select_option(
        label="02ENSP — Cadres"
    )
    page.get_by_label(re.compile(r"^Groupe d'assurés — Prévoyance")).select_option(index=1)
    page.get_by_role("group", name=re.compile("Régime local Alsace Moselle")).get_by_label(
        "Non"
    ).check()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Vérifier les informations saisies")).to_be_visible()
    expect(page.get_by_text("02ENSP — Cadres (Complémentaire Santé)")).to_be_visible()
    expect(page.get_by_text("P01 — Cadres (Prévoyance)")).to_be_visible()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Julien", exact=False).first).to_be_visible()

    # The employee opens the link of the e-mail: one journey for both contracts.
    invitation = next(m for m in mail.outbox if m.to == ["julien.marchal@example.org"])
    assert "une complémentaire santé et un contrat de prévoyance collectifs" in invitation.body
    page.context.clear_cookies()
    page.goto(link_in(r"https?://\S+/adhesion/[^/\s]+/", invitation.body))
    page.get_by_label("Saisissez votre mot de passe").fill("Adherent-2026!")
    page.get_by_label("Confirmer votre mot de passe").fill("Adherent-2026!")
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
    page.get_by_label("Libellé de la voie").fill("3 rue des Écoles")
    page.get_by_label("Code postal").fill("75005")
    page.get_by_label("Commune").fill("Paris")
    page.get_by_label("Numéro de sécurité sociale").fill("1 87 09 75 105 123 39")
    page.get_by_label(re.compile("^Organisme de sécurité sociale")).fill("011751234")
    page.get_by_label(re.compile("^Téléphone")).fill("06 12 34 56 78")
    page.get_by_label("Situation familiale").select_option("single")
    page.get_by_role("button", name="Suivant").click()

    expect(page.get_by_role("heading", name="Mes bénéficiaires")).to_be_visible()
    page.get_by_role("button", name="Poursuivre sans bénéficiaire").click()

    expect(page.get_by_role("heading", name="Mes garanties")).to_be_visible()
    expect(
        page.get_by_text(
            "Votre entreprise a souscrit pour vous une complémentaire santé et un contrat de "
            "prévoyance",
            exact=False,
        )
    ).to_be_visible()
    page.locator(".offer-card input[type=radio]").first.check()
    page.get_by_role("button", name="Suivant").click()
    # The beneficiary clause is asked: nothing saved without it.
    expect(page.get_by_text("Choisissez la clause bénéficiaire", exact=False)).to_be_visible()
    page.get_by_role("radio", name="Clause nominative").check()
    page.get_by_label(re.compile("^Bénéficiaires désignés")).fill(
        "Claire MARCHAL, née le 04/05/1960, 100 %"
    )
    page.get_by_role("button", name="Suivant").click()

    expect(page.get_by_role("heading", name="Mes coordonnées bancaires")).to_be_visible()
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_role("heading", name="Bientôt terminé !")).to_be_visible()
    page.get_by_role("link", name="Suivant").click()
    coverage = page.locator("section[aria-labelledby=s-coverage]")
    expect(coverage).to_contain_text("Clause bénéficiaire en cas de décès : Clause nominative")
    expect(coverage).to_contain_text("Claire MARCHAL, née le 04/05/1960, 100 %")
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_role("heading", name="Mon bulletin d'inscription")).to_be_visible()
    expect(
        page.get_by_text(
            "Ce dossier contient 2 bulletins d'adhésion. La signature entraîne une validation "
            "de l'ensemble du dossier."
        )
    ).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mon bulletin d'adhésion").click()
    path = download.value.path()
    assert path is not None
    content = squeezed(pdf_text(path.read_bytes()))
    assert squeezed("au contrat collectif Complémentaire Santé n° 02962034") in content
    assert squeezed(f"au contrat collectif Prévoyance n° {provident.number}") in content
    page.get_by_label(re.compile("^Je certifie")).check()
    page.get_by_label(re.compile("^J'ai pris connaissance")).check()
    page.get_by_role("button", name="Signer").click()
    page.get_by_label(re.compile("Votre numéro de téléphone portable")).fill("06 12 34 56 78")
    page.get_by_role("button", name="Envoyer le sms").click()
    page.get_by_label(re.compile("Veuillez saisir le code")).fill(sms_code())
    page.get_by_role("button", name="Signer").click()
    expect(page.get_by_role("heading", name="Votre adhésion est terminée !")).to_be_visible()

    statuses = Membership.objects.filter(employee__last_name="MARCHAL").values_list(
        "contract__kind", "status"
    )
    assert sorted(statuses) == [
        ("health", MembershipStatus.SIGNED),
        ("provident", MembershipStatus.SIGNED),
    ]
    page.goto("/mon-espace/")
    expect(page.get_by_role("heading", name=re.compile("^Prévoyance"))).to_be_visible()
    expect(page.get_by_text("Adhésion en cours de vérification", exact=True)).to_have_count(2)
