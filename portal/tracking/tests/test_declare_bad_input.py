"""Bad input through the declaration form, and what its duplicate e-mail message may say."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import declaration, declare, make_user, text
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.enrollment.declarations import validate_declaration
from portal.enrollment.models import Employee
from portal.tracking.models import Request
from portal.tracking.tests.test_employer_views import form_data, url

TODAY = date(2024, 4, 1)
NAME = (
    "Le champ « {} » ne peut contenir que des lettres, des espaces, des traits d'union et des "
    "apostrophes."
)
ADDRESS = (
    "Le champ « {} » ne peut contenir que des lettres, des chiffres, des espaces, des traits "
    "d'union, des apostrophes et des points."
)
PROBES = [
    ("last_name", "Durand<script>", "name_invalid", NAME.format("Nom")),
    ("last_name", "Du\u0001rand", "name_invalid", NAME.format("Nom")),
    ("first_name", "Élodie\nDurand", "name_invalid", NAME.format("Prénom")),
    ("first_name", "Élo\u202edie", "name_invalid", NAME.format("Prénom")),
    (
        "street_name",
        "rue <b>Haute</b>",
        "address_characters_invalid",
        ADDRESS.format("Libellé de la voie"),
    ),
    ("street_number", "12\u0007", "address_characters_invalid", ADDRESS.format("Numéro")),
    (
        "staircase_floor",
        "Esc. & 2",
        "address_characters_invalid",
        ADDRESS.format("Escalier / Etage"),
    ),
    ("building", "Bât\tA", "address_characters_invalid", ADDRESS.format("Bâtiment / Résidence")),
    ("locality", '"Le Bourg"', "address_characters_invalid", ADDRESS.format("Lieu-dit")),
    ("city", "Lyon\u001b[0m", "address_characters_invalid", ADDRESS.format("Ville")),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "code", "message"), PROBES)
def test_the_rule_refuses_characters_outside_the_dsn_set(
    company_a: Company, field: str, value: str, code: str, message: str
) -> None:
    result = validate_declaration(
        declaration(company_a, **{field: value}), company=company_a, today=TODAY
    )
    assert [(p.field, p.code, p.message) for p in result.errors] == [(field, code, message)]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "code", "message"), PROBES)
def test_the_form_shows_the_characters_error_and_keeps_nothing(
    client_a: Client, company_a: Company, field: str, value: str, code: str, message: str
) -> None:
    response = client_a.post(url("declare", company_a), form_data(company_a, **{field: value}))
    assert response.status_code == 200
    assert message in text(response)
    assert not Employee.objects.exists()
    assert not Request.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("birth_date", ["9986-05-14", "9999-12-31"])
def test_a_birth_year_of_9986_or_later_is_a_birth_date_error_on_the_form(
    client_a: Client, company_a: Company, birth_date: str
) -> None:
    response = client_a.post(url("declare", company_a), form_data(company_a, birth_date=birth_date))
    assert response.status_code == 200
    assert (
        "La « Date de naissance » est dans le futur. Vérifiez le jour, le mois et l'année."
    ) in text(response)
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_a_birth_year_of_9986_gives_only_the_birth_date_error(company_a: Company) -> None:
    result = validate_declaration(
        declaration(company_a, birth_date=date(9986, 5, 14), nir=""), company=company_a, today=TODAY
    )
    assert [(p.field, p.code) for p in result.errors] == [("birth_date", "birth_date_future")]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STAFF, Role.CORRESPONDENT, Role.MEMBER])
def test_an_email_with_a_login_outside_the_company_is_not_told_and_is_declared(
    company_a: Company, company_b: Company, role: str
) -> None:
    make_user("someone@example.org", role=role)
    result = validate_declaration(
        declaration(company_a, email="Someone@example.org"), company=company_a, today=TODAY
    )
    assert result.errors == []
    request = declare(company_a, email="someone@example.org")
    employee = Employee.objects.get(pk=request.employee_id)
    # The invitation goes to the address typed; the new login has none (the other login keeps
    # it, untouched): the employee signs in with the identifier.
    assert employee.email == "someone@example.org"
    assert employee.user is not None and employee.user.email == ""
    assert User.objects.filter(email="someone@example.org").get().role == role


@pytest.mark.django_db
def test_an_email_of_another_employee_of_the_company_is_refused_with_the_neutral_message(
    company_a: Company,
) -> None:
    declare(company_a, email="taken@example.org")
    result = validate_declaration(
        declaration(
            company_a,
            email="TAKEN@example.org",
            nir="",
            employee_number="M-0002",
            last_name="Autre",
        ),
        company=company_a,
        today=TODAY,
    )
    assert [(p.field, p.code, p.message) for p in result.errors] == [
        (
            "email",
            "email_taken",
            "Cette adresse e-mail est déjà celle d'un autre salarié de votre entreprise : "
            "indiquez une adresse propre au salarié, ou laissez le champ vide (il recevra alors "
            "deux courriers).",
        )
    ]


@pytest.mark.django_db
def test_an_email_of_an_employee_of_another_company_is_not_told(
    company_a: Company, company_b: Company
) -> None:
    declare(company_b, email="elsewhere@example.org")
    result = validate_declaration(
        declaration(company_a, email="elsewhere@example.org"), company=company_a, today=TODAY
    )
    assert result.errors == []
