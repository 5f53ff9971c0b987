"""Deactivating or reactivating a correspondent login in the back office is audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.models import AuditEvent


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


def post_correspondent(
    client: Client, correspondent: User, company: Company, *, active: bool
) -> int:
    data = {"first_name": "Sophie", "last_name": "Lambert", "companies": [company.pk]}
    if active:
        data["is_active"] = "on"
    url = reverse("admin:companies_correspondent_change", args=[correspondent.pk])
    return client.post(url, data).status_code


def activation_events() -> list[tuple[str, int | None, str, dict[str, object]]]:
    return [
        (e.action, e.actor_id, e.target_id, e.details)
        for e in AuditEvent.objects.filter(
            action__in=["login_deactivated", "login_reactivated"]
        ).order_by("pk")
    ]


@pytest.mark.django_db
def test_deactivating_a_correspondent_writes_an_audit_event(
    staff_client: Client, staff_user: User, correspondent_a: User, company_a: Company
) -> None:
    assert post_correspondent(staff_client, correspondent_a, company_a, active=False) == 302

    correspondent_a.refresh_from_db()
    assert correspondent_a.is_active is False
    assert activation_events() == [
        ("login_deactivated", staff_user.pk, str(correspondent_a.pk), {"role": "correspondent"})
    ]


@pytest.mark.django_db
def test_reactivating_a_correspondent_writes_an_audit_event(
    staff_client: Client, staff_user: User, correspondent_a: User, company_a: Company
) -> None:
    post_correspondent(staff_client, correspondent_a, company_a, active=False)
    assert post_correspondent(staff_client, correspondent_a, company_a, active=True) == 302

    correspondent_a.refresh_from_db()
    assert correspondent_a.is_active is True
    assert [action for action, *_ in activation_events()] == [
        "login_deactivated",
        "login_reactivated",
    ]


@pytest.mark.django_db
def test_saving_a_correspondent_unchanged_writes_no_activation_event(
    staff_client: Client, correspondent_a: User, company_a: Company
) -> None:
    assert post_correspondent(staff_client, correspondent_a, company_a, active=True) == 302
    assert activation_events() == []


@pytest.mark.django_db
def test_deactivating_a_login_from_the_users_list_writes_an_audit_event(
    staff_client: Client, staff_user: User, correspondent_a: User
) -> None:
    url = reverse("admin:accounts_user_change", args=[correspondent_a.pk])
    response = staff_client.post(
        url,
        {
            "email": correspondent_a.email,
            "first_name": "Sophie",
            "last_name": "Lambert",
            "role": correspondent_a.role,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    correspondent_a.refresh_from_db()
    assert correspondent_a.is_active is False
    assert activation_events() == [
        ("login_deactivated", staff_user.pk, str(correspondent_a.pk), {"role": "correspondent"})
    ]
