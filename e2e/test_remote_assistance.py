"""Journey: an adviser takes the hand on an employee's enrollment with an assistance code.

The employee, on a phone, asks "Assistance à distance" for a code and reads it; the adviser
(desktop, password and second factor) enters it in "Prendre la main à distance", fills "Mon
profil" and the dependants step for them under the "Vous assistez …" banner, is refused the
signature, then "Terminer l'assistance"; the employee saw "Un conseiller … vous accompagne"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import declare
from e2e.accessibility import AccessibilityAudit, report
from e2e.conftest import log_in
from e2e.test_insurer import MEMBER_PASSWORD, STAFF_PASSWORD, with_password
from portal.accounts.models import User
from portal.assistance.models import AssistanceSession, EndReason
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.enrollment.models import JourneyStep, Membership


@pytest.fixture
def phone(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, accessibility_checked: set[str]
) -> Iterator[Page]:
    """The employee's phone: its own browser context, 390 × 844, checked by axe too."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    audit = AccessibilityAudit(checked_patterns=accessibility_checked)
    audit.watch(context)
    yield context.new_page()
    violations = audit.check(context)
    context.close()
    if violations:
        pytest.fail(report(violations), pytrace=False)


def test_an_adviser_assists_an_employee_with_a_code(
    postal_codes: None, page: Page, phone: Page, company_a: Company, staff_user: User
) -> None:
    membership: Membership = declare(company_a).membership
    member = membership.employee.user
    assert member is not None and member.email
    with_password(member, MEMBER_PASSWORD)
    with_password(staff_user, STAFF_PASSWORD)

    # The employee asks for a code on their phone.
    log_in(phone, member.email, MEMBER_PASSWORD)
    phone.goto("/mon-espace/assistance/")
    expect(phone.get_by_role("heading", name="Assistance à distance", level=1)).to_be_visible()
    phone.get_by_role("button", name="Obtenir un code d'assistance").click()
    code = phone.locator(".assistance-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    expect(phone.get_by_text("Valable jusqu'à")).to_be_visible()

    # The adviser enters it: a wrong one first, then the one read over the phone.
    log_in(page, staff_user.email, STAFF_PASSWORD)
    page.get_by_role("link", name="Prendre la main à distance").click()
    field = page.get_by_label("Code d'assistance (6 chiffres)")
    field.fill(f"{(int(code) + 1) % 10**6:06d}")
    page.get_by_role("button", name="Prendre la main").click()
    expect(page.get_by_text("Ce code d'assistance n'est pas valable")).to_be_visible()
    page.get_by_label("Code d'assistance (6 chiffres)").fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Prendre la main").click()
    expect(page).to_have_url(re.compile(r"/mon-espace/adhesion/\d+/profil/$"))
    expect(page.get_by_text("Vous assistez Cédric SIMON")).to_be_visible()

    # The employee sees who is with them, in their journey.
    phone.goto(f"/mon-espace/adhesion/{membership.pk}/profil/")
    expect(
        phone.get_by_text(re.compile(r"Un conseiller \(Sophie\) vous accompagne depuis"))
    ).to_be_visible()

    # The adviser fills "Mon profil" and goes on without dependants.
    page.get_by_label("Situation familiale").select_option("married")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_role("button", name="Suivant").click()
    expect(page).to_have_url(re.compile(r"/beneficiaires/$"))
    page.get_by_role("button", name="Poursuivre sans bénéficiaire").click()
    expect(page).to_have_url(re.compile(r"/garanties/$"))
    membership.refresh_from_db()
    assert membership.step_done(JourneyStep.DEPENDANTS)
    saved = AuditEvent.objects.get(action=AuditAction.PROFILE_SAVED)
    assert (saved.actor_id, saved.details["on_behalf_of"]) == (staff_user.pk, member.pk)

    # Signing is the employee's own.
    page.goto(f"/mon-espace/adhesion/{membership.pk}/signature/sms/")
    expect(page.get_by_role("heading", name="Réservé au salarié")).to_be_visible()

    # "Terminer l'assistance": back to the back office; the journey is closed to the adviser.
    page.get_by_role("button", name="Terminer l'assistance").click()
    expect(
        page.get_by_text("L'assistance à distance de Cédric SIMON est terminée.")
    ).to_be_visible()
    page.goto(f"/mon-espace/adhesion/{membership.pk}/profil/")
    expect(page).to_have_url(re.compile(r"/backoffice/assistance/$"))
    assert AssistanceSession.objects.get().end_reason == EndReason.ENDED_BY_STAFF

    phone.goto("/mon-espace/assistance/")
    expect(phone.get_by_role("button", name="Obtenir un code d'assistance")).to_be_visible()
