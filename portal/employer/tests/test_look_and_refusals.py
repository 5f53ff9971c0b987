"""Issue 11 (defects 13, 14, 17): one refusal page for every role, the brand, French counts."""

from __future__ import annotations

import re
import zlib

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from conftest import make_user
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.core.plural import counted
from portal.documents.rendering import render_pdf

LOGO = '<img class="topbar__logo" src="/static/brand/logo.svg" alt="Mutuelle Démo"'


@pytest.mark.django_db
def test_another_companys_page_is_the_styled_404_with_the_brand_and_no_url_list(
    client_a: Client, company_b: Company
) -> None:
    response = client_a.get(reverse("employer:home", args=[company_b.pk]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page introuvable</h1>" in page
    assert LOGO in page
    assert "Using the URLconf" not in page
    assert "Entreprise introuvable" not in page


@pytest.mark.django_db
def test_an_employee_on_an_employer_page_gets_the_styled_403_with_the_same_layout(
    client: Client, company_a: Company
) -> None:
    client.force_login(make_user("salarie@example.org", Role.MEMBER))
    response = client.get(reverse("employer:home", args=[company_a.pk]))
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Accès refusé</h1>" in page
    assert LOGO in page
    assert '<link rel="stylesheet" href="/static/css/portal.css">' in page


@pytest.mark.django_db
def test_an_hr_correspondent_on_the_member_space_gets_the_same_403(
    client_a: Client,
) -> None:
    response = client_a.get(reverse("journey:space"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Accès refusé</h1>" in page
    assert LOGO in page


@pytest.mark.django_db
def test_pages_take_the_brand_colours_from_the_settings(client: Client, settings: object) -> None:
    from django.conf import settings as conf

    brand = {**conf.PORTAL_BRAND, "primary_color": "#224466", "accent_color": "#aa3300"}
    setattr(settings, "PORTAL_BRAND", brand)  # noqa: B010 - pytest-django's settings fixture
    page = client.get(reverse("accounts:login")).content.decode()
    assert "<style>:root { --brand: #224466; --accent: #aa3300; }</style>" in page


@pytest.mark.django_db
def test_the_employer_space_is_named_in_the_header(client_a: Client, company_a: Company) -> None:
    page = client_a.get(reverse("employer:home", args=[company_a.pk])).content.decode()
    assert '<span class="topbar__space">Mon Entreprise</span>' in page


@pytest.mark.django_db
def test_a_member_sees_their_mutuelles_name_not_mon_entreprise(client: Client) -> None:
    member: User = make_user("salarie@example.org", Role.MEMBER)
    client.force_login(member)
    page = client.get(reverse("journey:space")).content.decode()
    assert "Mon Entreprise" not in page
    assert LOGO in page
    assert "<title>Mon espace perso — Mutuelle Démo</title>" in page


@pytest.mark.django_db
def test_the_header_shows_the_company_once_with_a_single_company(
    client_a: Client, company_a: Company
) -> None:
    page = client_a.get(reverse("employer:home", args=[company_a.pk])).content.decode()
    header = page.split("<header")[1].split("</header>")[0]
    assert header.count(company_a.legal_name) == 1
    assert "<select" not in header


@pytest.mark.django_db
def test_the_header_shows_the_company_once_in_the_drop_down_with_several(
    client_a: Client, company_a: Company, company_b: Company, correspondent_a: User
) -> None:
    correspondent_a.companies.add(company_b)
    page = client_a.get(reverse("employer:home", args=[company_a.pk])).content.decode()
    header = page.split("<header")[1].split("</header>")[0]
    assert header.count(company_a.legal_name) == 1
    assert f'<option value="{company_a.pk}" selected>{company_a.legal_name}</option>' in header


@pytest.mark.parametrize(
    ("count", "forms", "expected"),
    [
        (0, "demande", "0 demande"),
        (1, "demande", "1 demande"),
        (2, "demande", "2 demandes"),
        (0, "salarié validé", "0 salarié validé"),
        (3, "salarié validé", "3 salariés validés"),
        (2, "salarié en erreur,salariés en erreur", "2 salariés en erreur"),
    ],
)
def test_counts_take_the_french_plural(count: int, forms: str, expected: str) -> None:
    assert counted(count, forms) == expected
    rendered = Template("{{ n|compte:forms }}").render(Context({"n": count, "forms": forms}))
    assert rendered == expected


@pytest.mark.django_db
def test_an_empty_request_list_says_0_demande(client_a: Client, company_a: Company) -> None:
    page = client_a.get(reverse("tracking:requests", args=[company_a.pk])).content.decode()
    assert '<p class="results-count" role="status">0 demande</p>' in page


def pdf_contents(pdf: bytes) -> bytes:
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    out = b""
    for stream in streams:
        try:
            out += zlib.decompress(stream)
        except zlib.error:
            out += stream
    return out


@pytest.mark.django_db
def test_pdf_headings_and_rule_take_the_brand_colours_not_fpdfs_dark_red() -> None:
    pdf = render_pdf(
        "letters/password.html",
        {"employee": None, "password": "x", "company": None},
        title="Votre mot de passe provisoire",
    )
    contents = pdf_contents(pdf)
    assert b"Td 0.0431 0.3098 0.5412 rg" in contents  # #0b4f8a, the primary colour (text)
    assert b"0.702 0.2784 0 RG" in contents  # #b34700, the accent colour (the header rule)
    assert b"0.5882 0 0 rg" not in contents  # fpdf2's default heading colour
    assert b"(Mutuelle D\xe9mo) Tj" in contents  # the logo, drawn from static/brand/logo.svg
