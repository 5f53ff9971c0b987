from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.companies.models import Company


@pytest.mark.django_db
def test_home_shows_menu_contracts_empty_requests_and_account_manager(
    client_a: Client, company_a: Company
) -> None:
    page = client_a.get(reverse("employer:home", args=[company_a.pk])).content.decode()
    for text in [
        "Accueil",
        "Mon entreprise",
        "Mes documents",
        "Mes contrats",
        "Complémentaire Santé",
        "Mes dernières demandes",
        "Aucune demande pour le moment.",
        "Claire Moreau",
        "01 84 60 12 34",
        "Besoin d'aide",
        "ALPHA SAS",
        "Se déconnecter",
    ]:
        assert text in page, text
    assert "Mes demandes" in page
    assert "Mes collaborateurs" in page
    assert "Mes actions rapides" in page
    assert "Ajouter des salariés" in page
    # Menu entries only for what the company has.
    assert "Prévoyance" not in page
