"""Journeys of the employer space: log in, every menu page, a coverage table, log out."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from e2e.conftest import log_in, tick_robot_check
from portal.backoffice.demo import DEMO_PASSWORD


def test_correspondent_visits_every_page_downloads_a_coverage_table_and_logs_out(
    page: Page, demo: None
) -> None:
    log_in(page, "rh@demo.example", DEMO_PASSWORD)

    expect(page.get_by_role("heading", name="Mes entreprises")).to_be_visible()
    page.get_by_label("Sélectionnez l'entreprise de votre choix").select_option(
        label="BOULANGERIES MARTIN SAS (Maison Martin)"
    )
    page.get_by_role("button", name="Accéder à l'entreprise").click()

    expect(
        page.get_by_role("heading", name="Bienvenue dans votre espace entreprise")
    ).to_be_visible()
    expect(page.locator(".topbar__company")).to_contain_text("BOULANGERIES MARTIN SAS")
    expect(page.get_by_text("Mes dernières demandes")).to_be_visible()
    expect(page.get_by_text("Claire Moreau")).to_be_visible()
    expect(page.get_by_role("heading", name="Besoin d'aide")).to_be_visible()

    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Mon entreprise").click()
    expect(page.get_by_role("heading", name="Identité entreprise")).to_be_visible()
    expect(page.get_by_text("12 RUE DES BOULANGERS")).to_be_visible()

    menu.get_by_role("link", name="Mes demandes").click()
    expect(page.get_by_role("heading", name="Mes demandes")).to_be_visible()
    expect(page.get_by_text("Jours restants avant expiration : ").first).to_be_visible()

    menu.get_by_role("link", name="Mes collaborateurs").click()
    expect(page.get_by_text("Mis en gestion - Date d'effet 01/01/2024")).to_be_visible()
    # Each contract's status on the employee's row: health and provident.
    lenoir = page.locator(".row").filter(has_text="Didier LENOIR")
    expect(lenoir).to_contain_text("Complémentaire Santé : Radié - 30/06/2026")
    expect(lenoir).to_contain_text("Prévoyance : Radié - 30/06/2026")
    page.get_by_role("link", name="Monique PUYOT").click()
    expect(page.get_by_role("heading", name="Informations contrat")).to_be_visible()
    expect(page.get_by_text("Régime général")).to_be_visible()
    # Two contracts, the beneficiaries by role only (guide: their names do not appear).
    menu.get_by_role("link", name="Mes collaborateurs").click()
    page.get_by_role("link", name="Isabelle PÉLISSIER").click()
    health = page.get_by_role("region", name="Informations contrat — Complémentaire Santé")
    expect(health).to_contain_text("Produit(s)NIS/CHN0010, NIS/AN00010")
    expect(
        health.get_by_text("Conjoint Produit(s) : NIS/CHN0010, NIS/AN00010 GA : 02ENSP")
    ).to_be_visible()
    expect(
        health.get_by_text("Enfant Produit(s) : NIS/CHN0010, NIS/AN00010 GA : 02ENSP")
    ).to_be_visible()
    provident = page.get_by_role("region", name="Informations contrat — Prévoyance")
    expect(provident).to_contain_text("GAP01")
    expect(provident).to_contain_text("Produit(s)PRV/DC0010")
    expect(page.get_by_text("Marc")).to_have_count(0)
    expect(page.get_by_text("Jade")).to_have_count(0)
    expect(page.get_by_text("héritiers")).to_have_count(0)
    menu.get_by_role("link", name="Mes collaborateurs").click()
    with page.expect_download() as export_info:
        page.get_by_role("link", name="CSV").click()
    with open(export_info.value.path(), encoding="utf-8-sig") as handle:
        assert handle.readline().startswith("Nom;Prénom;N° adhérent")

    menu.get_by_role("link", name="Prévoyance").click()
    expect(page.get_by_role("heading", name="Contrat N° P0962034")).to_be_visible()

    menu.get_by_role("link", name="Mes documents").click()
    expect(page.get_by_role("heading", name="Garanties")).to_be_visible()
    page.get_by_text("Afficher les garanties").first.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"garanties NIS.CHN0010")).first.click()
    download = download_info.value
    assert download.suggested_filename == "Tableau de garanties NIS-CHN0010.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    menu.get_by_role("link", name="Accueil").click()
    page.get_by_label("Changer d'entreprise").select_option(label="TRANSPORTS LEFEVRE SARL")
    page.get_by_role("button", name="Changer d'entreprise").click()
    expect(page.locator(".topbar__company")).to_contain_text("TRANSPORTS LEFEVRE SARL")
    expect(menu.get_by_role("link", name="Prévoyance")).to_have_count(0)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    page.goto("/entreprises/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next="))


def test_wrong_password_then_lockout_are_explained(page: Page, demo: None) -> None:
    log_in(page, "rh2@demo.example", "Mauvais-2026!")
    expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
    for _ in range(4):
        log_in(page, "rh2@demo.example", "Mauvais-2026!")
    expect(page.get_by_text("Votre accès est temporairement bloqué")).to_be_visible()


def reset_link_from_email() -> str:
    match = re.search(r"https?://\S+/mot-de-passe/[^/\s]+/", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(0)


def request_reset(page: Page, login: str) -> str:
    page.goto("/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ? Cliquez ici !").click()
    page.get_by_label("Votre identifiant ou votre Email").fill(login)
    tick_robot_check(page)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_text("Ce lien est valable 5 minutes")).to_be_visible()
    return reset_link_from_email()


def test_password_reset_link_works_once_and_only_five_minutes(
    page: Page, demo: None, live_server: LiveServer
) -> None:
    link = request_reset(page, "rh2@demo.example")
    assert link.startswith(live_server.url)

    page.goto(link)
    page.get_by_label("Saisissez votre mot de passe").fill("Nouveau-2026!")
    page.get_by_label("Confirmer votre mot de passe").fill("Nouveau-2026!")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("Votre mot de passe est enregistré.")).to_be_visible()

    log_in(page, "rh2@demo.example", "Nouveau-2026!")
    expect(
        page.get_by_role("heading", name="Bienvenue dans votre espace entreprise")
    ).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    page.goto(link)
    expect(page.get_by_text("Ce lien a déjà été utilisé.")).to_be_visible()

    second = request_reset(page, "rh2@demo.example")
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=5)):
        page.goto(second)
        expect(page.get_by_text("Ce lien a expiré.")).to_be_visible()
