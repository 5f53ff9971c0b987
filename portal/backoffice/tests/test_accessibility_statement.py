"""Issue 12 item 11: the "Déclaration d'accessibilité", public and linked from every layout.

A whole-project test (every role's layout), so it sits in the top app.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user, text
from portal.accounts.models import Role, User
from portal.companies.models import Company


def squeezed(page: str) -> str:
    """The page without the white space between tags, to read the footer's markup."""
    return re.sub(r">\s+<", "><", page)


FOOTER_LINK = '<a href="/accessibilite/">Déclaration d\'accessibilité</a>'
MENTION = (
    f'<p class="footer__accessibility">Accessibilité : partiellement conforme — {FOOTER_LINK}</p>'
)


@pytest.mark.django_db
def test_the_statement_renders_without_login_with_the_rgaa_sections(client: Client) -> None:
    response = client.get(reverse("core:accessibility"))
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Déclaration d'accessibilité</h1>" in page
    assert "est <strong>partiellement conforme</strong>" in page
    for heading in [
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration d'accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
    ]:
        assert f"<h2>{heading}</h2>" in page
    assert "à deux largeurs d'écran : 1280 pixels" in page
    assert "Libre réponse 71120" in page
    assert "Cette déclaration a été établie le 2 décembre 2026." in page


@pytest.mark.django_db
def test_the_statement_takes_its_contact_and_date_from_the_settings(
    client: Client, settings: object
) -> None:
    from django.conf import settings as conf

    brand = {
        **conf.PORTAL_BRAND,
        "accessibility_contact_email": "a11y@mutuelle.example",
        "accessibility_contact_address": "3 place du Port, 13002 MARSEILLE",
    }
    setattr(settings, "PORTAL_BRAND", brand)  # noqa: B010 - pytest-django's settings fixture
    setattr(settings, "ACCESSIBILITY_STATEMENT_DATE", datetime.date(2027, 3, 1))  # noqa: B010
    page = text(client.get(reverse("core:accessibility")))
    assert '<a href="mailto:a11y@mutuelle.example">a11y@mutuelle.example</a>' in page
    assert "Adresse : Mutuelle Démo, 3 place du Port, 13002 MARSEILLE" in page
    assert "Cette déclaration a été établie le 1 mars 2027." in page


@pytest.mark.django_db
def test_the_statement_refuses_a_post(client: Client) -> None:
    assert client.post(reverse("core:accessibility")).status_code == 405


@pytest.mark.django_db
def test_the_login_page_footer_links_the_statement(client: Client) -> None:
    page = squeezed(text(client.get(reverse("accounts:login"))))
    assert f'<footer class="footer">{MENTION}</footer>' in page


@pytest.mark.django_db
def test_the_employer_layout_footer_links_the_statement(
    client_a: Client, company_a: Company
) -> None:
    page = text(client_a.get(reverse("employer:home", args=[company_a.pk])))
    assert 'class="shell"' in page
    assert FOOTER_LINK in page


@pytest.mark.django_db
def test_the_employee_layout_footer_links_the_statement(client: Client) -> None:
    client.force_login(make_user("salarie@example.org", Role.MEMBER))
    page = text(client.get(reverse("journey:space")))
    assert "<title>Mon espace perso — Mutuelle Démo</title>" in page
    assert FOOTER_LINK in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["backoffice:queue", "backoffice:settings", "admin:companies_company_changelist"]
)
def test_the_back_office_footer_links_the_statement(
    client: Client, staff_user: User, name: str
) -> None:
    client.force_login(staff_user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert f'<footer id="footer">{MENTION}</footer>' in squeezed(text(response))
