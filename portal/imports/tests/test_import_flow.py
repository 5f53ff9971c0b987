"""The import through the employer space, the back office and the shell."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import declare, make_nir, text
from portal.companies.models import Company, Contract, ContractKind, InsuredGroup
from portal.core.errors import BusinessError, CoreError, Problem
from portal.enrollment.forms import DeclarationForm
from portal.enrollment.models import Employee, Membership
from portal.imports import processing
from portal.imports.models import ImportBatch, ImportRow, ImportStatus
from portal.tracking.models import Request, Source

HEADERS_COUNT = 19

# Hired and covered 10 days ago: within the retroactivity limit (settings.RETROACTIVE_MAX_DAYS).
RECENT = (timezone.localdate() - timedelta(days=10)).strftime("%d/%m/%Y")


def rows(count: int, *, start: int = 0, bad_nir_at: int | None = None) -> list[list[Any]]:
    lines = []
    for i in range(start, start + count):
        nir = make_nir(order=f"{i + 1:03d}")
        if i == bad_nir_at:
            nir = nir[:13] + ("00" if nir[13:] != "00" else "01")
        lines.append(
            [
                "Monsieur",
                f"Nom{chr(65 + i % 26)}{chr(65 + i // 26)}",
                "Jean",
                "14/05/1985",
                nir,
                "",
                "3",
                "rue de la Paix",
                "",
                "",
                "",
                "75002",
                "Paris",
                "FRANCE",
                f"jean{i}@example.org",
                f"M{i:04d}",
                RECENT,
                RECENT,
                "Non",
            ]
        )
    return lines


def xlsx_from_template(client: Client, company: Company, lines: list[list[Any]]) -> bytes:
    response = client.get(reverse("imports:template", args=[company.pk, "xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Salariés"]
    for number, line in enumerate(lines, start=2):
        for column, value in enumerate(line, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client: Client, company: Company, name: str, content: bytes) -> Any:
    group = company.contracts.get().insured_groups.get()
    return client.post(
        reverse("imports:upload", args=[company.pk]),
        {f"group_{group.contract_id}": group.pk, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


@pytest.mark.django_db
def test_the_file_option_leads_to_the_templates(client_a: Client, company_a: Company) -> None:
    response = client_a.post(reverse("tracking:add", args=[company_a.pk]), {"mode": "file"})
    assert response["Location"] == reverse("imports:upload", args=[company_a.pk])
    page = text(client_a.get(response["Location"]))
    for label in [
        "Télécharger le modèle Excel",
        "Télécharger le modèle CSV",
        "Groupe d'assurés",
        "+ Ajouter",
        "Précédent",
        "Valider",
        "L'ordre des colonnes ne doit pas être modifié.",
    ]:
        assert label in page, label


@pytest.mark.django_db
def test_xlsx_round_trip_declares_valid_rows_and_rejects_the_others(
    client_a: Client, company_a: Company
) -> None:
    content = xlsx_from_template(client_a, company_a, rows(3, bad_nir_at=1))
    page = text(upload(client_a, company_a, "salaries.xlsx", content))
    assert "Confirmation des salariés renseignés" in page
    assert "✓ 2 salariés validés." in page
    assert "⚠ 1 salarié en erreur :" in page
    assert "NOMBA Jean" in page
    assert "Colonne « N° de sécurité sociale » : Le numéro de sécurité sociale est invalide" in page
    assert "Ceci n'est qu'un aperçu." in page
    assert (
        Request.objects.filter(company=company_a, source=Source.FILE, state="waiting").count() == 2
    )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.total_rows, batch.declared_count, batch.rejected_count) == (
        ImportStatus.DONE,
        3,
        2,
        1,
    )

    rejection = client_a.get(reverse("imports:rejection_file", args=[company_a.pk, batch.pk]))
    sheet = load_workbook(io.BytesIO(rejection.getvalue()))["Salariés"]
    lines = [line for line in sheet.iter_rows(values_only=True) if any(line)]
    assert lines[0][-1] == "Erreurs"
    assert len(lines) == 2 and lines[1][1] == "NomBA"
    assert "Le numéro de sécurité sociale est invalide" in lines[1][-1]

    # Fix the NIR in the rejection file and import it as is: only that row is added.
    sheet.cell(row=2, column=5, value=make_nir(order="002"))
    fixed = io.BytesIO()
    sheet.parent.save(fixed)
    page = text(upload(client_a, company_a, "salaries-rejet.xlsx", fixed.getvalue()))
    assert "✓ 1 salarié validé." in page
    assert Employee.objects.filter(company=company_a).count() == 3

    # The original file again: nobody is declared twice.
    page = text(upload(client_a, company_a, "salaries.xlsx", content))
    assert "✓ 0 salarié validé." in page
    assert "⚠ 3 salariés en erreur :" in page
    assert "est déjà déclaré" in page
    assert Employee.objects.filter(company=company_a).count() == 3


@pytest.mark.django_db
def test_csv_in_windows_1252_with_commas_is_read(client_a: Client, company_a: Company) -> None:
    response = client_a.get(reverse("imports:template", args=[company_a.pk, "csv"]))
    header = response.content.decode("utf-8-sig").strip().split(";")
    assert len(header) == HEADERS_COUNT
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",")
    writer.writerow(header)
    line = rows(1)[0]
    line[2] = "Hélène"
    writer.writerow(line)
    page = text(upload(client_a, company_a, "salaries.csv", out.getvalue().encode("cp1252")))
    assert "✓ 1 salarié validé." in page
    assert Employee.objects.get().first_name == "Hélène"


@pytest.mark.django_db
def test_a_refused_file_says_why_and_declares_nothing(client_a: Client, company_a: Company) -> None:
    page = text(upload(client_a, company_a, "salaries.xlsx", b"ceci n'est pas un classeur"))
    assert "Le fichier n'a pas pu être importé." in page
    assert ImportBatch.objects.get().status == ImportStatus.REFUSED
    assert Employee.objects.count() == 0


@pytest.mark.django_db
def test_missing_group_or_file_is_explained(client_a: Client, company_a: Company) -> None:
    page = text(client_a.post(reverse("imports:upload", args=[company_a.pk]), {}))
    assert "Sélectionnez le groupe d'assurés des salariés du fichier." in page
    assert "Ajoutez le fichier complété avant de valider." in page


@pytest.mark.django_db
def test_a_stopped_import_resumes_without_losing_or_duplicating_rows(
    client_a: Client, company_a: Company, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_CHUNK_ROWS = 2
    content = xlsx_from_template(client_a, company_a, rows(5))
    group = company_a.contracts.get().insured_groups.get()
    batch = ImportBatch.objects.create(
        company=company_a,
        insured_group=group,
        filename="salaries.xlsx",
        file=SimpleUploadedFile("salaries.xlsx", content),
    )
    with django_capture_on_commit_callbacks(execute=True):
        processing.process(batch.pk, max_chunks=2)  # the worker stops after 4 rows
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows) == (ImportStatus.DECLARING, 4)
    assert Employee.objects.count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        processing.process(batch.pk)  # a new worker resumes
        processing.process(batch.pk)  # and running it again changes nothing
    batch.refresh_from_db()
    assert (batch.status, batch.declared_count) == (ImportStatus.DONE, 5)
    assert Employee.objects.count() == 5
    assert Request.objects.filter(company=company_a, source=Source.FILE).count() == 5
    assert len(set(Employee.objects.values_list("nir_digest", flat=True))) == 5


@pytest.mark.django_db
def test_an_employee_declared_by_the_form_during_an_import_is_not_declared_twice(
    client_a: Client, company_a: Company, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_CHUNK_ROWS = 2
    content = xlsx_from_template(client_a, company_a, rows(4))
    batch = ImportBatch.objects.create(
        company=company_a,
        insured_group=company_a.contracts.get().insured_groups.get(),
        filename="salaries.xlsx",
        file=SimpleUploadedFile("salaries.xlsx", content),
    )
    with django_capture_on_commit_callbacks(execute=True):
        processing.process(batch.pk, max_chunks=1)  # rows 2 and 3 of the sheet declared
    # Meanwhile the employer declares the file's fourth employee by the form.
    declare(company_a, nir=make_nir(order="004"), employee_number="F-1", email="")
    with django_capture_on_commit_callbacks(execute=True):
        processing.process(batch.pk)
    batch.refresh_from_db()
    assert (batch.declared_count, batch.rejected_count) == (3, 1)
    assert processing.preview(batch) == [
        (
            "NOMDA Jean",
            "Colonne « N° de sécurité sociale » : Un salarié avec ce numéro de sécurité sociale "
            "est déjà déclaré (Cédric SIMON) : ouvrez sa fiche plutôt que de le déclarer à "
            "nouveau.",
        )
    ]


@pytest.mark.django_db
def test_history_lists_the_imports(client_a: Client, company_a: Company) -> None:
    upload(client_a, company_a, "salaries.xlsx", xlsx_from_template(client_a, company_a, rows(2)))
    page = text(client_a.get(reverse("imports:history", args=[company_a.pk])))
    assert "salaries.xlsx" in page and "Terminé" in page and "Sophie Lambert" in page


@pytest.mark.django_db
def test_the_shell_command_imports_and_writes_the_rejection_file(
    client_a: Client, company_a: Company, tmp_path: Path
) -> None:
    path = tmp_path / "salaries.xlsx"
    path.write_bytes(xlsx_from_template(client_a, company_a, rows(3, bad_nir_at=0)))
    out = io.StringIO()
    call_command(
        "import_employees", str(path), "--company", company_a.siret, "--group", "02ENSP", stdout=out
    )
    assert "3 ligne(s) lue(s) : 2 salarié(s) validé(s), 1 en erreur." in out.getvalue()
    assert (tmp_path / "salaries-rejet.xlsx").exists()


@pytest.mark.django_db
def test_staff_import_a_file_from_the_back_office(
    client: Client, staff_user: Any, company_a: Company, client_a: Client
) -> None:
    content = xlsx_from_template(client_a, company_a, rows(2))
    client.force_login(staff_user)
    group = company_a.contracts.get().insured_groups.get()
    response = client.post(
        reverse("admin:imports_importbatch_add"),
        {
            "company": company_a.pk,
            "insured_group": group.pk,
            "file": SimpleUploadedFile("s.xlsx", content),
        },
    )
    assert response.status_code == 302
    assert ImportBatch.objects.get().declared_count == 2


@pytest.mark.django_db
def test_a_bad_nir_has_the_same_code_and_message_at_every_door(
    client_a: Client, company_a: Company
) -> None:
    bad_nir = rows(1, bad_nir_at=0)[0][4]
    expected = Problem("nir", "nir_key", CoreError.NIR_KEY.message)

    # The service.
    with pytest.raises(BusinessError) as raised:
        declare(company_a, nir=bad_nir)
    assert raised.value.problems == [expected]

    # The form.
    group = company_a.contracts.get().insured_groups.get()
    form = DeclarationForm(
        {
            "civility": "M",
            "last_name": "Simon",
            "first_name": "Cédric",
            "birth_date": "1985-05-14",
            "nir": bad_nir,
            "email": "cedric.simon@example.org",
            "hire_date": "2024-03-01",
            "effective_date": "2024-03-01",
            f"group_{group.contract_id}": str(group.pk),
            "alsace_moselle": "non",
        },
        company=company_a,
        today=date(2024, 4, 1),
        others=[],
    )
    assert not form.is_valid()
    assert form.errors["nir"] == [expected.message]

    # The file: the row keeps {field, code, message}; the rejection file and the preview show
    # the message after its column, as before.
    upload(
        client_a,
        company_a,
        "salaries.xlsx",
        xlsx_from_template(client_a, company_a, rows(1, bad_nir_at=0)),
    )
    batch = ImportBatch.objects.get()
    assert [row.errors for row in batch.rows.all()] == [[expected.as_dict()]]
    shown = f"Colonne « N° de sécurité sociale » : {expected.message}"
    assert processing.preview(batch) == [("NOMAA Jean", shown)]
    rejection = client_a.get(reverse("imports:rejection_file", args=[company_a.pk, batch.pk]))
    sheet = load_workbook(io.BytesIO(rejection.getvalue()))["Salariés"]
    assert [line[-1] for line in sheet.iter_rows(values_only=True) if any(line)] == [
        "Erreurs",
        shown,
    ]


@pytest.mark.django_db
def test_a_cell_that_cannot_be_read_is_stored_with_its_column_key_and_code(
    client_a: Client, company_a: Company
) -> None:
    lines = rows(1)
    lines[0][3] = "31/02/1985"
    upload(client_a, company_a, "salaries.xlsx", xlsx_from_template(client_a, company_a, lines))

    batch = ImportBatch.objects.get()
    message = (
        "Colonne « Date de naissance * », ligne 2 : « 31/02/1985 » n'est pas une date valide. "
        "Écrivez-la jj/mm/aaaa."
    )
    assert [row.errors for row in batch.rows.all()] == [
        [{"field": "birth_date", "code": "cell_date_invalid", "message": message}]
    ]
    assert processing.preview(batch) == [("NOMAA Jean", message)]


@pytest.mark.django_db
def test_rows_rejected_before_problems_had_codes_keep_their_text_under_the_legacy_code(
    company_a: Company,
) -> None:
    migration = importlib.import_module(
        "portal.imports.migrations.0004_rejected_row_problems_with_codes"
    )
    batch = ImportBatch.objects.create(
        company=company_a,
        insured_group=company_a.contracts.get().insured_groups.get(),
        filename="salaries.xlsx",
        file=SimpleUploadedFile("salaries.xlsx", b"x"),
    )
    old = "Colonne « N° de sécurité sociale » : Le numéro de sécurité sociale est invalide."
    ImportRow.objects.create(batch=batch, number=2, raw="{}", errors=[old])

    migration._to_problems(django_apps, None)

    assert ImportRow.objects.get().errors == [{"field": "", "code": "legacy", "message": old}]
    assert processing.preview(batch) == [("Ligne 2", old)]


@pytest.mark.django_db
def test_imported_addresses_are_saved_like_the_forms_confirmed_one_with_city_corrections(
    client_a: Client, company_a: Company
) -> None:
    lines = rows(3)
    lines[0][7], lines[0][13] = "rue de l'Église", "France"
    lines[1][12] = "Lyon"  # 75002 serves Paris only: corrected
    lines[2][11:13] = ["73000", "Lyon"]  # 73000 serves six communes: rejected
    page = text(
        upload(client_a, company_a, "salaries.xlsx", xlsx_from_template(client_a, company_a, lines))
    )
    assert "✓ 2 salariés validés." in page
    assert "Adresses corrigées avant l'enregistrement :" in page
    assert (
        "<tr><td>NOMBA Jean</td><td>Colonne « Ville » : Ville corrigée : « Lyon » ne correspond "
        "pas au code postal 75002, sa seule commune « PARIS » a été retenue.</td></tr>" in page
    )
    assert "⚠ 1 salarié en erreur :" in page
    assert (
        "<tr><td>NOMCA Jean</td><td>Colonne « Ville » : La ville ne correspond pas au code "
        "postal 73000. Communes possibles : BARBERAZ, BASSENS, CHAMBERY, JACOB-BELLECOMBETTE, "
        "MONTAGNOLE, SONNAZ.</td></tr>" in page
    )
    saved = {
        e.last_name: (
            e.street_number,
            e.street_name,
            e.postal_code,
            e.city,
            e.insee_code,
            e.country,
        )
        for e in Employee.objects.filter(company=company_a)
    }
    assert saved == {
        "NOMAA": ("3", "RUE DE L EGLISE", "75002", "PARIS", "75102", "FRANCE"),
        "NOMBA": ("3", "RUE DE LA PAIX", "75002", "PARIS", "75102", "FRANCE"),
    }
    batch = ImportBatch.objects.get()
    assert list(batch.corrections.values_list("number", "name")) == [(3, "NOMBA Jean")]
    assert [p["code"] for p in batch.corrections.get().warnings] == ["city_corrected"]


@pytest.mark.django_db
def test_a_file_declares_each_employee_in_every_contract_chosen_health_leading(
    client_a: Client, company_a: Company, base_product: Any
) -> None:
    health = company_a.contracts.get().insured_groups.get()
    provident_contract = Contract.objects.create(
        company=company_a, number="P0001", kind=ContractKind.PROVIDENT, start_date=date(2024, 1, 1)
    )
    provident = InsuredGroup.objects.create(
        contract=provident_contract, code="PREV01", label="Cadres", base_product=base_product
    )
    page = text(client_a.get(reverse("imports:upload", args=[company_a.pk])))
    assert "Groupe d'assurés — Complémentaire Santé (contrat n° A0001)" in page
    assert "Groupe d'assurés — Prévoyance (contrat n° P0001)" in page
    content = xlsx_from_template(client_a, company_a, rows(2))
    nothing = client_a.post(
        reverse("imports:upload", args=[company_a.pk]),
        {"file": SimpleUploadedFile("s.xlsx", content)},
    )
    assert "Sélectionnez le groupe d'assurés des salariés du fichier (au moins un contrat)." in (
        text(nothing)
    )
    assert ImportBatch.objects.count() == 0
    client_a.post(
        reverse("imports:upload", args=[company_a.pk]),
        {
            f"group_{provident_contract.pk}": provident.pk,
            f"group_{health.contract_id}": health.pk,
            "file": SimpleUploadedFile("s.xlsx", content),
        },
        follow=True,
    )
    batch = ImportBatch.objects.get()
    assert [g.code for g in batch.groups] == ["02ENSP", "PREV01"]
    assert batch.declared_count == 2
    kinds = sorted(
        Membership.objects.values_list("employee__last_name", "contract__kind").order_by("pk")
    )
    assert kinds == [
        ("NOMAA", "health"),
        ("NOMAA", "provident"),
        ("NOMBA", "health"),
        ("NOMBA", "provident"),
    ]
    leads = Request.objects.values_list("membership__contract__kind", flat=True)
    assert list(leads) == ["health", "health"]
