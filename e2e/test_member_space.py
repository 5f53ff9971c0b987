"""Journey: an enrolled employee on their phone (390 px) logs in at "Mon espace perso", reads
their state, sees and downloads their card, reads their cover and documents, changes their
phone, and logs out — no page scrolls sideways."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.cards.models import MembershipCard
from portal.enrollment.models import Employee

PASSWORD = "Adherent-2026!"
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
OVERFLOW = "document.documentElement.scrollWidth > window.innerWidth"


def test_a_member_logs_in_on_a_phone_and_downloads_the_card(page: Page, demo: None) -> None:
    card = (
        MembershipCard.objects.filter(superseded_at=None, membership__employee__user__isnull=False)
        .select_related("membership__employee__user")
        .order_by("pk")
        .first()
    )
    assert card is not None, "the demo has members with a card"
    employee = card.membership.employee
    user = employee.user
    assert user is not None
    user.set_password(PASSWORD)
    user.save()
    page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})

    # The HR door points employees to theirs.
    page.goto("/connexion/")
    page.get_by_role("link", name="Accédez à Mon espace perso").click()
    expect(page.get_by_role("heading", name="Mon espace perso")).to_be_visible()
    log_in(page, user.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_text(f"Bonjour {employee.first_name}.")).to_be_visible()
    expect(page.get_by_text("Adhésion active", exact=True).first).to_be_visible()
    assert not page.evaluate(OVERFLOW), "the home scrolls sideways at 390 px"

    page.get_by_role("link", name="Voir ma carte").first.click()
    expect(page.get_by_role("heading", name="Ma carte mutualiste")).to_be_visible()
    expect(page.get_by_role("table", name="Personnes couvertes")).to_contain_text(
        employee.first_name
    )
    assert not page.evaluate(OVERFLOW), "the card scrolls sideways at 390 px"
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger ma carte (PDF)").click()
    path = download.value.path()
    assert path is not None and Path(path).read_bytes()[:5] == b"%PDF-"

    for link, heading in [
        ("Mes garanties", "Mes garanties"),
        ("Mes bénéficiaires", "Mes bénéficiaires"),
        ("Mes coordonnées bancaires", "Mes coordonnées bancaires"),
        ("Mes documents", "Mes documents"),
        ("Mes demandes", "Mes demandes"),
        ("Assistance à distance", "Assistance à distance"),
        ("Mes coordonnées", "Mes coordonnées"),
    ]:
        page.get_by_role("navigation", name="Menu de mon espace perso").get_by_role(
            "link", name=link, exact=True
        ).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert not page.evaluate(OVERFLOW), f"{heading} scrolls sideways at 390 px"

    page.get_by_label("Téléphone portable").fill("06 98 76 54 32")
    page.get_by_role("button", name="Enregistrer mes coordonnées").click()
    expect(page.get_by_text("Vos coordonnées sont enregistrées.")).to_be_visible()
    assert Employee.objects.get(pk=employee.pk).phone == "06 98 76 54 32"

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/espace-perso/connexion/$"))
