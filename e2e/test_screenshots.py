"""Issue 11: the main pages at 1280 px and 390 px wide, none scrolling sideways.

The screenshots are saved under var/screenshots/ (not committed) to be looked at.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from conftest import declaration, link_in, make_nir
from portal.accounts.models import User
from portal.companies.models import Company, ContractKind, InsuredGroup
from portal.enrollment.models import Employee, JourneyStep, Membership
from portal.imports.models import ImportBatch
from portal.tracking.models import Reason, Request, Source, State
from portal.tracking.services import declare_employee

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTHS = (1280, 390)
OVERFLOW = "document.documentElement.scrollWidth > window.innerWidth"


def logged_in_context(browser: Browser, live_server: LiveServer, email: str) -> BrowserContext:
    """A browser already logged in as `email` (the login page has its own journeys)."""
    client = Client()
    client.force_login(User.objects.get(email=email))
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def shoot(page: Page, name: str, url: str) -> list[str]:
    """Screenshots of `url` at every width; the widths at which the page scrolls sideways."""
    overflowing = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url)
        assert response is not None and response.status == 200, (name, url)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        if page.evaluate(OVERFLOW):
            overflowing.append(f"{name} at {width} px")
    return overflowing


def member_first_step(page: Page) -> str:
    """A new employee of the demo (health and provident) opens their link and chooses a
    password: their first step."""
    company = Company.objects.get(legal_name="BOULANGERIES MARTIN SAS")
    group = InsuredGroup.objects.get(contract__company=company, code="02ENSP")
    provident = InsuredGroup.objects.get(
        contract__company=company, contract__kind=ContractKind.PROVIDENT
    )
    declare_employee(
        company=company,
        declaration=declaration(
            company,
            last_name="Garnier",
            first_name="Hugo",
            hire_date=date(2026, 11, 2),
            effective_date=date(2026, 11, 2),
            insured_group_ids=[group.pk, provident.pk],
            nir=make_nir(order="987"),
            email="hugo.garnier@example.org",
            employee_number="",
        ),
        source=Source.FORM,
        by=None,
        today=date(2026, 11, 27),
    )
    page.goto(link_in(r"https?://\S+/adhesion/[^/\s]+/", mail.outbox[-1].body))
    page.get_by_label("Saisissez votre mot de passe").fill("Adherent-2026!")
    page.get_by_label("Confirmer votre mot de passe").fill("Adherent-2026!")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state()
    return page.url


def test_main_pages_do_not_scroll_sideways_at_1280_and_390_px(
    browser: Browser,
    live_server: LiveServer,
    demo: None,
    settings: Any,
) -> None:
    settings.SITE_URL = live_server.url  # the employee's e-mail link points at the server
    SHOTS.mkdir(parents=True, exist_ok=True)
    overflowing: list[str] = []

    anonymous = browser.new_context(base_url=live_server.url, locale="fr-FR")
    overflowing += shoot(anonymous.new_page(), "login", reverse("accounts:login"))
    anonymous.close()

    company = Company.objects.get(legal_name="BOULANGERIES MARTIN SAS")
    employee = Employee.objects.filter(company=company).order_by("last_name").first()
    assert employee is not None
    group = InsuredGroup.objects.filter(contract__company=company).order_by("code").first()
    assert group is not None
    ImportBatch.objects.create(  # a row in "Historique des imports", with a long file name
        company=company,
        insured_group=group,
        created_by=User.objects.get(email="rh@demo.example"),
        filename="salaries-boulangeries-martin-novembre-2026-definitif.xlsx",
        total_rows=120,
        declared_count=118,
        rejected_count=2,
    )
    hr = logged_in_context(browser, live_server, "rh@demo.example")
    page = hr.new_page()
    for name, url in [
        ("employer-home", reverse("employer:home", args=[company.pk])),
        ("requests", reverse("tracking:requests", args=[company.pk])),
        ("employees", reverse("employer:employees", args=[company.pk])),
        ("employee", reverse("employer:employee", args=[company.pk, employee.pk])),
        ("declaration-form", reverse("tracking:declare", args=[company.pk])),
        ("import-history", reverse("imports:history", args=[company.pk])),
        ("dsn-reconciliation", reverse("dsn:reconciliation", args=[company.pk])),
    ]:
        overflowing += shoot(page, name, url)
    hr.close()

    member = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = member.new_page()
    step = member_first_step(page)
    overflowing += shoot(page, "journey-step", step)
    # "Mes garanties" with the health cards and the provident clause (steps before it done).
    lead = Membership.objects.get(employee__last_name="GARNIER", contract__kind=ContractKind.HEALTH)
    Membership.objects.filter(employee=lead.employee).update(journey_step=JourneyStep.DEPENDANTS)
    overflowing += shoot(page, "journey-coverage", reverse("journey:coverage", args=[lead.pk]))
    overflowing += shoot(page, "member-space", reverse("journey:space"))
    member.close()

    staff = logged_in_context(browser, live_server, "staff@demo.example")
    page = staff.new_page()
    overflowing += shoot(page, "backoffice", reverse("admin:index"))
    # "À traiter" and a signed dossier to check ("En cours"), with the DSN anomalies queue.
    signed = (
        Request.objects.filter(reason=Reason.AFFILIATION, state=State.IN_PROGRESS)
        .order_by("pk")
        .first()
    )
    assert signed is not None
    for name, url in [
        ("backoffice-queue", reverse("backoffice:queue")),
        ("backoffice-dossier", reverse("backoffice:dossier", args=[signed.pk])),
        ("backoffice-dsn-anomalies", reverse("backoffice:dsn_anomalies")),
    ]:
        overflowing += shoot(page, name, url)
    staff.close()

    assert overflowing == []
    assert len(list(SHOTS.glob("*.png"))) >= 26
