from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from conftest import make_nir
from portal.core.bulk import insert_rows
from portal.core.models import AuditEvent, PostalCode
from portal.enrollment.models import Employee

COLUMNS = [
    "company_id",
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "hire_date",
    "nir",
    "alsace_moselle",
    "employee_number",
]


def employee_row(company_id: int, number: str) -> tuple[object, ...]:
    return (
        company_id,
        "MME",
        "N'DIAYE",
        "Awa",
        date(1990, 2, 3),
        date(2024, 1, 1),
        make_nir(),
        True,
        number,
    )


@pytest.mark.django_db
def test_insert_rows_stores_what_bulk_create_stores(company_a) -> None:  # type: ignore[no-untyped-def]
    ids = insert_rows(
        Employee,
        COLUMNS,
        [employee_row(company_a.pk, "F1"), employee_row(company_a.pk, "F2")],
        ids=True,
    )
    reference = Employee.objects.bulk_create(
        [Employee(**dict(zip(COLUMNS, employee_row(company_a.pk, "S1"), strict=True)))]
    )[0]
    reference.refresh_from_db()
    assert len(ids) == 2 and ids[1] == ids[0] + 1
    for pk, number in zip(ids, ["F1", "F2"], strict=True):
        stored = Employee.objects.get(pk=pk)
        assert stored.employee_number == number
        for column in COLUMNS[:-1]:
            assert getattr(stored, column) == getattr(reference, column), column
        # Fields left out take their default: the country, the declaration time.
        assert stored.country == "FRANCE"
        assert stored.created_at.tzinfo is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nir FROM enrollment_employee WHERE id = %s", [ids[0]])
        assert make_nir() not in cursor.fetchone()[0]  # encrypted like bulk_create does


@pytest.mark.django_db
def test_insert_rows_reserves_ids_after_every_existing_row(company_a) -> None:  # type: ignore[no-untyped-def]
    first = insert_rows(Employee, COLUMNS, [employee_row(company_a.pk, "A")], ids=True)
    Employee.objects.filter(pk=first[0]).delete()  # a deleted id is never given again
    later = Employee.objects.create(
        **dict(zip(COLUMNS, employee_row(company_a.pk, "B"), strict=True))
    )
    second = insert_rows(Employee, COLUMNS, [employee_row(company_a.pk, "C")], ids=True)
    assert second[0] > later.pk > first[0]
    third = Employee.objects.create(
        **dict(zip(COLUMNS, employee_row(company_a.pk, "D"), strict=True))
    )
    assert third.pk > second[0]  # the database's own sequence went past the reserved id


@pytest.mark.django_db
def test_insert_rows_writes_json_and_automatic_dates() -> None:
    insert_rows(AuditEvent, ["action", "details"], [("test", {"rows": [1, 2], "é": "ü"})])
    stored = AuditEvent.objects.get(action="test")
    assert stored.details == {"rows": [1, 2], "é": "ü"}
    assert stored.occurred_at is not None


def test_insert_rows_of_nothing_is_nothing() -> None:
    assert insert_rows(AuditEvent, ["action"], [], ids=True) == []


@pytest.mark.django_db
def test_insert_rows_raises_djangos_integrity_error_and_writes_nothing() -> None:
    row = PostalCode.objects.first()
    assert row is not None
    before = PostalCode.objects.count()
    new = ("99999", "99999", "NOUVELLE", "NOUVELLE")
    duplicate = (row.postal_code, row.insee_code, row.commune, row.routing_label)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(
            PostalCode, ["postal_code", "insee_code", "commune", "routing_label"], [new, duplicate]
        )
    assert PostalCode.objects.count() == before
