"""Issue 17, item 1, in the browser: the employer's home shows the campaign's chart with its
table for screen readers, and its link lists exactly the employees to chase."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.companies.models import Company
from portal.tracking.models import Reason, Request, State


def test_the_home_chart_has_its_table_and_links_those_to_chase(page: Page, demo: None) -> None:
    company = Company.objects.get(legal_name="BOULANGERIES MARTIN SAS")
    waiting = Request.objects.filter(
        company=company, state=State.WAITING, reason=Reason.AFFILIATION
    ).count()
    log_in(page, "rh@demo.example", DEMO_PASSWORD)
    page.goto(f"/entreprises/{company.pk}/")

    chart = page.get_by_role("region", name="Avancée des adhésions", exact=True)
    expect(chart).to_be_visible()
    expect(chart.locator("svg.campaign__bar").first).to_be_visible()
    table = chart.get_by_role("table", name=re.compile("^Avancée des adhésions, en nombre"))
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader", name="Mis en gestion")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Ensemble de l'entreprise")).to_be_visible()
    expect(chart.locator(".campaign__chase strong")).to_have_text(str(waiting))

    chart.get_by_role("link", name=re.compile("^voir les? salariés? à relancer$")).click()
    expect(page).to_have_url(re.compile(r"\?etat=waiting&motif=affiliation$"))
    expect(page.get_by_role("status").first).to_contain_text(f"{waiting} demande")
