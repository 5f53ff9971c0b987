"""The employer's list pages cost the same queries with 3 rows as with 30 (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from conftest import declare, make_nir
from portal.companies.models import Company
from portal.enrollment.models import Employee
from portal.tracking.models import EventKind, Request, RequestEvent


def declare_employees(company: Company, start: int, count: int) -> None:
    for i in range(start, start + count):
        declare(
            company,
            nir=make_nir(order=f"{i + 1:03d}"),
            employee_number=f"M-{i:04d}",
            email=f"salarie{i}@example.org",
        )


def assert_same_queries_with_3_and_30_rows(
    client: Client,
    url: Callable[[], str],
    add_rows: Callable[[int, int], None],
    queries: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    add_rows(0, 3)
    client.get(url())  # what a page keeps in the cache (the campaign's figures) is kept
    with django_assert_num_queries(queries):
        assert client.get(url()).status_code == 200
    add_rows(3, 27)
    client.get(url())
    with django_assert_num_queries(queries):
        assert client.get(url()).status_code == 200


@pytest.mark.django_db
def test_my_requests_page_costs_12_queries_with_3_or_30_requests(
    client_a: Client, company_a: Company, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # 10 for the list, 2 for the campaign above its first page (its groups, its cached figures).
    assert_same_queries_with_3_and_30_rows(
        client_a,
        lambda: reverse("tracking:requests", args=[company_a.pk]),
        lambda start, count: declare_employees(company_a, start, count),
        12,
        django_assert_num_queries,
    )
    assert Request.objects.filter(company=company_a).count() == 30


@pytest.mark.django_db
def test_my_employees_page_costs_11_queries_with_3_or_30_employees(
    client_a: Client, company_a: Company, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    assert_same_queries_with_3_and_30_rows(
        client_a,
        lambda: reverse("employer:employees", args=[company_a.pk]),
        lambda start, count: declare_employees(company_a, start, count),
        11,
        django_assert_num_queries,
    )


@pytest.mark.django_db
def test_employee_page_costs_16_queries_with_3_or_30_timeline_events(
    client_a: Client, company_a: Company, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    declare_employees(company_a, 0, 3)
    employee = Employee.objects.order_by("pk").first()
    assert employee is not None
    request = Request.objects.get(employee=employee)
    request.events.all().delete()

    def add_events(start: int, count: int) -> None:
        RequestEvent.objects.bulk_create(
            RequestEvent(request=request, kind=EventKind.REMINDER_SENT) for _ in range(count)
        )

    assert_same_queries_with_3_and_30_rows(
        client_a,
        lambda: reverse("employer:employee", args=[company_a.pk, employee.pk]),
        add_events,
        16,
        django_assert_num_queries,
    )
    assert request.events.count() == 30
