"""Issue 11 (defect 15): the back office reads Paris time and names each group's company."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare
from portal.accounts.models import User
from portal.companies.models import Company, Contract, ContractKind, InsuredGroup
from portal.core.admin import readable_details, readable_value
from portal.core.models import AuditEvent
from portal.imports.models import ImportBatch

WINTER_NOON_UTC = datetime(2026, 1, 15, 11, 0, tzinfo=UTC)


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


def test_a_json_moment_reads_in_paris_time() -> None:
    assert readable_value("2026-01-15T11:00:00+00:00") == "15/01/2026 12:00:00"
    assert readable_value("2026-07-15T11:00:00.123456+00:00") == "15/07/2026 13:00:00"
    assert readable_value("2026-01-15") == "2026-01-15"
    assert readable_value(None) == "—"
    assert readable_details({"expires_at": "2026-01-15T11:00:00+00:00", "codes_sent": 2}) == (
        '<ul class="readable-details"><li><code>expires_at</code> : 15/01/2026 12:00:00</li>'
        "<li><code>codes_sent</code> : 2</li></ul>"
    )


@pytest.mark.django_db
def test_an_audit_event_is_named_with_its_paris_time(staff_user: User) -> None:
    event = AuditEvent.objects.create(action="login", actor=staff_user)
    AuditEvent.objects.filter(pk=event.pk).update(occurred_at=WINTER_NOON_UTC)
    event.refresh_from_db()
    assert str(event) == "15/01/2026 12:00 login"


@pytest.mark.django_db
def test_an_import_is_named_with_its_paris_time(company_a: Company, staff_user: User) -> None:
    group = InsuredGroup.objects.filter(contract__company=company_a).get()
    batch = ImportBatch.objects.create(
        company=company_a, insured_group=group, created_by=staff_user, filename="a.xlsx"
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=WINTER_NOON_UTC)
    batch.refresh_from_db()
    assert str(batch) == "a.xlsx (15/01/2026 12:00)"


@pytest.mark.django_db
def test_groups_and_contracts_are_named_with_their_company(company_a: Company) -> None:
    group = InsuredGroup.objects.filter(contract__company=company_a).select_related("contract")
    assert str(group.get()) == f"{group.get().code} — {group.get().label} — ALPHA SAS"
    contract = Contract.objects.get(company=company_a, kind=ContractKind.HEALTH)
    assert str(contract) == f"{contract.number} — Complémentaire Santé — ALPHA SAS"


@pytest.mark.django_db
def test_the_import_form_names_the_company_of_each_group(
    staff_client: Client, company_a: Company, company_b: Company
) -> None:
    page = staff_client.get(reverse("admin:imports_importbatch_add")).content.decode()
    for company in (company_a, company_b):
        for group in InsuredGroup.objects.filter(contract__company=company):
            assert f">{group.code} — {group.label} — {company.legal_name}</option>" in page


@pytest.mark.django_db
def test_the_membership_list_names_the_company_of_each_group(
    staff_client: Client, company_a: Company
) -> None:
    declare(company_a)
    group = InsuredGroup.objects.filter(contract__company=company_a).get()
    page = staff_client.get(reverse("admin:enrollment_membership_changelist")).content.decode()
    assert f"{group.code} — {group.label} — ALPHA SAS" in page
