from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from conftest import make_user
from portal.accounts.models import User
from portal.companies.coverage import CoverageSection, generate_coverage_table
from portal.companies.models import Company, Contract, ContractKind, InsuredGroup, Product
from portal.core.models import AuditEvent


@pytest.fixture
def provident(company_a: Company) -> Contract:
    product = Product.objects.create(code="PRV/DC0010", label="Décès", kind="base")
    contract = Contract.objects.create(
        company=company_a, number="P0001", kind=ContractKind.PROVIDENT, start_date=date(2024, 1, 1)
    )
    InsuredGroup.objects.create(
        contract=contract, code="P01", label="Ensemble du personnel", base_product=product
    )
    return contract


@pytest.mark.django_db
def test_single_company_correspondent_goes_straight_to_its_home(
    client_a: Client, company_a: Company
) -> None:
    response = client_a.get(reverse("companies:choose"))
    assert response["Location"] == reverse("employer:home", args=[company_a.pk])


@pytest.mark.django_db
def test_correspondent_of_several_companies_picks_one(
    client: Client, correspondent_a: User, company_a: Company, company_b: Company
) -> None:
    correspondent_a.companies.add(company_b)
    client.force_login(correspondent_a)
    page = client.get(reverse("companies:choose")).content.decode()
    assert "Mes entreprises" in page
    assert "ALPHA SAS" in page and "BETA SARL" in page
    response = client.get(reverse("companies:choose"), {"entreprise": company_b.pk})
    assert response["Location"] == reverse("employer:home", args=[company_b.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "-1", "999999"])
def test_choosing_an_unknown_company_is_404(client_a: Client, value: str) -> None:
    assert client_a.get(reverse("companies:choose"), {"entreprise": value}).status_code == 404


@pytest.mark.django_db
def test_choosing_another_correspondents_company_is_404(
    client_a: Client, company_b: Company
) -> None:
    response = client_a.get(reverse("companies:choose"), {"entreprise": company_b.pk})
    assert response.status_code == 404


@pytest.mark.django_db
def test_correspondent_without_company_gets_an_honest_message(client: Client, db: None) -> None:
    client.force_login(make_user("seul@example.org"))
    page = client.get(reverse("companies:choose")).content.decode()
    assert "Aucune entreprise n'est encore rattachée à votre identifiant." in page


@pytest.mark.django_db
def test_provident_menu_entry_appears_with_a_provident_contract(
    client_a: Client, company_a: Company, provident: Contract
) -> None:
    home = client_a.get(reverse("employer:home", args=[company_a.pk])).content.decode()
    assert reverse("companies:provident", args=[company_a.pk]) in home
    page = client_a.get(reverse("companies:provident", args=[company_a.pk])).content.decode()
    assert "Contrat N° P0001" in page
    assert "Ensemble du personnel" in page


@pytest.mark.django_db
def test_provident_page_is_404_without_a_provident_contract(
    client_a: Client, company_a: Company
) -> None:
    assert client_a.get(reverse("companies:provident", args=[company_a.pk])).status_code == 404


@pytest.mark.django_db
def test_my_company_is_read_only_with_the_guide_fields(
    client_a: Client, company_a: Company
) -> None:
    page = client_a.get(reverse("companies:my_company", args=[company_a.pk])).content.decode()
    for text in [
        "Identité entreprise",
        "Raison sociale",
        "N° de Siret",
        "73282932000074",
        "Enseigne",
        "Adresse principale",
        "Immeuble / Bâtiment",
        "Appartement / Etage",
        "Lieu-dit ou boîte postale",
        "Code postal - Code Cedex",
        "Ville",
        "Pays",
        "Coordonnées",
        "Téléphone",
        "Email",
        "Non renseigné",
        "rapprochez-vous de votre chargé d'affaires",
    ]:
        assert text in page, text
    assert page.count('method="post"') == 1  # the logout button only: nothing to edit here


@pytest.mark.django_db
def test_documents_lists_products_and_downloads_the_coverage_table(
    client_a: Client, company_a: Company, base_product: Product
) -> None:
    generate_coverage_table(
        base_product, [CoverageSection("Hospitalisation", [("Séjour", "100 %")])]
    )
    page = client_a.get(reverse("companies:documents", args=[company_a.pk])).content.decode()
    assert "Garanties" in page
    assert "Afficher les garanties" in page
    assert "NIS/CHN0010" in page
    url = reverse("companies:coverage_table", args=[company_a.pk, base_product.pk])
    response = client_a.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.getvalue().startswith(b"%PDF-")
    assert 'filename="Tableau de garanties NIS-CHN0010.pdf"' in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="coverage_table_downloaded").count() == 1


@pytest.mark.django_db
def test_missing_coverage_table_is_404_and_said_on_the_page(
    client_a: Client, company_a: Company, base_product: Product
) -> None:
    page = client_a.get(reverse("companies:documents", args=[company_a.pk])).content.decode()
    assert "Tableau de garanties non disponible" in page
    url = reverse("companies:coverage_table", args=[company_a.pk, base_product.pk])
    assert client_a.get(url).status_code == 404


@pytest.mark.django_db
def test_documents_page_query_count_does_not_grow_with_products(
    client_a: Client,
    company_a: Company,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    group = InsuredGroup.objects.get(contract__company=company_a)
    for i in range(10):
        group.option_products.add(
            Product.objects.create(code=f"OPT{i}", label=f"Option {i}", kind="option")
        )
    with django_assert_max_num_queries(12):
        response = client_a.get(reverse("companies:documents", args=[company_a.pk]))
    assert response.content.decode().count("OPT") == 10


@pytest.mark.django_db
def test_company_switcher_is_on_every_page_for_several_companies(
    client: Client, correspondent_a: User, company_a: Company, company_b: Company
) -> None:
    correspondent_a.companies.add(company_b)
    client.force_login(correspondent_a)
    for name in ["employer:home", "companies:my_company", "companies:documents"]:
        page = client.get(reverse(name, args=[company_a.pk])).content.decode()
        assert "Changer d'entreprise" in page, name
        assert f'<option value="{company_b.pk}">BETA SARL</option>' in page
