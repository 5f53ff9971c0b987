"""The API: keys and their rights, every endpoint against another company's key, the same
problems as the form's, idempotent declarations and terminations, pages by cursor."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import declare, file_copy_of_the_database, in_threads, make_nir
from portal.accounts.models import User
from portal.api import keys
from portal.api.models import ApiKey, IdempotentCall, Scope
from portal.companies.models import Company, InsuredGroup
from portal.core.audit import AuditAction
from portal.core.errors import CoreError, Problem
from portal.core.models import AuditEvent
from portal.enrollment.declarations import validate_declaration
from portal.enrollment.models import Dependant, Employee, Membership, MembershipStatus
from portal.imports.models import ImportBatch, ImportRow, ImportStatus
from portal.imports.tests.test_import_flow import rows, xlsx_from_template
from portal.terminations.models import Termination
from portal.tracking.models import Request, Source, State

RECENT = timezone.localdate() - timedelta(days=10)


def new_key(company: Company, *scopes: str, **fields: Any) -> str:
    made = keys.create_key(
        company=company,
        name="Paie",
        scopes=list(scopes) or [Scope.READ],
        expires_on=None,
        by=None,
        today=timezone.localdate(),
    )
    if fields:
        ApiKey.objects.filter(pk=made.key.pk).update(**fields)
    return made.secret


def call(method: str, path: str, key: str | None, body: Any = None, **headers: str) -> Any:
    client = Client()
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    if method == "GET":
        return client.get(f"/api/v1{path}", body or {}, headers=sent)
    return client.post(
        f"/api/v1{path}",
        json.dumps(body if body is not None else {}),
        content_type="application/json",
        headers=sent,
    )


def payload(company: Company, **overrides: Any) -> dict[str, Any]:
    group = InsuredGroup.objects.filter(contract__company=company).order_by("pk").first()
    assert group is not None
    values: dict[str, Any] = {
        "civility": "M",
        "last_name": "Simon",
        "first_name": "Cédric",
        "birth_date": "1985-05-14",
        "hire_date": RECENT.isoformat(),
        "effective_date": RECENT.isoformat(),
        "insured_group_ids": [group.pk],
        "alsace_moselle": False,
        "nir": make_nir(),
        "email": "cedric.simon@example.org",
        "employee_number": "M-0001",
    }
    values.update(overrides)
    return values


def codes(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


# --- Keys. ---


@pytest.mark.django_db
def test_a_key_is_kept_as_its_hash_with_a_prefix_that_names_it(company_a: Company) -> None:
    made = keys.create_key(
        company=company_a,
        name="  Paie   Silae ",
        scopes=[Scope.DECLARE],
        expires_on=None,
        by=None,
        today=date(2026, 1, 1),
    )
    stored = ApiKey.objects.get()
    assert made.secret.startswith(f"mut_{stored.prefix}_")
    assert len(made.secret) > 50
    assert made.secret not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert stored.name == "Paie Silae"
    assert stored.scopes == ["read", "declare"]
    event = AuditEvent.objects.get(action=AuditAction.API_KEY_CREATED)
    assert event.details == {"prefix": stored.prefix, "scopes": ["read", "declare"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "authentication_required"),
        ("Basic abc", "authentication_required"),
        ("Bearer mut_00000000_nothing", "api_key_invalid"),
        ("Bearer n'importe quoi", "api_key_invalid"),
    ],
)
def test_a_call_without_a_valid_key_is_refused_with_401(
    company_a: Company, authorization: str | None, code: str
) -> None:
    sent = {"Authorization": authorization} if authorization else {}
    response = Client().get("/api/v1/employees", headers=sent)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == code


@pytest.mark.django_db
def test_a_key_with_a_wrong_secret_but_a_known_prefix_is_refused(company_a: Company) -> None:
    secret = new_key(company_a)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")

    assert call("GET", "/employees", forged).json()["code"] == "api_key_invalid"


@pytest.mark.django_db
def test_a_revoked_key_and_an_expired_key_are_refused(company_a: Company) -> None:
    revoked = new_key(company_a)
    keys.revoke_key(key_id=ApiKey.objects.get().pk, company=company_a, by=None)
    expired = new_key(company_a, expires_at=timezone.now() - timedelta(seconds=1))

    assert call("GET", "/employees", revoked).json()["code"] == "api_key_revoked"
    assert call("GET", "/employees", expired).json()["code"] == "api_key_expired"


@pytest.mark.django_db
def test_a_read_only_key_cannot_declare_nor_terminate(company_a: Company) -> None:
    request = declare(company_a)
    secret = new_key(company_a, Scope.READ)

    declared = call("POST", "/employees", secret, payload(company_a, nir="", email=""))
    terminated = call(
        "POST",
        f"/memberships/{request.membership_id}/termination",
        secret,
        {"hire_date": "2024-03-01", "termination_date": "2024-04-01", "motif": "resignation"},
    )

    assert declared.status_code == 403
    assert declared.json()["detail"] == (
        "Cette clé d'API n'a pas le droit « Déclarer et relancer » : créez une clé avec ce droit."
    )
    assert terminated.status_code == 403
    assert terminated.json()["code"] == "api_scope_missing"
    assert Employee.objects.count() == 1


@pytest.mark.django_db
def test_every_call_is_audited_with_its_key(company_a: Company) -> None:
    secret = new_key(company_a)
    prefix = ApiKey.objects.get().prefix

    call("GET", "/employees", secret)
    call("GET", "/requests", secret)

    calls = AuditEvent.objects.filter(action=AuditAction.API_CALL).order_by("pk")
    assert [(e.company_id, e.details["key"], e.details["path"]) for e in calls] == [
        (company_a.pk, prefix, "/api/v1/employees"),
        (company_a.pk, prefix, "/api/v1/requests"),
    ]
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_calls_over_the_rate_limit_get_429_with_retry_after(
    company_a: Company, settings: Any
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    secret = new_key(company_a)

    answers = [call("GET", "/company", secret) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    assert answers[2].json()["code"] == "api_rate_limited"


# --- Another company's key sees nothing of this one. ---


@pytest.mark.django_db
def test_every_endpoint_answers_404_to_another_companys_key(
    company_a: Company, company_b: Company
) -> None:
    request = declare(company_a)
    group = InsuredGroup.objects.get(contract__company=company_a)
    batch = ImportBatch.objects.create(
        company=company_a, insured_group=group, filename="a.xlsx", file="imports/a.xlsx"
    )
    other = new_key(company_b, Scope.DECLARE, Scope.TERMINATE)
    termination = {
        "hire_date": "2024-03-01",
        "termination_date": "2024-04-01",
        "motif": "resignation",
    }

    answers = {
        "employee": call("GET", f"/employees/{request.employee_id}", other),
        "request": call("GET", f"/requests/{request.pk}", other),
        "cancel": call("POST", f"/requests/{request.pk}/cancel", other, {"reason": "Erreur"}),
        "remind": call("POST", f"/requests/{request.pk}/reminders", other),
        "terminate": call(
            "POST", f"/memberships/{request.membership_id}/termination", other, termination
        ),
        "import": call("GET", f"/imports/{batch.pk}", other),
        "rejected": call("GET", f"/imports/{batch.pk}/rejected-rows", other),
    }

    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 404)
    assert call("GET", "/employees", other).json()["employees"] == []
    assert call("GET", "/requests", other).json()["requests"] == []
    assert call("GET", "/company", other).json()["legal_name"] == "BETA SARL"
    assert [g["code"] for g in call("GET", "/insured-groups", other).json()] == ["01"]
    assert Request.objects.get(pk=request.pk).state == State.WAITING
    assert not Termination.objects.exists()


@pytest.mark.django_db
def test_a_declaration_into_another_companys_group_is_refused(
    company_a: Company, company_b: Company
) -> None:
    foreign = InsuredGroup.objects.get(contract__company=company_b)
    secret = new_key(company_a, Scope.DECLARE)

    answer = call("POST", "/employees", secret, payload(company_a, insured_group_ids=[foreign.pk]))

    assert answer.status_code == 422
    assert ("insured_group_ids", "group_unknown") in codes(answer) or codes(answer)[0][0] == (
        "insured_group_ids"
    )
    assert not Employee.objects.exists()


# --- Declaring: the same path, the same problems. ---


@pytest.mark.django_db
def test_declaring_by_the_api_opens_an_affiliation_request_like_the_form(
    company_a: Company, mailoutbox: list[Any]
) -> None:
    secret = new_key(company_a, Scope.DECLARE)

    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = call("POST", "/employees", secret, payload(company_a))

    assert answer.status_code == 201
    made = Request.objects.get()
    assert answer.json() == {
        "request_id": made.pk,
        "employee_id": made.employee_id,
        "request_state": "waiting",
        "corrections": [],
    }
    assert (made.source, made.state, made.reason) == (Source.API, State.WAITING, "affiliation")
    assert made.membership is not None
    assert made.membership.status == MembershipStatus.PRE_ENROLLED


@pytest.mark.django_db
def test_a_bad_nir_has_the_form_and_files_code_and_message_at_the_api(company_a: Company) -> None:
    bad_nir = rows(1, bad_nir_at=0)[0][4]
    expected = Problem("nir", "nir_key", CoreError.NIR_KEY.message)
    secret = new_key(company_a, Scope.DECLARE)

    one = call("POST", "/employees", secret, payload(company_a, nir=bad_nir))
    many = call(
        "POST", "/employees/batch", secret, {"employees": [payload(company_a, nir=bad_nir)]}
    )

    assert one.status_code == 422
    assert one.json()["errors"] == [expected.as_dict()]
    assert one.json()["detail"] == expected.message
    assert many.json()["results"][0]["problems"] == [expected.as_dict()]
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_every_rule_of_the_declaration_answers_as_validate_declaration_does(
    company_a: Company,
) -> None:
    declare(company_a, email="deja@example.org", nir="", employee_number="")
    bad = payload(
        company_a,
        civility="X",
        last_name="<b>Simon</b>",
        first_name="",
        birth_date="1850-01-01",
        email="deja@example.org",
        fund_code="12",
    )
    secret = new_key(company_a, Scope.DECLARE)
    from portal.api.v1 import DeclarationIn

    expected = validate_declaration(
        DeclarationIn(**bad).declaration(), company=company_a, today=timezone.localdate()
    ).errors

    answer = call("POST", "/employees", secret, bad)

    assert answer.status_code == 422
    assert answer.json()["errors"] == [p.as_dict() for p in expected]
    assert len(expected) >= 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        ({"birth_date": "1985-02-30"}, "birth_date", "date attendue au format AAAA-MM-JJ."),
        ({"insured_group_ids": "deux"}, "insured_group_ids", "liste attendue."),
        ({"alsace_moselle": "peut-être"}, "alsace_moselle", "true ou false attendu."),
        ({"last_name": None}, "last_name", "texte attendu."),
    ],
)
def test_a_value_of_the_wrong_type_names_its_field_in_french(
    company_a: Company, change: dict[str, Any], field: str, detail: str
) -> None:
    secret = new_key(company_a, Scope.DECLARE)

    answer = call("POST", "/employees", secret, payload(company_a, **change))

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": field,
            "code": "invalid_request",
            "message": f"La requête n'est pas conforme au schéma de l'API : {detail}",
        }
    ]


@pytest.mark.django_db
def test_a_missing_field_and_an_unreadable_body_are_problems_not_errors(company_a: Company) -> None:
    secret = new_key(company_a, Scope.DECLARE)
    body = payload(company_a)
    del body["last_name"]

    missing = call("POST", "/employees", secret, body)
    unreadable = Client().post(
        "/api/v1/employees",
        "{pas du json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert missing.status_code == 422
    assert codes(missing) == [("last_name", "invalid_request")]
    assert unreadable.status_code in (400, 422)
    assert unreadable["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_a_retried_declaration_with_the_same_idempotency_key_declares_once(
    company_a: Company,
) -> None:
    secret = new_key(company_a, Scope.DECLARE)
    body = payload(company_a)

    first = call("POST", "/employees", secret, body, **{"Idempotency-Key": "paie-42"})
    again = call("POST", "/employees", secret, body, **{"Idempotency-Key": "paie-42"})
    other = call(
        "POST",
        "/employees",
        secret,
        {**body, "first_name": "Paul"},
        **{"Idempotency-Key": "paie-42"},
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Employee.objects.count() == 1
    assert IdempotentCall.objects.get().status_code == 201


@pytest.mark.django_db
def test_a_refused_call_is_not_kept_and_its_retry_is_checked_again(company_a: Company) -> None:
    secret = new_key(company_a, Scope.DECLARE)
    body = payload(company_a, nir="123")

    first = call("POST", "/employees", secret, body, **{"Idempotency-Key": "k1"})

    assert first.status_code == 422
    assert not IdempotentCall.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_a_declaration_declare_one_employee(
    company_a: Company, tmp_path: Path
) -> None:
    secret = new_key(company_a, Scope.DECLARE)
    # No address: an earlier transactional test may have emptied the postal code list.
    body = payload(company_a)

    def send() -> tuple[int, Any]:
        answer = call("POST", "/employees", secret, body, **{"Idempotency-Key": "retry-1"})
        return answer.status_code, answer.json()

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        first, second = in_threads(send, send)
        (count,) = in_threads(lambda: Employee.objects.count())

    assert first == second
    assert first[0] == 201
    assert count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_a_termination_terminate_once(
    company_a: Company, tmp_path: Path
) -> None:
    request = declare(company_a, street_number="", street_name="", postal_code="", city="")
    secret = new_key(company_a, Scope.TERMINATE)
    body = {
        "hire_date": "2024-03-01",
        "termination_date": timezone.localdate().isoformat(),
        "motif": "resignation",
    }
    path = f"/memberships/{request.membership_id}/termination"

    def send() -> tuple[int, Any]:
        answer = call("POST", path, secret, body, **{"Idempotency-Key": "fin-1"})
        return answer.status_code, answer.json()

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        first, second = in_threads(send, send)
        (count,) = in_threads(lambda: Termination.objects.count())

    assert first == second
    assert first[0] == 201
    assert count == 1


@pytest.mark.django_db
def test_a_batch_declares_the_good_ones_and_answers_the_others_with_their_problems(
    company_a: Company,
) -> None:
    secret = new_key(company_a, Scope.DECLARE)
    good = payload(company_a, nir=make_nir(order="001"), email="a@example.org", employee_number="1")
    twin = payload(company_a, nir=make_nir(order="001"), email="b@example.org", employee_number="2")
    other = payload(
        company_a,
        last_name="Martin",
        nir=make_nir(order="002"),
        email="c@example.org",
        employee_number="3",
    )

    answer = call("POST", "/employees/batch", secret, {"employees": [good, twin, other]})

    body = answer.json()
    assert answer.status_code == 200
    assert (body["declared_count"], body["rejected_count"]) == (2, 1)
    assert [r["declared"] for r in body["results"]] == [True, False, True]
    assert [p["code"] for p in body["results"][1]["problems"]] == ["duplicate_nir"]
    assert sorted(Employee.objects.values_list("last_name", flat=True)) == ["MARTIN", "SIMON"]
    assert set(Request.objects.values_list("source", flat=True)) == {Source.API}


@pytest.mark.django_db
def test_a_batch_over_the_limit_or_empty_is_refused_whole(
    company_a: Company, settings: Any
) -> None:
    settings.API_BATCH_MAX = 2
    secret = new_key(company_a, Scope.DECLARE)
    three = [payload(company_a, nir="", email="", employee_number=str(i)) for i in range(3)]

    too_many = call("POST", "/employees/batch", secret, {"employees": three})
    empty = call("POST", "/employees/batch", secret, {"employees": []})

    assert (too_many.status_code, too_many.json()["code"]) == (422, "batch_too_large")
    assert too_many.json()["detail"] == (
        "Au plus 2 salariés par appel : répartissez-les en plusieurs appels."
    )
    assert (empty.status_code, empty.json()["code"]) == (422, "batch_empty")
    assert not Employee.objects.exists()


# --- Reading: employees, requests, cursors, no dependants' names. ---


@pytest.mark.django_db
def test_employees_come_by_pages_with_a_cursor_and_a_status_filter(company_a: Company) -> None:
    made = [
        declare(company_a, nir=make_nir(order=f"{i:03d}"), email=f"e{i}@example.org",
                employee_number=str(i), last_name=f"Nom{chr(64 + i)}")
        for i in range(1, 4)
    ]  # fmt: skip
    secret = new_key(company_a)

    first = call("GET", "/employees", secret, {"limit": 2}).json()
    second = call("GET", "/employees", secret, {"limit": 2, "cursor": first["next_cursor"]}).json()
    signed = call("GET", "/employees", secret, {"status": "signed"}).json()
    bad = call("GET", "/employees", secret, {"cursor": "!!"})

    assert [e["id"] for e in first["employees"]] == [r.employee_id for r in made[:2]]
    assert [e["id"] for e in second["employees"]] == [made[2].employee_id]
    assert second["next_cursor"] is None
    assert first["employees"][0]["memberships"][0]["status"] == "pre_enrolled"
    assert signed["employees"] == []
    assert (bad.status_code, bad.json()["code"]) == (422, "cursor_invalid")


@pytest.mark.django_db
def test_an_employees_detail_counts_dependants_without_naming_them(company_a: Company) -> None:
    request = declare(company_a)
    Dependant.objects.create(
        membership=request.membership,
        kind="child",
        civility="MME",
        last_name="Simon",
        first_name="Zoé-Secrète",
        birth_date=date(2015, 1, 1),
    )
    secret = new_key(company_a)

    answer = call("GET", f"/employees/{request.employee_id}", secret)

    assert answer.status_code == 200
    assert answer.json()["dependants"] == [{"kind": "child", "label": "Enfant", "count": 1}]
    assert "Zoé" not in answer.content.decode()
    assert "nir" not in answer.json()


@pytest.mark.django_db
def test_a_request_shows_its_timeline_and_can_be_cancelled_while_waiting(
    company_a: Company,
) -> None:
    request = declare(company_a)
    secret = new_key(company_a, Scope.DECLARE)

    detail = call("GET", f"/requests/{request.pk}", secret).json()
    without_reason = call("POST", f"/requests/{request.pk}/cancel", secret, {"reason": " "})
    cancelled = call("POST", f"/requests/{request.pk}/cancel", secret, {"reason": "Doublon"})

    assert [e["label"] for e in detail["timeline"]][:1] == ["Demande créée"]
    assert (without_reason.status_code, without_reason.json()["code"]) == (
        422,
        "cancellation_reason_required",
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert Membership.objects.get(pk=request.membership_id).status == MembershipStatus.CANCELLED


@pytest.mark.django_db
def test_a_reminder_by_the_api_is_the_portals_once_a_day(company_a: Company) -> None:
    request = declare(company_a)
    secret = new_key(company_a, Scope.DECLARE)

    first = call("POST", f"/requests/{request.pk}/reminders", secret)
    second = call("POST", f"/requests/{request.pk}/reminders", secret)

    assert first.status_code == 200
    assert (second.status_code, second.json()["code"]) == (422, "reminder_today")


@pytest.mark.django_db
def test_requests_filter_by_state_and_change_date(company_a: Company) -> None:
    request = declare(company_a)
    secret = new_key(company_a)
    later = (timezone.now() + timedelta(hours=1)).isoformat()

    waiting = call("GET", "/requests", secret, {"state": "waiting"}).json()["requests"]
    closed = call("GET", "/requests", secret, {"state": "closed"}).json()["requests"]
    since = call("GET", "/requests", secret, {"changed_since": later}).json()["requests"]

    assert [r["id"] for r in waiting] == [request.pk]
    assert closed == since == []


@pytest.mark.django_db
def test_a_termination_by_the_api_is_the_forms(company_a: Company) -> None:
    request = declare(company_a)
    secret = new_key(company_a, Scope.TERMINATE)
    path = f"/memberships/{request.membership_id}/termination"

    too_early = call(
        "POST",
        path,
        secret,
        {"hire_date": "2024-03-01", "termination_date": "2024-02-01", "motif": "resignation"},
    )
    done = call(
        "POST",
        path,
        secret,
        {
            "hire_date": "2024-03-01",
            "termination_date": timezone.localdate().isoformat(),
            "motif": "resignation",
        },
    )

    assert too_early.status_code == 422
    assert done.status_code == 201
    termination = Termination.objects.get()
    assert done.json()["termination_id"] == termination.pk
    assert termination.request is not None
    assert termination.request.source == Source.API


# --- File imports. ---


@pytest.mark.django_db
def test_an_imported_file_shows_its_progress_and_its_rejected_rows(
    client_a: Client, company_a: Company
) -> None:
    group = InsuredGroup.objects.get(contract__company=company_a)
    content = xlsx_from_template(client_a, company_a, rows(3, bad_nir_at=1))
    secret = new_key(company_a, Scope.DECLARE)

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = Client().post(
            "/api/v1/imports",
            {"file": SimpleUploadedFile("paie.xlsx", content), "insured_group_ids": [group.pk]},
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    assert started.status_code == 202
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.DONE
    progress = call("GET", f"/imports/{batch.pk}", secret).json()
    assert (progress["status"], progress["percent"]) == ("done", 100)
    assert (progress["declared_count"], progress["rejected_count"]) == (2, 1)
    rejected = call("GET", f"/imports/{batch.pk}/rejected-rows", secret).json()
    assert [(r["line"], [e["code"] for e in r["errors"]]) for r in rejected["rows"]] == [
        (3, ["nir_key"])
    ]
    assert rejected["rows"][0]["messages"] == [
        f"Colonne « N° de sécurité sociale » : {CoreError.NIR_KEY.message}"
    ]
    workbook = load_workbook(io.BytesIO(batch.rejection_file.read()))
    lines = [line for line in workbook["Salariés"].iter_rows(values_only=True) if any(line)]
    assert len(lines) == 2  # the header and the rejected row


@pytest.mark.django_db
def test_a_row_corrected_in_the_browser_leaves_the_rejected_rows_and_moves_the_counts(
    client_a: Client, company_a: Company
) -> None:
    group = InsuredGroup.objects.get(contract__company=company_a)
    content = xlsx_from_template(client_a, company_a, rows(3, bad_nir_at=1))
    client_a.post(
        reverse("imports:upload", args=[company_a.pk]),
        {f"group_{group.contract_id}": group.pk, "file": SimpleUploadedFile("paie.xlsx", content)},
    )
    batch = ImportBatch.objects.get()
    row = ImportRow.objects.get(batch=batch)
    typed = json.loads(row.raw) | {"nir": make_nir(order="002")}
    client_a.post(
        reverse("imports:correct", args=[company_a.pk, batch.pk]),
        {"row": [row.pk], **{f"row-{row.pk}-{key}": value for key, value in typed.items()}},
    )
    secret = new_key(company_a)

    progress = call("GET", f"/imports/{batch.pk}", secret).json()
    rejected = call("GET", f"/imports/{batch.pk}/rejected-rows", secret).json()
    assert (progress["declared_count"], progress["rejected_count"], rejected["rows"]) == (3, 0, [])


@pytest.mark.django_db
def test_an_import_into_an_unknown_group_is_refused_and_nothing_is_stored(
    company_a: Company, company_b: Company
) -> None:
    foreign = InsuredGroup.objects.get(contract__company=company_b)
    secret = new_key(company_a, Scope.DECLARE)

    answer = Client().post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("paie.csv", b"x"), "insured_group_ids": [foreign.pk]},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert (answer.status_code, answer.json()["code"]) == (422, "import_group_unknown")
    assert not ImportBatch.objects.exists()


# --- The schema and its reference page. ---


@pytest.mark.django_db
def test_the_schema_and_its_reference_page_are_served(company_a: Company) -> None:
    schema = Client().get("/api/openapi.json")
    docs = Client().get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/employees" in paths
    problem = paths["/api/v1/employees"]["post"]["responses"]["422"]["content"]
    assert list(problem) == ["application/problem+json"]
    assert docs.status_code == 200
    page = docs.content.decode()
    for path, operations in paths.items():
        for method in operations:
            assert f"<code>{method.upper()} {path}</code>" in page
    assert "<script" not in page  # readable without JavaScript, under the strict CSP
    assert "Webhook(SECRET_WEBHOOK).verify(body, headers)" in page
    assert 'id="probleme-api_key_revoked"' in page


# --- The employer's "Accès API" page. ---


@pytest.mark.django_db
def test_the_access_page_shows_a_new_key_once_and_revokes_it(
    client_a: Client, company_a: Company
) -> None:
    url = f"/entreprises/{company_a.pk}/acces-api/"

    created = client_a.post(url, {"name": "Paie", "scopes": ["declare"]})
    key = ApiKey.objects.get()
    secret = created.context["created"].secret
    again = client_a.get(url)
    revoked = client_a.post(f"{url}{key.pk}/revoquer/", follow=True)

    assert secret in created.content.decode()
    assert secret not in again.content.decode()
    assert f"mut_{key.prefix}_…" in again.content.decode()
    assert key.scopes == ["read", "declare"]
    assert "La clé « Paie » est révoquée" in revoked.content.decode()
    assert call("GET", "/company", secret).json()["code"] == "api_key_revoked"


@pytest.mark.django_db
def test_a_key_without_a_name_or_expiring_in_the_past_is_refused(
    client_a: Client, company_a: Company
) -> None:
    page = client_a.post(
        f"/entreprises/{company_a.pk}/acces-api/",
        {"name": "", "expires_on": "2020-01-01"},
    ).content.decode()

    assert "Donnez un nom à la clé." in page
    assert "La date d&#x27;expiration doit être postérieure à aujourd&#x27;hui." in page
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_the_access_pages_refuse_another_company_a_member_and_a_visitor(
    client: Client, company_a: Company, correspondent_b: User, staff_user: User
) -> None:
    new_key(company_a)
    key = ApiKey.objects.get()
    urls = [
        ("get", f"/entreprises/{company_a.pk}/acces-api/"),
        ("post", f"/entreprises/{company_a.pk}/acces-api/{key.pk}/revoquer/"),
    ]

    anonymous = [getattr(client, m)(u).status_code for m, u in urls]
    client.force_login(correspondent_b)
    other = [getattr(client, m)(u).status_code for m, u in urls]
    client.force_login(staff_user)
    staff = [getattr(client, m)(u).status_code for m, u in urls]

    assert anonymous == [302, 302]
    assert other == [404, 404]
    assert staff == [403, 403]
    assert ApiKey.objects.get().revoked_at is None


@pytest.mark.django_db
def test_revoking_is_a_post(client_a: Client, company_a: Company) -> None:
    new_key(company_a)
    key = ApiKey.objects.get()

    answer = client_a.get(f"/entreprises/{company_a.pk}/acces-api/{key.pk}/revoquer/")

    assert answer.status_code == 405
    assert ApiKey.objects.get().revoked_at is None


@pytest.mark.django_db
def test_answers_kept_for_idempotency_are_purged_after_their_hours(
    company_a: Company, settings: Any
) -> None:
    from django.core.management import call_command

    settings.API_IDEMPOTENCY_HOURS = 48
    secret = new_key(company_a, Scope.DECLARE)
    call("POST", "/employees", secret, payload(company_a), **{"Idempotency-Key": "old"})
    call(
        "POST",
        "/employees",
        secret,
        payload(company_a, nir=make_nir(order="002"), email="b@example.org", employee_number="2"),
        **{"Idempotency-Key": "recent"},
    )
    IdempotentCall.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=49))
    out = io.StringIO()

    call_command("purge_api_answers", stdout=out)

    assert list(IdempotentCall.objects.values_list("key", flat=True)) == ["recent"]
    assert out.getvalue().strip() == "1 réponse(s) d'appel idempotent supprimée(s)."


@pytest.mark.django_db
def test_a_change_date_with_any_offset_is_read_in_utc_and_one_out_of_range_is_a_problem(
    company_a: Company,
) -> None:
    request = declare(company_a)
    secret = new_key(company_a)

    far_offset = call("GET", "/requests", secret, {"changed_since": "1084-05-24T10:26:00-22:20"})
    overflow = call("GET", "/requests", secret, {"changed_since": "0001-01-01T00:00:00+23:59"})

    assert [r["id"] for r in far_offset.json()["requests"]] == [request.pk]
    assert (overflow.status_code, codes(overflow)) == (422, [("changed_since", "invalid_request")])


@pytest.mark.django_db
def test_what_django_refuses_before_any_endpoint_is_a_problem_under_api_only() -> None:
    api = Client().get("/api/v1/company", HTTP_HOST="ailleurs.example")
    page = Client().get("/connexion/", HTTP_HOST="ailleurs.example")

    assert (api.status_code, api["Content-Type"]) == (400, "application/problem+json")
    assert api.json()["detail"] == (
        "La requête n'est pas conforme au schéma de l'API : requête illisible."
    )
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
