"""Names sort by their accent-free key on SQLite and PostgreSQL: PÉLISSIER, PETIT, PUYOT."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, make_nir, text
from portal.companies.models import Company
from portal.employer.queries import employees_of, export_rows
from portal.tracking.models import Request
from portal.tracking.queries import requests_of

NAMES = ["Petit", "Puyot", "Pélissier", "Édouard", "Martin"]
SORTED = ["ÉDOUARD", "MARTIN", "PÉLISSIER", "PETIT", "PUYOT"]


def declare_names(company: Company) -> None:
    for i, name in enumerate(NAMES):
        declare(
            company,
            last_name=name,
            nir=make_nir(order=f"{i + 1:03d}"),
            employee_number=f"M-{i:04d}",
            email=f"salarie{i}@example.org",
        )


@pytest.mark.django_db
def test_my_employees_sort_accented_names_by_their_letters(
    client_a: Client, company_a: Company
) -> None:
    declare_names(company_a)
    assert [e.last_name for e in employees_of(company_a)] == SORTED
    page = text(client_a.get(reverse("employer:employees", args=[company_a.pk])))
    positions = [page.index(name) for name in SORTED]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_the_export_sorts_accented_names_by_their_letters(company_a: Company) -> None:
    declare_names(company_a)
    assert [row[0] for row in export_rows(company_a)] == SORTED


@pytest.mark.django_db
def test_my_requests_made_at_the_same_moment_sort_by_name(company_a: Company) -> None:
    declare_names(company_a)
    first = Request.objects.filter(company=company_a).order_by("pk").first()
    assert first is not None
    Request.objects.filter(company=company_a).update(created_at=first.created_at)
    assert [r.employee.last_name for r in requests_of(company_a)] == SORTED
