"""A member changes the IBAN of their debits at phone size (390 px): a new SEPA mandate,
signed with the SMS code read from the outbox, the old one revoked."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.companies.models import Company
from portal.enrollment.models import DebitMandate
from portal.enrollment.tests.test_mandates import NEW_IBAN, make_active_member
from portal.notifications.backends import MemoryBackend
from portal.notifications.models import Channel

PASSWORD = "Adherent-2026!"


def last_sms_code() -> str:
    message = [d for d in MemoryBackend.delivered if d.channel == Channel.SMS][-1]
    match = re.search(r"\b(\d{6})\b", message.body_text)
    assert match is not None, message.body_text
    return match.group(1)


def test_a_member_changes_the_iban_with_an_sms_code_on_a_phone(
    page: Page, postal_codes: None, company_a: Company
) -> None:
    member = make_active_member(company_a)
    user = member.employee.user
    assert user is not None
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    old = member.live_mandate()
    assert old is not None
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, user.email, PASSWORD)
    page.goto("/mon-espace/coordonnees-bancaires/")
    expect(page.get_by_role("heading", name="Mes coordonnées bancaires")).to_be_visible()
    expect(page.get_by_text(old.reference)).to_be_visible()
    page.get_by_role("link", name="Modifier le compte de prélèvement").click()
    page.get_by_label("Titulaire du compte").fill("Cédric Simon")
    page.get_by_label("IBAN").fill("FR14 2004 1010 0505 0001 3M02 606")
    page.get_by_role("button", name="Suivant").click()

    expect(
        page.get_by_role("heading", name="Mon nouveau mandat de prélèvement SEPA")
    ).to_be_visible()
    new_reference = f"ADH-{member.member_number}-002"
    expect(page.get_by_text(new_reference)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Lire mon mandat de prélèvement SEPA (PDF)").click()
    assert download.value.suggested_filename == "mandat-sepa.pdf"
    page.get_by_label(re.compile("^J'ai lu le mandat de prélèvement SEPA")).check()
    page.get_by_role("button", name="Signer").click()
    page.get_by_label("Votre numéro de téléphone portable").fill("06 12 34 56 78")
    page.get_by_role("button", name="Recevoir mon code").click()
    page.get_by_label(re.compile("^Veuillez saisir le code reçu")).fill(last_sms_code())
    page.get_by_role("button", name="Signer", exact=True).click()

    expect(page.get_by_role("heading", name="Votre nouveau mandat est signé !")).to_be_visible()
    old.refresh_from_db()
    assert old.revoked_at is not None
    new = DebitMandate.objects.get(reference=new_reference)
    assert (new.revoked_at, new.account.iban) == (None, NEW_IBAN)
    assert new.signed_at is not None
    page.get_by_role("link", name="Mes coordonnées bancaires").last.click()
    expect(page.get_by_text(new_reference)).to_be_visible()
    expect(page.get_by_text(old.reference)).to_have_count(0)
