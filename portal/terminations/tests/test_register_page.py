"""The employer's "Registre des portabilités": its own former employees under portability only,
never a dependant's name, each with its ends and the proofs' state; paginated; no write."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from conftest import make_nir, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.models import AuditEvent
from portal.terminations import follow_up, views
from portal.terminations.models import Termination
from portal.terminations.portability import EarlyEndSource
from portal.terminations.tests.conftest import TODAY, active_membership, terminate
from portal.tracking.models import RequestEvent

pytestmark = pytest.mark.django_db


def url(company: Company) -> str:
    return reverse("terminations:register", args=[company.pk])


def test_the_employer_sees_its_former_employee_never_the_dependants(
    client_a: Client, company_a: Company, portability: Termination
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.follow_portability(today=TODAY)
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="new_job",
            event_date=date(2026, 10, 1),
            source=EarlyEndSource.STAFF,
            by=None,
            today=TODAY,
        )
    before = (AuditEvent.objects.count(), RequestEvent.objects.count())
    page = text(client_a.get(url(company_a)))
    assert "1 portabilité en cours" in page
    for expected in (
        "Cédric SIMON",
        "31/05/2026",  # the end of the contract
        "31/05/2027",  # the computed end
        "30/09/2026 — Reprise d'un emploi",
        "15/06/2026 (attendu le 16/06/2026)",
        "Justificatif attendu",
        '<th scope="col">Fin calculée</th>',
    ):
        assert expected in page
    assert "Claire" not in page
    assert (AuditEvent.objects.count(), RequestEvent.objects.count()) == before
    employee = text(
        client_a.get(
            reverse("employer:employee", args=[company_a.pk, portability.membership.employee_id])
        )
    )
    assert (
        "Portabilité jusqu'au 30/09/2026 (arrêtée avant son terme : Reprise d'un emploi ; fin "
        "calculée le 31/05/2027)"
    ) in employee
    menu = text(client_a.get(reverse("employer:home", args=[company_a.pk])))
    assert f'href="{url(company_a)}"' in menu


def test_another_companys_portability_is_not_listed(
    client_a: Client, company_a: Company, company_b: Company, staff_user: User
) -> None:
    other = active_membership(
        company_b, staff_user, email="julie.martin@example.org",
        nir=make_nir("2", "9005", order="456"), last_name="Martin", first_name="Julie",
        civility="MME", birth_date=date(1990, 5, 2), employee_number="B-0001",
    )  # fmt: skip
    terminate(other, company_b)
    page = text(client_a.get(url(company_a)))
    assert "Aucune portabilité en cours." in page and "Julie" not in page


def test_the_register_is_paginated(
    client_a: Client,
    company_a: Company,
    portability: Termination,
    staff_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = active_membership(
        company_a, staff_user, email="julie.martin@example.org",
        nir=make_nir("2", "9005", order="456"), last_name="Martin", first_name="Julie",
        civility="MME", birth_date=date(1990, 5, 2), employee_number="M-0002",
    )  # fmt: skip
    terminate(other, company_a)
    monkeypatch.setattr(views, "REGISTER_PAGE_SIZE", 1)
    first = text(client_a.get(url(company_a)))
    assert "2 portabilités en cours" in first and "Page 1 sur 2" in first
    assert "Page 2 sur 2" in text(client_a.get(url(company_a), {"page": "2"}))
