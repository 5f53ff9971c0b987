"""Journey: declare two employees by form, follow them in "Mes demandes", remind, activate."""

from __future__ import annotations

import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import link_in
from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.enrollment.models import Employee
from portal.notifications.models import Channel, OutboundMessage


def fill_employee(
    page: Page,
    *,
    civility: str,
    last: str,
    first: str,
    birth: str,
    nir: str,
    street: str,
    postal: str,
    city: str,
    email: str,
    number: str,
) -> None:
    page.get_by_label(civility, exact=True).check()
    page.get_by_label(re.compile(r"^Nom")).fill(last)
    page.get_by_label(re.compile(r"^Prénom")).fill(first)
    page.get_by_label(re.compile(r"^Date de naissance")).fill(birth)
    page.get_by_label("N° de sécurité sociale").fill(nir)
    page.get_by_label("Numéro", exact=True).fill("12")
    page.get_by_label("Libellé de la voie").fill(street)
    page.get_by_label("Code postal").fill(postal)
    page.get_by_label("Ville").fill(city)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Matricule").fill(number)
    page.get_by_label(re.compile(r"^Date d'embauche")).fill(timezone.localdate().isoformat())
    page.get_by_label(re.compile(r"^Date d'effet du contrat")).fill(
        timezone.localdate().isoformat()
    )
    page.get_by_label(re.compile(r"^Groupe d'assurés")).select_option(index=1)
    page.get_by_role("group", name=re.compile("Régime local Alsace Moselle")).get_by_label(
        "Non"
    ).check()


def test_declare_two_employees_remind_and_activate(page: Page, demo: None) -> None:
    log_in(page, "rh2@demo.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Ajouter des salariés").click()
    expect(page.get_by_text("Sous quelle forme désirez-vous les renseigner ?")).to_be_visible()
    page.get_by_label("Formulaire").check()
    page.get_by_role("button", name="Poursuivre").click()

    fill_employee(
        page,
        civility="Madame",
        last="Durand",
        first="Élodie",
        birth="1990-02-03",
        nir="2 90 02 69 123 045 12",
        street="rue de l'Église",
        postal="69001",
        city="lyon",
        email="elodie.durand@example.org",
        number="E-42",
    )
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Valider l'adresse du collaborateur")).to_be_visible()
    expect(page.get_by_text("12 RUE DE L EGLISE")).to_be_visible()
    page.get_by_label(re.compile("Adresse suggérée")).check()
    page.get_by_role("button", name="Valider l'adresse").click()

    expect(page.get_by_role("heading", name="Vérifier les informations saisies")).to_be_visible()
    page.get_by_role("link", name="Ajouter un autre salarié").click()
    fill_employee(
        page,
        civility="Monsieur",
        last="Martin",
        first="Paul",
        birth="1980-01-01",
        nir="1 80 01 75 115 001 76",
        street="place Bellecour",
        postal="69002",
        city="Lyon",
        email="",
        number="E-43",
    )
    page.get_by_role("button", name="Valider").click()
    page.get_by_role("button", name="Valider l'adresse").click()
    expect(page.get_by_role("heading", name="Paul MARTIN")).to_be_visible()
    page.get_by_role("button", name="Valider", exact=True).click()

    expect(page.get_by_text("✓ 2 salariés validés.")).to_be_visible()
    letters = OutboundMessage.objects.filter(channel=Channel.LETTER, recipient__contains="MARTIN")
    assert [m.subject for m in letters.order_by("id")] == [
        "Votre identifiant",
        "Votre mot de passe provisoire",
    ]
    page.get_by_role("link", name="Terminer").click()

    expect(page.get_by_role("heading", name="Mes demandes")).to_be_visible()
    rows = page.locator(".row").filter(has_text="En attente")
    expect(rows.filter(has_text="Élodie DURAND")).to_contain_text(
        "Jours restants avant expiration : 60 jours"
    )
    expect(rows.filter(has_text="Paul MARTIN")).to_contain_text("60 jours")
    rows.filter(has_text="Élodie DURAND").get_by_role("button", name=re.compile("Relancer")).click()
    expect(page.get_by_text("Votre demande a bien été prise en compte")).to_be_visible()
    page.get_by_role("link", name="Fermer").click()
    expect(page.get_by_role("heading", name="Mes demandes")).to_be_visible()

    reminder = mail.outbox[-1]
    assert reminder.to == ["elodie.durand@example.org"]
    link = link_in(r"https?://\S+/adhesion/[^/\s]+/", reminder.body)
    page.get_by_role("button", name="Se déconnecter").click()

    page.goto(link)
    expect(page.get_by_role("heading", name="Espace personnel")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("elodie.durand@example.org")
    page.get_by_label("Saisissez votre mot de passe").fill("Adherente-2026!")
    page.get_by_label("Confirmer votre mot de passe").fill("Adherente-2026!")
    page.get_by_role("button", name="Continuer").click()
    # "Continuer" leads straight to the first enrollment step, prefilled by the employer.
    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
    expect(page.get_by_label("Prénom")).to_have_value("Élodie")


def test_a_wrong_city_is_confirmed_among_the_postal_codes_communes(page: Page, demo: None) -> None:
    log_in(page, "rh2@demo.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Ajouter des salariés").click()
    page.get_by_label("Formulaire").check()
    page.get_by_role("button", name="Poursuivre").click()
    fill_employee(
        page,
        civility="Madame",
        last="Durand",
        first="Élodie",
        birth="1990-02-03",
        nir="2 90 02 69 123 045 12",
        street="rue de la Gare",
        postal="73000",
        city="Chanbery",
        email="elodie.durand@example.org",
        number="E-42",
    )
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Valider l'adresse du collaborateur")).to_be_visible()
    expect(page.get_by_text("Pouvez-vous confirmer cette adresse ?")).to_be_visible()
    expect(page.get_by_text("73000 Chanbery")).to_be_visible()  # Adresse indiquée
    communes = page.get_by_role("group", name="Commune")
    expect(communes.get_by_role("radio")).to_have_count(6)
    expect(communes.get_by_label("73000 CHAMBERY")).to_be_checked()

    # "Précédent": the form as typed, to correct it.
    page.get_by_role("link", name="Précédent").click()
    expect(page.get_by_label("Ville")).to_have_value("Chanbery")
    page.get_by_role("button", name="Valider").click()

    communes = page.get_by_role("group", name="Commune")
    communes.get_by_label("73000 BASSENS").check()
    page.get_by_role("button", name="Valider l'adresse").click()
    expect(page.get_by_role("heading", name="Vérifier les informations saisies")).to_be_visible()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("✓ 1 salarié validé.")).to_be_visible()
    employee = Employee.objects.get(last_name="DURAND")
    assert (employee.street_name, employee.city, employee.insee_code) == (
        "RUE DE LA GARE",
        "BASSENS",
        "73031",
    )
