from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from conftest import make_nir
from portal.core.bulk import insert_many
from portal.core.models import AuditEvent
from portal.enrollment.models import Employee


@pytest.mark.django_db
def test_insert_many_stores_what_bulk_create_stores(company_a) -> None:  # type: ignore[no-untyped-def]
    def employee(number: str) -> Employee:
        item = Employee(
            company=company_a,
            civility="MME",
            last_name="N'DIAYE",
            first_name="Awa",
            birth_date=date(1990, 2, 3),
            hire_date=date(2024, 1, 1),
            nir=make_nir(),
            alsace_moselle=True,
            employee_number=number,
        )
        item.set_search_names()
        return item

    fast = insert_many([employee("F1"), employee("F2")])
    slow = Employee.objects.bulk_create([employee("S1")])[0]
    assert [e.pk for e in fast] == sorted(e.pk for e in fast)
    columns = [
        "civility",
        "last_name",
        "birth_date",
        "nir",
        "alsace_moselle",
        "company_id",
        "search_name",
        "created_at",
    ]
    for item in fast:
        stored = Employee.objects.get(pk=item.pk)
        reference = Employee.objects.get(pk=slow.pk)
        for column in columns[:-1]:
            assert getattr(stored, column) == getattr(reference, column), column
        assert stored.created_at.tzinfo is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nir FROM enrollment_employee WHERE id = %s", [fast[0].pk])
        assert make_nir() not in cursor.fetchone()[0]  # encrypted like bulk_create does


@pytest.mark.django_db
def test_insert_many_writes_json_and_automatic_dates() -> None:
    event = insert_many([AuditEvent(action="test", details={"rows": [1, 2], "é": "ü"})])[0]
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.details == {"rows": [1, 2], "é": "ü"}
    assert stored.occurred_at is not None


def test_insert_many_of_nothing_is_nothing() -> None:
    assert insert_many([]) == []


@pytest.mark.django_db
def test_insert_many_raises_djangos_integrity_error() -> None:
    from django.db import IntegrityError, transaction

    from portal.core.models import PostalCode

    row = PostalCode.objects.first()
    assert row is not None
    duplicate = PostalCode(
        postal_code=row.postal_code,
        insee_code=row.insee_code,
        commune=row.commune,
        routing_label=row.routing_label,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many([duplicate])
