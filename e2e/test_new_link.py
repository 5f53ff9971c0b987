"""Issue 17, item 3, at phone size: an employee whose 60-day link expired gets a new one alone —
NIR, birth date, the code received by SMS — and lands on "Choisissez votre mot de passe"."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import declare
from portal.companies.models import Company
from portal.enrollment.models import Employee, Invitation
from portal.notifications.backends import MemoryBackend
from portal.notifications.models import Channel
from portal.tracking.models import EventKind, RequestEvent


def test_an_employee_gets_a_new_link_with_an_sms_code(
    page: Page, postal_codes: None, company_a: Company
) -> None:
    request = declare(company_a)
    employee = Employee.objects.get(pk=request.employee_id)
    employee.phone = "06 12 34 56 78"
    employee.save(update_fields=["phone"])
    old = Invitation.objects.get(membership=request.membership)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/adhesion/{old.token}/")
    expect(page.get_by_role("heading", name="Ce lien ne peut plus être utilisé")).to_be_visible()
    page.get_by_role("link", name="Obtenir un nouveau lien").click()

    expect(page.get_by_role("heading", name="Obtenir un nouveau lien", level=1)).to_be_visible()
    page.get_by_label(re.compile("^Numéro de sécurité sociale")).fill(employee.nir)
    page.get_by_label(re.compile("^Date de naissance")).fill(employee.birth_date.isoformat())
    page.get_by_label(re.compile("^Par SMS")).check()
    page.get_by_role("button", name="Recevoir mon code").click()

    expect(page.get_by_text("un code à 6 chiffres vient de vous être envoyé")).to_be_visible()
    sms = [d for d in MemoryBackend.delivered if d.channel == Channel.SMS][-1]
    code = re.search(r"est (\d{6})\.", sms.body_text)
    assert code is not None, sms.body_text
    page.get_by_label(re.compile("^Code reçu")).fill("000000" if code.group(1) != "000000" else "1")
    page.get_by_role("button", name="Obtenir mon nouveau lien").click()
    expect(page.locator(".field__error")).to_contain_text("Ce code n'est pas valable")
    page.get_by_label(re.compile("^Code reçu")).fill(code.group(1))
    page.get_by_role("button", name="Obtenir mon nouveau lien").click()

    expect(page.get_by_text("Voici votre nouveau lien, valable 60 jours")).to_be_visible()
    expect(page.get_by_role("heading", name="Espace personnel")).to_be_visible()
    new = Invitation.objects.get(membership=request.membership, revoked_at=None)
    assert page.url.endswith(f"/adhesion/{new.token}/")
    assert RequestEvent.objects.filter(request=request, kind=EventKind.LINK_SELF_RENEWED).exists()
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
