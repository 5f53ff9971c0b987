"""The insurer sees every company's API keys and stops any of them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from portal.accounts.models import User
from portal.api import keys
from portal.api.models import ApiKey, Scope
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent


def key_of(company: Company, name: str) -> ApiKey:
    return keys.create_key(
        company=company,
        name=name,
        scopes=[Scope.READ],
        expires_on=None,
        by=None,
        today=timezone.localdate(),
    ).key


@pytest.mark.django_db
def test_staff_see_every_companys_keys_and_revoke_one(
    client: Client, company_a: Company, company_b: Company, staff_user: User
) -> None:
    alpha = key_of(company_a, "Paie Alpha")
    key_of(company_b, "Logiciel Beta")
    client.force_login(staff_user)

    page = client.get("/backoffice/cles-api/").content.decode()
    done = client.post(f"/backoffice/cles-api/{alpha.pk}/revoquer/", follow=True)

    assert "Paie Alpha" in page and "Logiciel Beta" in page
    assert f"mut_{alpha.prefix}_…" in page
    assert "La clé « Paie Alpha » de ALPHA SAS est révoquée." in done.content.decode()
    alpha.refresh_from_db()
    assert alpha.revoked_by == staff_user
    event = AuditEvent.objects.get(action=AuditAction.API_KEY_REVOKED)
    assert (event.actor, event.company_id) == (staff_user, company_a.pk)
    assert ApiKey.objects.get(name="Logiciel Beta").revoked_at is None


@pytest.mark.django_db
def test_the_keys_screen_is_not_for_correspondents_nor_visitors(
    client: Client, company_a: Company, correspondent_a: User
) -> None:
    alpha = key_of(company_a, "Paie Alpha")

    anonymous = client.get("/backoffice/cles-api/")
    client.force_login(correspondent_a)
    listed = client.get("/backoffice/cles-api/")
    revoked = client.post(f"/backoffice/cles-api/{alpha.pk}/revoquer/")

    assert anonymous.status_code == 302
    assert (listed.status_code, revoked.status_code) == (404, 404)
    assert ApiKey.objects.get().revoked_at is None
