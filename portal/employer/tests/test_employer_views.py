from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, make_nir, text
from portal.companies.models import Company


def url(name: str, company: Company, *args: int) -> str:
    return reverse(f"employer:{name}", args=[company.pk, *args])


@pytest.mark.django_db
def test_employees_list_shows_status_and_filters(client_a: Client, company_a: Company) -> None:
    request = declare(company_a)
    page = text(client_a.get(url("employees", company_a)))
    assert "Cédric SIMON" in page
    assert f"N° {request.membership.member_number}" in page
    assert "En attente d'adhésion" in page
    membership = request.membership
    membership.status = "active"
    membership.save()
    page = text(client_a.get(url("employees", company_a)))
    assert "Mis en gestion - Date d'effet 01/03/2024" in page
    assert "0 collaborateur" in text(
        client_a.get(url("employees", company_a), {"statut": "terminated"})
    )
    assert "1 collaborateur" in text(client_a.get(url("employees", company_a), {"nom": "sim"}))
    assert "1 collaborateur" in text(
        client_a.get(url("employees", company_a), {"groupe": "02ENSP"})
    )


@pytest.mark.django_db
def test_employee_page_shows_contract_and_employee_information(
    client_a: Client, company_a: Company
) -> None:
    request = declare(company_a, fund_code="", employee_number="")
    page = text(client_a.get(url("employee", company_a, request.employee_id)))
    for label in [
        "Informations contrat",
        "N° contrat",
        "A0001",
        "GA",
        "02ENSP",
        "Produit(s)",
        "NIS/CHN0010",
        "Date d'effet du contrat",
        "01/03/2024",
        "Liste des bénéficiaires",
        "Informations salarié",
        "Régime général",
        "N° sécurité sociale",
        "1 85 05 75 115 123",
        "Organisme de rattachement",
        "Matricule",
        "Non renseigné",
        "Date de naissance",
        "14/05/1985",
        "Adresse mail",
        "cedric.simon@example.org",
        "Adresse postale",
        "20 rue Gambetta",
        "Demande créée",
        "Lien d'affiliation envoyé",
    ]:
        assert label in page, label


@pytest.mark.django_db
def test_export_csv_streams_every_employee_with_neutralised_formulas(
    client_a: Client, company_a: Company
) -> None:
    declare(company_a, employee_number="=HYPERLINK(1)")
    declare(
        company_a,
        last_name="Abel",
        email="abel@example.org",
        nir=make_nir(order="778"),
        employee_number="+33",
    )
    declare(
        company_a,
        last_name="Zola",
        first_name="Émile",
        email="emile@example.org",
        nir=make_nir(order="777"),
        employee_number="Z1",
    )
    response = client_a.get(reverse("employer:export", args=[company_a.pk, "csv"]))
    assert response.status_code == 200
    assert response.streaming
    content = response.getvalue().decode("utf-8")
    lines = content.splitlines()
    assert (
        lines[0] == "\ufeffNom;Prénom;N° adhérent;N° contrat;Contrat;Groupe d'assurés;Statut;"
        "Date d'effet;"
        "Date de fin;Matricule;Date d'embauche;Email"
    )
    assert lines[1].startswith("ABEL;Cédric;")
    assert ";'+33;" in lines[1]
    assert ";'=HYPERLINK(1);" in lines[2]
    assert lines[3].startswith("ZOLA;Émile;")
    assert ";En attente d'adhésion;01/03/2024;;Z1;01/03/2024;emile@example.org" in lines[3]
    assert "1 85 05" not in content and make_nir() not in content


@pytest.mark.django_db
def test_export_xlsx_has_typed_cells_and_no_formula(client_a: Client, company_a: Company) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    declare(company_a, employee_number="=1+1")
    response = client_a.get(reverse("employer:export", args=[company_a.pk, "xlsx"]))
    assert response.status_code == 200
    assert response.streaming  # written as it goes out, never whole in memory or on disk
    assert response["Content-Disposition"].startswith('attachment; filename="collaborateurs-')
    sheet = load_workbook(BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Nom"
    assert rows[1][4] == "Complémentaire Santé"
    assert rows[1][9] == "'=1+1"
    assert rows[1][7].date() == date(2024, 3, 1)


@pytest.mark.django_db
def test_export_of_an_unknown_format_is_404(client_a: Client, company_a: Company) -> None:
    assert (
        client_a.get(f"/entreprises/{company_a.pk}/mes-collaborateurs/export.pdf").status_code
        == 404
    )
