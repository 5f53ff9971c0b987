"""The back office's lists cost the same queries with 3 rows as with 30 (no N+1)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from conftest import declare, make_nir, make_user
from portal.accounts.models import User
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.audit import AuditAction
from portal.imports.models import ImportBatch

# Every list: the session, the user, the count of all rows, the count of the filtered
# rows, the page; then what the filters list.
# Each count includes the session's second-factor device (django-otp), one query.
LISTS = {
    "enrollment_employee": 6,
    "enrollment_membership": 6,
    "enrollment_invitation": 6,
    "tracking_request": 6,
    "core_auditevent": 7,
    "notifications_outboundmessage": 7,
    "companies_correspondent": 6,
    "imports_importbatch": 6,
}


def add_rows(company: Company, staff: User, start: int, count: int) -> None:
    """`count` of each listed thing (and more audit events and e-mails on the way)."""
    group = InsuredGroup.objects.filter(contract__company=company).get()
    for i in range(start, start + count):
        declare(
            company,
            nir=make_nir(order=f"{i + 1:03d}"),
            employee_number=f"M-{i:04d}",
            email=f"salarie{i}@example.org",
        )
        correspondent = make_user(f"rh{i}@example.org")
        audit.record(AuditAction.EMPLOYEE_VIEWED, by=correspondent, company_id=company.pk)
        ImportBatch.objects.create(
            company=company,
            insured_group=group,
            created_by=staff,
            filename=f"salaries-{i}.xlsx",
            file=ContentFile(b"-", name=f"salaries-{i}.xlsx"),
        )


def assert_list_queries(client: Client, assert_num_queries: DjangoAssertNumQueries) -> None:
    for model, queries in LISTS.items():
        with assert_num_queries(queries):
            page = client.get(reverse(f"admin:{model}_changelist"))
        assert page.status_code == 200, model


@pytest.mark.django_db
def test_back_office_lists_cost_the_same_queries_with_3_or_30_rows(
    client: Client,
    staff_user: User,
    company_a: Company,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(staff_user)
    add_rows(company_a, staff_user, 0, 3)
    assert_list_queries(client, django_assert_num_queries)
    add_rows(company_a, staff_user, 3, 27)
    assert_list_queries(client, django_assert_num_queries)
    assert ImportBatch.objects.count() == User.objects.filter(email__startswith="rh").count() == 30
