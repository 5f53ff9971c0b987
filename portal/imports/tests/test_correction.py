""" "Valider les corrections": an import's rejected rows corrected in the browser, on the file's
reading, checks and declaration; nothing declared twice; each row keeps its history."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import CommitClient, file_copy_of_the_database, in_threads, make_nir, make_user, text
from portal.accounts.models import Role, User
from portal.companies.access_services import Invitation as AccessInvitation
from portal.companies.access_services import grant_access
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError, CoreError
from portal.core.models import AuditEvent
from portal.enrollment.models import Employee, Invitation
from portal.imports import services, templates
from portal.imports.columns import COLUMNS
from portal.imports.models import (
    AttemptOutcome,
    AttemptSource,
    ImportBatch,
    ImportRow,
    ImportRowAttempt,
    ImportStatus,
)
from portal.tracking.models import Request, Source, State

RECENT = (timezone.localdate() - timedelta(days=10)).strftime("%d/%m/%Y")
GOOD_NIR = make_nir(order="001")
WRONG_KEY_NIR = GOOD_NIR[:13] + ("00" if GOOD_NIR[13:] != "00" else "01")
NIR_INVALID = CoreError.NIR_KEY.message


def employee(i: int, **overrides: str) -> dict[str, str]:
    """A file's row, by column key: a valid employee unless overridden."""
    return {
        "civility": "Monsieur",
        "last_name": f"Nom{chr(65 + i)}",
        "first_name": "Jean",
        "birth_date": "14/05/1985",
        "nir": make_nir(order=f"{i + 1:03d}"),
        "fund_code": "",
        "street_number": "3",
        "street_name": "rue de la Paix",
        "staircase_floor": "",
        "building": "",
        "locality": "",
        "postal_code": "75002",
        "city": "Paris",
        "country": "FRANCE",
        "email": f"jean{i}@example.org",
        "employee_number": f"M{i:04d}",
        "hire_date": RECENT,
        "effective_date": RECENT,
        "alsace_moselle": "Non",
        **overrides,
    }


def csv_of(lines: list[dict[str, str]]) -> bytes:
    header = templates.build_csv_template().decode("utf-8-sig").splitlines()[0]
    body = [";".join(line[column.key] for column in COLUMNS) for line in lines]
    return ("\n".join([header, *body]) + "\n").encode()


def imported(client: Client, company: Company, lines: list[dict[str, str]]) -> ImportBatch:
    """The file of `lines` imported through the employer space, processed to the end."""
    group = company.contracts.get().insured_groups.get()
    client.post(
        reverse("imports:upload", args=[company.pk]),
        {
            f"group_{group.contract_id}": group.pk,
            "file": SimpleUploadedFile("salaries.csv", csv_of(lines)),
        },
    )
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportStatus.DONE
    return batch


def form_of(rows: list[ImportRow], **changes: dict[str, str]) -> dict[str, Any]:
    """The correction table as the page posts it: every row shown, as last typed, with
    `changes` ("row<number>" -> column key -> text) typed in."""
    data: dict[str, Any] = {"row": [str(row.pk) for row in rows]}
    for row in rows:
        values = json.loads(row.raw) | changes.get(f"row{row.number}", {})
        for key, value in values.items():
            data[f"row-{row.pk}-{key}"] = value
    return data


def correct(client: Client, batch: ImportBatch, data: dict[str, Any]) -> Any:
    """ "Valider les corrections" (the test client runs what waits for the commit)."""
    return client.post(
        reverse("imports:correct", args=[batch.company_id, batch.pk]), data, follow=True
    )


@pytest.fixture
def batch(client_a: Client, company_a: Company) -> ImportBatch:
    """Line 2 declared; line 3 rejected for its NIR key; line 4 for its birth date cell."""
    return imported(
        client_a,
        company_a,
        [
            employee(0, nir=make_nir(order="100")),
            employee(1, nir=WRONG_KEY_NIR),
            employee(2, birth_date="31/02/1985"),
        ],
    )


def rejected(batch: ImportBatch) -> list[ImportRow]:
    return list(ImportRow.objects.filter(batch=batch, declared_at=None).order_by("number"))


@pytest.mark.django_db
def test_the_confirmation_page_opens_the_rejected_rows_cell_by_cell_with_their_messages(
    client_a: Client, company_a: Company, batch: ImportBatch
) -> None:
    events = AuditEvent.objects.count()
    response = client_a.get(reverse("imports:batch", args=[company_a.pk, batch.pk]))
    page = text(response)
    line3, line4 = rejected(batch)

    assert "Corriger les salariés en erreur" in page
    assert '<button type="submit" class="button">Valider les corrections</button>' in page
    nir = f"row-{line3.pk}-nir"
    assert (
        f'<input type="text" id="{nir}" name="{nir}" value="{WRONG_KEY_NIR}" maxlength="300" '
        f'autocomplete="off" aria-invalid="true" aria-describedby="{nir}-error">'
    ) in page
    assert f'<div class="field__error" id="{nir}-error"><p>{NIR_INVALID}</p></div>' in page
    assert (
        f'<label class="visually-hidden" for="{nir}">N° de sécurité sociale, ligne 3</label>'
        in (page)
    )
    birth = f"row-{line4.pk}-birth_date"
    assert (
        f'<div class="field__error" id="{birth}-error"><p>Colonne « Date de naissance * », '
        "ligne 4 : « 31/02/1985 » n'est pas une date valide. Écrivez-la jj/mm/aaaa.</p></div>"
    ) in page
    # A cell without a problem is a plain input.
    name = f"row-{line3.pk}-last_name"
    assert f'id="{name}" name="{name}" value="NomB" maxlength="300" autocomplete="off">' in page
    assert 'class="table-wrap" tabindex="0" role="region" aria-labelledby="correction-caption"' in (
        page
    )
    # The rejection file stays available; a GET writes nothing.
    assert "Télécharger le fichier de rejet" in page
    assert (ImportRowAttempt.objects.count(), AuditEvent.objects.count()) == (0, events)


@pytest.mark.django_db
def test_a_corrected_row_is_declared_as_a_file_row_and_leaves_the_table(
    client_a: Client, company_a: Company, correspondent_a: User, batch: ImportBatch
) -> None:
    line3, line4 = rejected(batch)
    page = text(correct(client_a, batch, form_of([line3, line4], row3={"nir": GOOD_NIR})))

    assert "✓ 1 ligne corrigée et déclarée (ligne 3)." in page
    assert "✓ 2 salariés validés." in page
    assert "⚠ 1 salarié en erreur :" in page
    new = Employee.objects.get(company=company_a, last_name="NOMB")
    request = Request.objects.get(employee=new)
    assert (request.source, request.state, request.created_by) == (
        Source.FILE,
        State.WAITING,
        correspondent_a,
    )
    assert Invitation.objects.filter(membership__employee=new).count() == 1
    batch.refresh_from_db()
    assert (batch.declared_count, batch.rejected_count) == (2, 1)
    line3.refresh_from_db()
    assert (line3.declared_by, line3.request, line3.errors) == (correspondent_a, request, [])
    # Its history: the file's version, then the correction that declared it.
    assert [(a.source, a.outcome, a.by) for a in line3.attempts.all()] == [
        (AttemptSource.FILE, AttemptOutcome.REJECTED, correspondent_a),
        (AttemptSource.CORRECTION, AttemptOutcome.DECLARED, correspondent_a),
    ]
    file_version = line3.attempts.first()
    assert file_version is not None
    assert json.loads(file_version.raw)["nir"] == WRONG_KEY_NIR
    assert [p["code"] for p in file_version.problems] == [CoreError.NIR_KEY]
    at = timezone.localtime(line3.declared_at).strftime("%d/%m/%Y à %H:%M")
    assert f"Ligne 3 — NOMB Jean</strong> : corrigée le {at} par Sophie Lambert" in page
    assert f"Colonne « N° de sécurité sociale » : {NIR_INVALID}" in page
    # Only line 4 is left in the table.
    assert f'name="row" value="{line4.pk}"' in page
    assert f'name="row" value="{line3.pk}"' not in page
    event = AuditEvent.objects.filter(action=AuditAction.IMPORT_ROWS_CORRECTED).get()
    assert (event.actor, event.target_id, event.details) == (
        correspondent_a,
        str(batch.pk),
        {"declared": [3], "rejected": [], "already_declared": []},
    )


@pytest.mark.django_db
def test_the_rejection_file_follows_the_rows_still_rejected(
    client_a: Client, company_a: Company, batch: ImportBatch
) -> None:
    line3, line4 = rejected(batch)
    correct(client_a, batch, form_of([line3, line4], row3={"nir": GOOD_NIR}))

    response = client_a.get(reverse("imports:rejection_file", args=[company_a.pk, batch.pk]))
    sheet = load_workbook(io.BytesIO(response.getvalue()))["Salariés"]
    lines = [line for line in sheet.iter_rows(values_only=True) if any(line)]
    assert [line[1] for line in lines] == ["Nom *", "NomC"]
    assert lines[1][-1] == (
        "Colonne « Date de naissance * », ligne 4 : « 31/02/1985 » n'est pas une date valide. "
        "Écrivez-la jj/mm/aaaa."
    )

    # The last row corrected: no rejected row, no rejection file.
    correct(client_a, batch, form_of([line4], row4={"birth_date": "14/05/1985"}))
    batch.refresh_from_db()
    assert (batch.declared_count, batch.rejected_count, batch.rejection_file.name) == (3, 0, "")
    page = text(client_a.get(reverse("imports:batch", args=[company_a.pk, batch.pk])))
    assert "✓ 3 salariés validés." in page
    assert "Valider les corrections" not in page and "salarié en erreur" not in page
    assert "Salariés en erreur corrigés" in page


@pytest.mark.django_db
def test_a_row_still_wrong_stays_in_the_table_with_its_new_message(
    client_a: Client, company_a: Company, correspondent_a: User, batch: ImportBatch
) -> None:
    line3, line4 = rejected(batch)
    employees = Employee.objects.count()
    page = text(
        correct(
            client_a,
            batch,
            form_of([line3, line4], row4={"birth_date": "14/05/1985", "civility": "X"}),
        )
    )

    assert "⚠ 1 ligne toujours en erreur (ligne 4)." in page
    line4.refresh_from_db()
    message = "Colonne « Civilité * », ligne 4 : « X » : écrivez Madame ou Monsieur."
    assert [(p["field"], p["message"]) for p in line4.errors] == [("civility", message)]
    assert 'value="X" maxlength="300" autocomplete="off" aria-invalid="true"' in page
    assert f"<p>{message}</p>" in page
    # The birth date fixed, its message is gone from the table (the history keeps it).
    assert f'id="row-{line4.pk}-birth_date-error"' not in page
    # Line 3, sent unchanged, is not a new version; line 4 has the file's and this one.
    assert ImportRowAttempt.objects.filter(row=line3).count() == 0
    assert [(a.source, a.outcome) for a in line4.attempts.all()] == [
        (AttemptSource.FILE, AttemptOutcome.REJECTED),
        (AttemptSource.CORRECTION, AttemptOutcome.REJECTED),
    ]
    assert "Historique de la ligne 4" in page
    at = timezone.localtime(line4.attempts.last().at).strftime("%d/%m/%Y à %H:%M")  # type: ignore[union-attr]
    assert f"Corrigée le {at} par Sophie Lambert : en erreur" in page
    batch.refresh_from_db()
    assert (batch.declared_count, batch.rejected_count) == (1, 2)
    assert Employee.objects.count() == employees


# Values wrong in as many ways: a cell the reader refuses, a rule, a duplicate, two at once.
WRONG = [
    {"birth_date": "14/13/1985"},
    {"civility": "Docteur"},
    {"alsace_moselle": "Peut-être"},
    {"nir": "1850575115123"},
    {"last_name": "", "hire_date": ""},
    {"effective_date": "01/01/2000"},
    {"nir": make_nir(order="100"), "email": "autre@example.org"},  # line 2's employee
]


@pytest.mark.django_db
@pytest.mark.parametrize("wrong", WRONG)
def test_a_correction_meets_the_same_problems_as_the_same_row_in_a_file(
    client_a: Client, company_a: Company, batch: ImportBatch, wrong: dict[str, str]
) -> None:
    line3, _ = rejected(batch)
    correct(client_a, batch, form_of([line3], row3=employee(1, **wrong)))
    line3.refresh_from_db()

    # The same values on line 3 of another file.
    other = imported(client_a, company_a, [employee(5), employee(1, **wrong)])
    from_file = ImportRow.objects.get(batch=other)
    assert from_file.number == line3.number == 3
    assert line3.errors == from_file.errors
    assert line3.errors != []


@pytest.mark.django_db
def test_a_city_that_does_not_match_its_postal_code_is_corrected_as_in_a_file(
    client_a: Client, company_a: Company, batch: ImportBatch
) -> None:
    line3, _ = rejected(batch)
    page = text(correct(client_a, batch, form_of([line3], row3={"nir": GOOD_NIR, "city": "Lyon"})))
    other = imported(client_a, company_a, [employee(5, city="Lyon")])

    assert "Adresses corrigées avant l'enregistrement :" in page
    warnings = [
        [(w["field"], w["code"]) for w in correction.warnings]
        for correction in (batch.corrections.get(), other.corrections.get())
    ]
    assert warnings[0] == warnings[1] == [("city", "city_corrected")]
    assert Employee.objects.get(last_name="NOMB").city == "PARIS"


@pytest.mark.django_db
def test_a_double_submit_declares_the_row_once(
    client_a: Client, company_a: Company, batch: ImportBatch
) -> None:
    line3, line4 = rejected(batch)
    data = form_of([line3, line4], row3={"nir": GOOD_NIR})
    correct(client_a, batch, data)
    page = text(correct(client_a, batch, data))  # the same form again (a second tab, a retry)

    assert (
        "La ligne 3 a déjà été corrigée et déclarée : elle ne l'est pas une seconde fois." in page
    )
    assert Employee.objects.filter(company=company_a, last_name="NOMB").count() == 1
    batch.refresh_from_db()
    assert (batch.declared_count, batch.rejected_count) == (2, 1)
    assert ImportRowAttempt.objects.filter(row=line3).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_corrections_of_a_row_declare_it_once(
    company_a: Company, correspondent_a: User, tmp_path: Path
) -> None:
    # No address: an earlier transactional test may have emptied the postal code list.
    values = employee(1, nir=WRONG_KEY_NIR, street_number="", street_name="")
    values |= {"postal_code": "", "city": ""}
    group = company_a.contracts.get().insured_groups.get()
    batch = ImportBatch.objects.create(
        company=company_a,
        insured_group=group,
        filename="salaries.csv",
        file=SimpleUploadedFile("salaries.csv", b""),
        status=ImportStatus.DONE,
        total_rows=1,
        processed_rows=1,
        rejected_count=1,
    )
    row = ImportRow.objects.create(
        batch=batch,
        number=2,
        raw=json.dumps(values),
        errors=[{"field": "nir", "code": CoreError.NIR_KEY.value, "message": NIR_INVALID}],
    )
    typed = {row.pk: values | {"nir": GOOD_NIR}}

    def send() -> services.CorrectionResult:
        return services.correct_rows(batch=batch, typed=typed, by=correspondent_a)

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        first, second = in_threads(send, send)
        ((count, counts),) = in_threads(
            lambda: (
                Employee.objects.filter(company=company_a).count(),
                ImportBatch.objects.values_list("declared_count", "rejected_count").get(),
            )
        )
    assert sorted([first.declared, second.declared]) == [[], [2]]
    assert sorted([first.already_declared, second.already_declared]) == [[], [2]]
    assert (count, counts) == (1, (1, 0))


@pytest.mark.django_db
def test_tampered_missing_or_foreign_rows_change_nothing(
    client_a: Client,
    company_a: Company,
    company_b: Company,
    correspondent_b: User,
    batch: ImportBatch,
) -> None:
    client_b = CommitClient()
    client_b.force_login(correspondent_b)
    other = imported(client_b, company_b, [employee(7, nir=WRONG_KEY_NIR)])
    foreign = ImportRow.objects.get(batch=other)
    line3, _ = rejected(batch)
    url = reverse("imports:correct", args=[company_a.pk, batch.pk])
    before = (Employee.objects.count(), ImportRowAttempt.objects.count())
    nothing = "Aucune ligne en erreur de cet import n'a été reçue."

    pages = [
        text(client_a.post(url, {}, follow=True)),
        text(client_a.post(url, {"row": ["abc", "-1", "9" * 40, ""]}, follow=True)),
        # Another company's row, through this import: ignored.
        text(client_a.post(url, form_of([foreign], row2={"nir": GOOD_NIR}), follow=True)),
    ]
    # A row without its cells: empty cells, as in a file, checked and kept with their problems.
    missing = text(client_a.post(url, {"row": [str(line3.pk)]}, follow=True))

    assert [nothing in page for page in pages] == [True, True, True]
    assert "⚠ 1 ligne toujours en erreur (ligne 3)." in missing
    line3.refresh_from_db()
    assert "Le champ « Civilité » est obligatoire." in [p["message"] for p in line3.errors]
    assert (Employee.objects.count(), ImportRowAttempt.objects.count()) == (
        before[0],
        before[1] + 2,
    )
    foreign.refresh_from_db()
    assert (foreign.declared, ImportRowAttempt.objects.filter(row=foreign).count()) == (False, 0)


@pytest.mark.django_db
def test_a_huge_post_is_refused_without_a_server_error(
    client_a: Client, company_a: Company, batch: ImportBatch
) -> None:
    url = reverse("imports:correct", args=[company_a.pk, batch.pk])
    fields = {f"row-{i}-nir": "1" for i in range(5000)}
    assert client_a.post(url, fields).status_code == 400
    line3, _ = rejected(batch)
    big: dict[str, Any] = {"row": [str(line3.pk)], f"row-{line3.pk}-last_name": "A" * 6_000_000}
    assert client_a.post(url, big).status_code == 400
    # A long cell is cut, then checked: the row stays rejected, for its name and its NIR.
    long = form_of([line3], row3={"last_name": "A" * 1_000_000})
    assert client_a.post(url, long).status_code == 302
    line3.refresh_from_db()
    assert (len(json.loads(line3.raw)["last_name"]), [p["message"] for p in line3.errors]) == (
        300,
        ["Le champ « Nom » ne peut pas dépasser 80 caractères.", NIR_INVALID],
    )
    assert ImportRow.objects.filter(batch=batch, declared_at=None).count() == 2


@pytest.mark.django_db
def test_an_import_still_running_cannot_be_corrected(
    client_a: Client, company_a: Company, batch: ImportBatch
) -> None:
    line3, _ = rejected(batch)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.DECLARING)
    page = text(correct(client_a, batch, form_of([line3], row3={"nir": GOOD_NIR})))
    assert (
        "Le fichier est encore en cours de traitement : ses lignes en erreur pourront être "
        "corrigées une fois le traitement terminé."
    ) in page
    line3.refresh_from_db()
    assert (line3.declared, Employee.objects.filter(last_name="NOMB").exists()) == (False, False)
    with pytest.raises(BusinessError):
        services.correct_rows(batch=batch, typed={line3.pk: {}}, by=line3.batch.created_by)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_read_only_access_sees_no_table_and_cannot_correct(
    company_a: Company, correspondent_a: User, batch: ImportBatch
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        (access,) = grant_access(
            companies=[company_a],
            invitation=AccessInvitation(
                "expert@cabinet.example", "Paul", "Comptable", "accountant", [], None
            ),
            by=correspondent_a,
            today=timezone.localdate(),
        )
    client = Client()
    client.force_login(access.user)
    line3, _ = rejected(batch)

    page = text(client.get(reverse("imports:batch", args=[company_a.pk, batch.pk])))
    response = client.post(
        reverse("imports:correct", args=[company_a.pk, batch.pk]),
        form_of([line3], row3={"nir": GOOD_NIR}),
    )

    assert "⚠ 2 salariés en erreur :" in page and "Valider les corrections" not in page
    assert response.status_code == 403
    line3.refresh_from_db()
    assert line3.declared is False


@pytest.mark.django_db
def test_a_member_login_is_refused(company_a: Company, batch: ImportBatch) -> None:
    client = Client()
    client.force_login(make_user("membre@example.org", role=Role.MEMBER))
    line3, _ = rejected(batch)
    response = client.post(
        reverse("imports:correct", args=[company_a.pk, batch.pk]),
        form_of([line3], row3={"nir": GOOD_NIR}),
    )
    assert response.status_code == 403
    line3.refresh_from_db()
    assert line3.declared is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "label", "limit"),
    [("last_name", "Nom", 80), ("first_name", "Prénom", 80), ("employee_number", "Matricule", 30)],
)
def test_an_overlong_cell_is_a_problem_not_a_server_error(
    client_a: Client, company_a: Company, batch: ImportBatch, key: str, label: str, limit: int
) -> None:
    line3, _ = rejected(batch)
    response = client_a.post(
        reverse("imports:correct", args=[company_a.pk, batch.pk]),
        form_of([line3], row3={"nir": GOOD_NIR, key: "Abcdefghij" * 9}),
    )
    assert response.status_code == 302
    line3.refresh_from_db()
    assert (line3.declared, [(p["field"], p["message"]) for p in line3.errors]) == (
        False,
        [(key, f"Le champ « {label} » ne peut pas dépasser {limit} caractères.")],
    )
