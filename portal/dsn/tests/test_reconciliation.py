"""The employer's "Rapprochement DSN": the last monthly DSN's employees against the portal's
memberships (declared but not affiliated, affiliated but not declared, identity differences),
and the DSN requests of "Mes demandes" filtered by origine — each company seeing only its own."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import declare, make_nir, text
from portal.accounts.models import User
from portal.companies.models import Company, Contract, InsuredGroup
from portal.dsn.models import ContractOption, ContractPopulation, DsnOutcome
from portal.dsn.tests import dsn_files
from portal.dsn.tests.test_intake import person, take_in
from portal.enrollment.models import Employee, Membership
from portal.tracking.models import Request, Source

SIMON = make_nir()  # conftest.declare's employee: Cédric Simon, born 14/05/1985
MARTIN = make_nir(order="456")
DURAND = "1900375999003"  # 13 characters, as the DSN declares a NIR
LEROY = "2920375999004"
SPOUSE = [
    ("S21.G00.73.003", "01"),
    ("S21.G00.73.005", "20041987"),
    ("S21.G00.73.006", "CONJOINTSECRET"),
    ("S21.G00.73.009", "Hélène"),
]


def parameterise(company: Company, reference: str = "SANTE-COLL-0001") -> None:
    """The company's health contract with its DSN parameters: population CADRES, option FAMILLE."""
    contract = Contract.objects.get(company=company)
    contract.dsn_reference = reference
    contract.dsn_organisme = "A99999"
    contract.save(update_fields=["dsn_reference", "dsn_organisme"])
    group = InsuredGroup.objects.get(contract=contract)
    ContractPopulation.objects.create(contract=contract, code="CADRES", insured_group=group)
    ContractOption.objects.create(contract=contract, code="FAMILLE", product=None)


def monthly_of(
    company: Company,
    *people: list[tuple[str, str]],
    month: str = "01062025",
    reference: str = "SANTE-COLL-0001",
) -> bytes:
    body = dsn_files.declaration(siren=company.siret[:9], nic=company.siret[9:])
    replaced = {"S20.G00.05.005": month, "S21.G00.15.001": reference}
    body = [(k, replaced.get(k, v)) for k, v in body]
    for records in people:
        body += records
    return dsn_files.build(body)


def simon_as_declared(last: str = "SIMONET", born: str = "15051985") -> list[tuple[str, str]]:
    records = person(SIMON[:13], last, "Cédric")
    return [(k, born if k == "S21.G00.30.006" else v) for k, v in records]


@pytest.fixture
def scene(company_a: Company) -> Company:
    """Company A: Simon (form) declared in the DSN under another name and birth date; Martin
    (form) absent from the DSN; Durand declared with an unknown population (and a spouse);
    Leroy affiliated by the DSN."""
    parameterise(company_a)
    declare(company_a)
    declare(
        company_a,
        last_name="Martin",
        first_name="Paul",
        nir=MARTIN,
        email="paul.martin@example.org",
        employee_number="M-0002",
    )
    take_in(
        monthly_of(
            company_a,
            simon_as_declared(),
            person(DURAND, "DURAND", "Luc", population="INCONNUE", extra=SPOUSE),
            person(LEROY, "LEROY", "Anne"),
        ),
        "juin.dsn",
    )
    return company_a


def page(client: Client, company: Company) -> str:
    response = client.get(reverse("dsn:reconciliation", args=[company.pk]))
    assert response.status_code == 200
    return text(response)


def section(html: str, title: str) -> str:
    """The text of the page's section whose heading starts with `title`."""
    start = html.index(title)
    end = html.find("<h2", start)
    return html[start : end if end != -1 else len(html)]


@pytest.mark.django_db
def test_without_a_monthly_dsn_the_page_says_so(client_a: Client, company_a: Company) -> None:
    html = page(client_a, company_a)
    assert "Aucune DSN mensuelle n'a encore été intégrée pour votre entreprise" in html
    assert "Déclarés dans la DSN" not in html


@pytest.mark.django_db
def test_a_rejected_declared_person_is_listed_with_the_reason_and_ajouter_des_salaries(
    client_a: Client, scene: Company
) -> None:
    html = page(client_a, scene)
    part = section(html, "Déclarés dans la DSN, non affiliés dans le portail (1)")
    assert "DURAND Luc" in part
    assert (
        "Le code population INCONNUE (S21.G00.70.005) n'est pas prévu par le contrat "
        "SANTE-COLL-0001." in part
    )
    assert reverse("tracking:add", args=[scene.pk]) in part
    assert "LEROY" not in part and "SIMON" not in part.upper().replace("SIMONET", "")


@pytest.mark.django_db
def test_an_affiliated_employee_absent_from_the_dsn_is_listed_with_resilier_son_contrat(
    client_a: Client, scene: Company
) -> None:
    html = page(client_a, scene)
    part = section(html, "Affiliés dans le portail, non déclarés dans la DSN (1)")
    martin = Employee.objects.get(company=scene, last_name="MARTIN")
    membership = Membership.objects.get(employee=martin)
    assert "Paul MARTIN" in part
    assert reverse("terminations:terminate", args=[scene.pk, membership.pk]) in part
    assert reverse("employer:employee", args=[scene.pk, martin.pk]) in part
    assert "Cédric SIMON" not in part and "LEROY" not in part


@pytest.mark.django_db
def test_the_same_nir_with_another_name_and_birth_date_is_an_identity_difference(
    client_a: Client, scene: Company
) -> None:
    html = page(client_a, scene)
    part = section(html, "Différences d'identité (1)")
    simon = Employee.objects.get(company=scene, last_name="SIMON")
    assert reverse("employer:employee", args=[scene.pk, simon.pk]) in part
    cells = [" ".join(c.split()) for c in part.split("<td")[1:]]
    assert [c[c.index(">") + 1 : c.index("<", c.index(">"))] for c in cells] == [
        "",  # the link's cell: the name is inside the <a>
        "Nom",
        "SIMONET",
        "SIMON",
        "",
        "Date de naissance",
        "15/05/1985",
        "14/05/1985",
    ]


@pytest.mark.django_db
def test_accents_and_case_alone_are_no_identity_difference(
    client_a: Client, company_a: Company
) -> None:
    parameterise(company_a)
    declare(company_a)
    take_in(monthly_of(company_a, simon_as_declared("SIMON", "14051985")), "juin.dsn")
    html = page(client_a, company_a)
    assert "Différences d'identité (0)" in html
    assert "Votre dernière DSN mensuelle et le portail concordent" in html


@pytest.mark.django_db
def test_the_declared_identity_is_kept_on_each_outcome(scene: Company) -> None:
    durand = DsnOutcome.objects.get(name="DURAND Luc")
    assert (
        durand.declared_last_name,
        durand.declared_first_names,
        durand.declared_birth_date,
    ) == ("DURAND", "Luc", date(1990, 3, 15))


@pytest.mark.django_db
def test_the_page_reads_the_last_monthly_dsn(client_a: Client, scene: Company) -> None:
    # July: Durand fixed, Martin declared, Simon and Leroy as in June.
    take_in(
        monthly_of(
            scene,
            simon_as_declared(),
            person(LEROY, "LEROY", "Anne"),
            person(MARTIN[:13], "MARTIN", "Paul"),
            month="01072025",
        ),
        "juillet.dsn",
    )
    html = page(client_a, scene)
    assert "mois de 07/2025" in html
    assert "Déclarés dans la DSN, non affiliés dans le portail (0)" in html
    assert "Affiliés dans le portail, non déclarés dans la DSN (0)" in html


@pytest.mark.django_db
def test_the_employer_never_sees_a_dependants_name(client_a: Client, scene: Company) -> None:
    html = page(client_a, scene)
    assert "CONJOINTSECRET" not in html and "Hélène" not in html


@pytest.mark.django_db
def test_an_unmatched_contract_reference_is_shown_as_a_declaration_return(
    client_a: Client, company_a: Company
) -> None:
    parameterise(company_a)
    Contract.objects.filter(company=company_a).update(dsn_reference="AUTRE-REF")
    take_in(monthly_of(company_a, person(LEROY, "LEROY", "Anne")), "juin.dsn")
    html = page(client_a, company_a)
    assert "Une partie de la DSN n'a pas pu être rapprochée de vos contrats" in html
    assert (
        "La référence contrat SANTE-COLL-0001 (S21.G00.15.001) ne correspond à aucun contrat "
        "de l'entreprise." in html
    )


@pytest.mark.django_db
def test_another_companys_hr_gets_404_and_never_sees_the_reconciliation(
    client: Client, scene: Company, correspondent_b: User, company_b: Company
) -> None:
    client.force_login(correspondent_b)
    response = client.get(reverse("dsn:reconciliation", args=[scene.pk]))
    assert response.status_code == 404
    own = page(client, company_b)
    assert "Aucune DSN mensuelle n'a encore été intégrée" in own
    assert "DURAND" not in own and "MARTIN" not in own


@pytest.mark.django_db
def test_an_employee_and_staff_are_refused(
    client: Client, scene: Company, staff_user: User
) -> None:
    employee_user = Employee.objects.get(company=scene, last_name="LEROY").user
    assert employee_user is not None
    url = reverse("dsn:reconciliation", args=[scene.pk])
    for user in (employee_user, staff_user):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_the_page_runs_a_fixed_number_of_queries_whatever_the_number_of_employees(
    client_a: Client, scene: Company
) -> None:
    url = reverse("dsn:reconciliation", args=[scene.pk])
    with CaptureQueriesContext(connection) as few:
        assert client_a.get(url).status_code == 200
    for index, letter in enumerate("ABC"):  # three more absent from the DSN, three rejected
        declare(
            scene,
            last_name=f"Absent{letter}",
            nir=make_nir(order=f"70{index}"),
            email=f"absent{index}@example.org",
            employee_number=f"A-{index}",
        )
    take_in(
        monthly_of(
            scene,
            simon_as_declared(),
            person(LEROY, "LEROY", "Anne"),
            *[
                person(f"190037599901{index}", f"REJET{letter}", "Luc", population="INCONNUE")
                for index, letter in enumerate("ABC")
            ],
            month="01072025",
        ),
        "juillet.dsn",
    )
    with CaptureQueriesContext(connection) as many:
        html = page(client_a, scene)
    assert "Affiliés dans le portail, non déclarés dans la DSN (4)" in html
    assert "Déclarés dans la DSN, non affiliés dans le portail (3)" in html
    # 11: the session, its user, its second-factor device, the access check, the rights, the page.
    assert len(many.captured_queries) == len(few.captured_queries) == 11


@pytest.mark.django_db
def test_mes_demandes_filters_by_origine_and_shows_only_the_companys_dsn_requests(
    client: Client,
    scene: Company,
    company_b: Company,
    correspondent_a: User,
    correspondent_b: User,
) -> None:
    parameterise(company_b, "SANTE-BETA-0001")
    take_in(
        monthly_of(company_b, person(DURAND, "DURAND", "Bruno"), reference="SANTE-BETA-0001"),
        "beta.dsn",
    )
    assert Request.objects.filter(company=company_b, source=Source.DSN).count() == 1
    client.force_login(correspondent_a)
    url = reverse("tracking:requests", args=[scene.pk])
    dsn_only = text(client.get(url, {"origine": "dsn"}))
    assert "1 demande" in dsn_only
    assert "Anne LEROY" in dsn_only
    assert "Cédric SIMON" not in dsn_only and "Bruno DURAND" not in dsn_only
    forms_only = text(client.get(url, {"origine": "form"}))
    assert "Cédric SIMON" in forms_only and "Paul MARTIN" in forms_only
    assert "Anne LEROY" not in forms_only
    everything = text(client.get(url, {"origine": "inconnue"}))
    assert "3 demandes" in everything
    client.force_login(correspondent_b)
    beta = text(client.get(reverse("tracking:requests", args=[company_b.pk]), {"origine": "dsn"}))
    assert "Bruno DURAND" in beta and "Anne LEROY" not in beta
