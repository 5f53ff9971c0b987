"""Bad input through the employee's journey: a clean field error, nothing saved, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import declare, text
from portal.companies.models import Company, InsuredGroup, Product, ProductKind
from portal.enrollment.models import BankAccount, DebitMandate, Dependant, Membership
from portal.journey.tests.test_journey import CHILD, fill_profile, rates, url

NAME_MESSAGE = (
    "Le champ « {} » ne peut contenir que des lettres, des espaces, des traits d'union "
    "et des apostrophes."
)
ADDRESS_MESSAGE = (
    "Le champ « {} » ne peut contenir que des lettres, des chiffres, des espaces, des "
    "traits d'union, des apostrophes et des points."
)


@pytest.fixture
def membership(company_a: Company) -> Membership:
    """A pre-enrolled employee whose base and option are partly paid by them (a bank step)."""
    group = InsuredGroup.objects.get(contract__company=company_a)
    rates(group.base_product, "40.00", "35.00", "20.00")
    option = Product.objects.create(code="OPT/1", label="Renfort", kind=ProductKind.OPTION)
    rates(option, "12.50", "10.00", "5.00")
    group.option_products.add(option)
    return Membership.objects.get(pk=declare(company_a).membership_id)


@pytest.fixture
def member(client: Client, membership: Membership) -> Client:
    user = membership.employee.user
    assert user is not None
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "Simon<script>", NAME_MESSAGE.format("Nom")),
        ("first_name", "Cé\u0007dric", NAME_MESSAGE.format("Prénom")),
        ("street", "20 rue <b>Gambetta</b>", ADDRESS_MESSAGE.format("Libellé de la voie")),
        ("complement", "Bât\u0000 A", ""),  # Django refuses a NUL itself
        ("city", "Nanterre\u001b", ADDRESS_MESSAGE.format("Ville")),
    ],
)
def test_the_profile_refuses_characters_outside_the_dsn_set(
    member: Client, membership: Membership, field: str, value: str, message: str
) -> None:
    employee = membership.employee
    response = fill_profile(member, membership, **{field: value})
    assert response.status_code == 200
    if message:
        assert message in text(response)
    membership.refresh_from_db()
    employee.refresh_from_db()
    assert membership.journey_step == ""
    assert (employee.last_name, employee.first_name, employee.street_name, employee.city) == (
        "SIMON",
        "Cédric",
        "rue Gambetta",
        "Nanterre",
    )


@pytest.mark.django_db
def test_a_birth_year_of_9986_in_the_profile_is_a_birth_date_error(
    member: Client, membership: Membership
) -> None:
    response = fill_profile(member, membership, birth_date="9986-05-14")
    assert response.status_code == 200
    assert (
        "La « Date de naissance » est dans le futur. Vérifiez le jour, le mois et l'année."
    ) in text(response)
    membership.refresh_from_db()
    assert membership.journey_step == ""


@pytest.mark.django_db
@pytest.mark.parametrize("birth_date", ["9986-06-01", "9999-12-31"])
def test_a_dependant_born_in_year_9986_or_later_is_a_birth_date_error(
    member: Client, membership: Membership, birth_date: str
) -> None:
    fill_profile(member, membership)
    response = member.post(url("add_dependant", membership), {**CHILD, "birth_date": birth_date})
    assert response.status_code == 200
    assert (
        "La « Date de naissance » est dans le futur : vérifiez le jour, le mois et l'année."
    ) in text(response)
    assert not Dependant.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("twin_rank", ["", None])
def test_a_dependant_without_twin_rank_is_a_required_field_error(
    member: Client, membership: Membership, twin_rank: str | None
) -> None:
    fill_profile(member, membership)
    data = {key: value for key, value in CHILD.items() if key != "twin_rank"}
    if twin_rank is not None:
        data["twin_rank"] = twin_rank
    response = member.post(url("add_dependant", membership), data)
    assert response.status_code == 200
    assert (
        "Le champ « Rang gémellaire » est obligatoire : saisissez 1, ou le rang de naissance "
        "pour des jumeaux (1, 2…)."
    ) in text(response)
    assert not Dependant.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "Simon\u0000", ""),
        ("last_name", "<img src=x>", NAME_MESSAGE.format("Nom")),
        ("first_name", "Léa\u200b", NAME_MESSAGE.format("Prénom")),
    ],
)
def test_a_dependant_name_outside_the_dsn_set_is_refused(
    member: Client, membership: Membership, field: str, value: str, message: str
) -> None:
    fill_profile(member, membership)
    response = member.post(url("add_dependant", membership), {**CHILD, field: value})
    assert response.status_code == 200
    if message:
        assert message in text(response)
    assert not Dependant.objects.exists()


@pytest.mark.django_db
def test_a_dependant_address_with_markup_is_refused(member: Client, membership: Membership) -> None:
    fill_profile(member, membership)
    data = {**CHILD, "street": "1 rue <i>Haute</i>", "postal_code": "92000", "city": "Nanterre"}
    data.pop("same_address")
    response = member.post(url("add_dependant", membership), data)
    assert response.status_code == 200
    assert ADDRESS_MESSAGE.format("Libellé de la voie") in text(response)
    assert not Dependant.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("holder", ["Cédric <b>Simon</b>", "Cédric\u0008Simon", "C3dric Simon"])
def test_an_account_holder_outside_the_dsn_set_is_refused(
    member: Client, membership: Membership, holder: str
) -> None:
    fill_profile(member, membership)
    member.post(url("dependants", membership))
    option = membership.insured_group.option_products.get()
    member.post(url("coverage", membership), {"option": str(option.pk)})
    response = member.post(
        url("bank", membership),
        {
            "debit_holder": holder,
            "debit_iban": "FR76 3000 6000 0112 3456 7890 189",
            "frequency": "monthly",
            "debit_day": "10",
            "same_for_benefits": "on",
        },
    )
    assert response.status_code == 200
    assert (
        "Le « Titulaire du compte » ne peut contenir que des lettres, des espaces, des traits "
        "d'union et des apostrophes : recopiez-le depuis votre RIB."
    ) in text(response)
    assert not BankAccount.objects.exists()
    assert not DebitMandate.objects.exists()
