"""An employee of a company with a health and a provident contract: the employer's pages show
each contract on its own, the beneficiaries by role only (guide: "Les noms des bénéficiaires
n'apparaissent pas"), never the provident beneficiary clause."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from conftest import declare, make_nir, make_user, text
from portal.companies.models import (
    Company,
    Contract,
    ContractKind,
    InsuredGroup,
    Product,
    ProductKind,
)
from portal.enrollment.models import Dependant, DependantKind, Membership

NAMED_CLAUSE = "Mme Odile VERNEUIL-CLAUSE, née le 02/02/1960"


@pytest.fixture
def provident_group(company_a: Company) -> InsuredGroup:
    contract = Contract.objects.create(
        company=company_a,
        number="P0001",
        kind=ContractKind.PROVIDENT,
        start_date=date(2024, 1, 1),
        beneficiary_designation=True,
    )
    product = Product.objects.create(code="PRV/DC0010", label="Décès", kind=ProductKind.BASE)
    return InsuredGroup.objects.create(
        contract=contract, code="P01", label="Cadres", base_product=product
    )


def declare_both(company: Company, provident_group: InsuredGroup, **overrides: Any) -> Any:
    health = InsuredGroup.objects.get(contract__company=company, code="02ENSP")
    return declare(company, insured_group_ids=[health.pk, provident_group.pk], **overrides)


def add_family(membership: Membership) -> None:
    for kind, first_name, birth in [
        (DependantKind.PACS_PARTNER, "Gwendoline", date(1986, 1, 2)),
        (DependantKind.CHILD, "Anatole", date(2015, 3, 4)),
        (DependantKind.CHILD, "Philomène", date(2018, 5, 6)),
    ]:
        Dependant.objects.create(
            membership=membership,
            kind=kind,
            civility="MME",
            last_name="QUINTARD",
            first_name=first_name,
            birth_date=birth,
        )


@pytest.fixture
def two_contract_employee(company_a: Company, provident_group: InsuredGroup) -> Any:
    request = declare_both(company_a, provident_group)
    health = request.membership
    option = Product.objects.create(code="NIS/AN00010", label="Confort", kind=ProductKind.OPTION)
    health.option = option
    health.save(update_fields=["option"])
    add_family(health)
    provident = Membership.objects.get(employee_id=request.employee_id, contract__number="P0001")
    provident.beneficiary_clause = "named"
    provident.beneficiary_designation = NAMED_CLAUSE
    provident.save(update_fields=["beneficiary_clause", "beneficiary_designation"])
    return request


@pytest.mark.django_db
def test_employee_page_shows_each_contract_with_its_products_and_beneficiaries_by_role(
    client_a: Client, company_a: Company, two_contract_employee: Any
) -> None:
    page = text(
        client_a.get(
            reverse("employer:employee", args=[company_a.pk, two_contract_employee.employee_id])
        )
    )
    assert page.count("Informations contrat") == 2
    health = page.index("Informations contrat — Complémentaire Santé")
    provident = page.index("Informations contrat — Prévoyance")
    assert health < provident
    health_block, provident_block = page[health:provident], page[provident:]
    assert "<dt>N° contrat</dt><dd>A0001</dd>" in health_block
    assert "<dt>GA</dt><dd>02ENSP</dd>" in health_block
    assert "<dt>Produit(s)</dt><dd>NIS/CHN0010, NIS/AN00010</dd>" in health_block
    assert "<dt>Date d'effet du contrat</dt><dd>01/03/2024</dd>" in health_block
    assert "<dt>Statut</dt><dd>En attente d'adhésion</dd>" in health_block
    # One line per role present: the PACS partner is "Conjoint", two children one "Enfant".
    assert health_block.count("Conjoint Produit(s) : NIS/CHN0010, NIS/AN00010 GA : 02ENSP") == 1
    assert health_block.count("Enfant Produit(s) : NIS/CHN0010, NIS/AN00010 GA : 02ENSP") == 1
    assert "<dt>N° contrat</dt><dd>P0001</dd>" in provident_block
    assert "<dt>GA</dt><dd>P01</dd>" in provident_block
    assert "<dt>Produit(s)</dt><dd>PRV/DC0010</dd>" in provident_block
    assert "Liste des bénéficiaires" not in provident_block  # provident covers no dependants
    for secret in ["QUINTARD", "Gwendoline", "Anatole", "Philomène", "VERNEUIL", "Clause"]:
        assert secret not in page, secret
    assert "conjoint non séparé" not in page  # the standard clause's text neither


@pytest.mark.django_db
def test_employees_list_shows_every_contracts_status(
    client_a: Client, company_a: Company, two_contract_employee: Any
) -> None:
    provident = Membership.objects.get(
        employee_id=two_contract_employee.employee_id, contract__number="P0001"
    )
    provident.status = "active"
    provident.save(update_fields=["status"])
    page = text(client_a.get(reverse("employer:employees", args=[company_a.pk])))
    assert (
        '<li><span class="row__kind">Complémentaire Santé :</span> En attente d\'adhésion</li>'
        '<li><span class="row__kind">Prévoyance :</span> Mis en gestion - Date d\'effet '
        "01/03/2024</li>"
    ) in page
    assert "1 collaborateur" in page
    assert "1 collaborateur" in text(
        client_a.get(reverse("employer:employees", args=[company_a.pk]), {"groupe": "P01"})
    )


@pytest.mark.django_db
def test_export_has_one_row_per_contract_with_its_kind(
    client_a: Client, company_a: Company, two_contract_employee: Any
) -> None:
    response = client_a.get(reverse("employer:export", args=[company_a.pk, "csv"]))
    lines = response.getvalue().decode("utf-8").splitlines()
    assert len(lines) == 3
    assert ";A0001;Complémentaire Santé;02ENSP;En attente d'adhésion;" in lines[1]
    assert ";P0001;Prévoyance;P01;En attente d'adhésion;" in lines[2]
    assert "VERNEUIL" not in "".join(lines)


@pytest.mark.django_db
def test_another_companys_hr_gets_404_on_a_two_contract_employee(
    client: Client, company_a: Company, company_b: Company, two_contract_employee: Any
) -> None:
    other = make_user("rh-autre@example.org")
    other.companies.add(company_b)
    client.force_login(other)
    for args in [
        [company_b.pk, two_contract_employee.employee_id],
        [company_a.pk, two_contract_employee.employee_id],
    ]:
        response = client.get(reverse("employer:employee", args=args))
        assert response.status_code in {403, 404}
        assert "QUINTARD" not in text(response) and "P0001" not in text(response)
    response = client.get(
        reverse("employer:employee", args=[company_b.pk, two_contract_employee.employee_id])
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_employee_page_costs_16_queries_with_one_contract_or_two_and_a_family(
    client_a: Client,
    company_a: Company,
    provident_group: InsuredGroup,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    one = declare(company_a)
    two = declare_both(
        company_a,
        provident_group,
        nir=make_nir(order="124"),
        email="autre@example.org",
        employee_number="M-0002",
    )
    add_family(two.membership)
    for request in [one, two]:
        with django_assert_num_queries(16):
            url = reverse("employer:employee", args=[company_a.pk, request.employee_id])
            assert client_a.get(url).status_code == 200
    assert Membership.objects.filter(employee_id=two.employee_id).count() == 2


def numbered(i: int) -> dict[str, Any]:
    return {
        "nir": make_nir(order=f"{i + 1:03d}"),
        "email": f"s{i}@example.org",
        "employee_number": f"M-{i:04d}",
    }


@pytest.mark.django_db
def test_employees_list_costs_11_queries_with_one_or_two_contracts_each(
    client_a: Client,
    company_a: Company,
    provident_group: InsuredGroup,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    url = reverse("employer:employees", args=[company_a.pk])
    for i in range(3):
        declare(company_a, **numbered(i))
    with django_assert_num_queries(11):
        assert client_a.get(url).status_code == 200
    for i in range(3, 30):
        declare_both(company_a, provident_group, **numbered(i))
    with django_assert_num_queries(11):
        assert client_a.get(url).status_code == 200
    assert Membership.objects.filter(employee__company=company_a).count() == 57


@pytest.mark.django_db
def test_the_filtered_count_counts_an_employee_in_two_contracts_once(
    client_a: Client, company_a: Company, provident_group: InsuredGroup
) -> None:
    declare_both(company_a, provident_group)  # both memberships "En attente d'adhésion"
    declare(company_a, nir=make_nir(order="321"), employee_number="E-2", email="b@example.org")
    url = reverse("employer:employees", args=[company_a.pk])

    pending = client_a.get(url, {"statut": "pre_enrolled"})
    provident = client_a.get(url, {"groupe": "P01"})

    assert pending.context["page"].count == 2
    assert len(pending.context["page"].object_list) == 2
    assert "2 collaborateurs" in text(pending)
    assert provident.context["page"].count == 1
    assert [e.pk for e in provident.context["page"].object_list] == [
        m.employee_id for m in Membership.objects.filter(insured_group=provident_group)
    ]
