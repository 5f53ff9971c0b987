"""Journey: "Relancer" an employee from "Mes demandes"; afterwards the button is disabled and
says when the last reminder went and when the next one is possible."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.tracking.models import Reason, Request, State


def test_relancer_is_disabled_after_todays_reminder_with_its_dates(page: Page, demo: None) -> None:
    waiting = (
        Request.objects.filter(
            reason=Reason.AFFILIATION,
            state=State.WAITING,
            company__legal_name="BOULANGERIES MARTIN SAS",
        )
        .select_related("employee")
        .order_by("pk")
        .first()
    )
    assert waiting is not None
    employee = waiting.employee
    log_in(page, "rh@demo.example", DEMO_PASSWORD)
    page.goto(f"/entreprises/{waiting.company_id}/mes-demandes/?nom={employee.last_name}")
    row = (
        page.locator(".row")
        .filter(has_text=employee.full_name)
        .filter(has_text="Jours restants avant expiration")
    )
    button = row.get_by_role("button", name=re.compile("^Relancer"))
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_text("Votre demande a bien été prise en compte")).to_be_visible()
    page.get_by_role("link", name="Fermer").click()

    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    expect(
        row.get_by_text(re.compile(rf"^Dernière relance le {today:%d/%m/%Y} à \d\d:\d\d"))
    ).to_contain_text(f"prochaine relance possible le {tomorrow:%d/%m/%Y}")
    expect(row.get_by_role("button", name=re.compile("^Relancer"))).to_be_disabled()
