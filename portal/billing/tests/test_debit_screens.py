"""The back office's debit screens: staff only, the form, the lines, the audited file."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from conftest import make_user
from portal.accounts.models import Role, User
from portal.billing.models import DebitRun, RunStatus
from portal.billing.tests.conftest import MakeMember, prepare
from portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(make_member: MakeMember) -> DebitRun:
    make_member(debit_day=20, last_name="Simon")
    return prepare(date(2026, 12, 20), date(2026, 12, 1))


def urls(run: DebitRun) -> list[tuple[str, str]]:
    return [
        ("get", reverse("backoffice:debit_runs")),
        ("post", reverse("backoffice:debit_runs")),
        ("get", reverse("backoffice:debit_run", args=[run.pk])),
        ("post", reverse("backoffice:debit_run_file", args=[run.pk])),
    ]


def test_anonymous_visitor_is_sent_to_the_login_page(client: Client, run: DebitRun) -> None:
    for method, url in urls(run):
        response = getattr(client, method)(url, {"due_date": "2027-01-20"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{resolve_url(settings.LOGIN_URL)}?next=")


@pytest.mark.parametrize("role", [Role.CORRESPONDENT, Role.MEMBER])
def test_hr_correspondent_and_member_get_a_404(client: Client, run: DebitRun, role: str) -> None:
    client.force_login(make_user(f"{role}@example.org", role))
    for method, url in urls(run):
        assert getattr(client, method)(url, {"due_date": "2027-01-20"}).status_code == 404, url
    assert DebitRun.objects.count() == 1
    assert not AuditEvent.objects.filter(action="debit_file_downloaded").exists()


@time_machine.travel("2026-12-01 09:00 +01:00", tick=False)
def test_staff_prepare_a_run_from_the_form(
    client: Client, staff_user: User, make_member: MakeMember
) -> None:
    make_member(debit_day=20, last_name="Simon")
    client.force_login(staff_user)

    response = client.post(reverse("backoffice:debit_runs"), {"due_date": "2026-12-20"})

    run = DebitRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:debit_run", args=[run.pk])
    assert (run.due_date, run.line_count, run.created_by_id) == (
        date(2026, 12, 20),
        1,
        staff_user.pk,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Prélèvement du 20/12/2026" in page
    assert (
        page.count("Prélèvement du 20/12/2026 : 1 prélèvement(s) préparé(s) et pré-notifié(s).")
        == 1
    )
    assert "108,00 €" in page
    assert "décembre 2026" in page
    assert "FRST" in page
    assert "e-mail du 01/12/2026" in page


@time_machine.travel("2026-12-10 09:00 +01:00", tick=False)
def test_the_form_says_why_a_date_is_too_close(client: Client, staff_user: User) -> None:
    client.force_login(staff_user)

    response = client.post(reverse("backoffice:debit_runs"), {"due_date": "2026-12-20"})

    assert response.status_code == 200
    assert "au moins 14 jours avant (pré-notification SEPA)" in response.content.decode()
    assert not DebitRun.objects.exists()


def test_the_list_shows_the_runs_in_a_constant_number_of_queries(
    client: Client, staff_user: User, run: DebitRun, django_assert_max_num_queries: Any
) -> None:
    client.force_login(staff_user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("backoffice:debit_runs")).content.decode()
    assert "20/12/2026" in page
    assert "Préparer un prélèvement" in page
    assert '<th scope="col">Date d\'échéance</th>' in page or "Date d&#x27;échéance" in page


def test_downloading_the_file_is_audited(client: Client, staff_user: User, run: DebitRun) -> None:
    client.force_login(staff_user)

    response = client.post(reverse("backoffice:debit_run_file", args=[run.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == 'attachment; filename="prelevements-2026-12-20.xml"'
    assert b"<MndtId>" in response.content
    event = AuditEvent.objects.get(action="debit_file_downloaded")
    assert (event.actor_id, event.target_type, event.target_id) == (
        staff_user.pk,
        "billing.DebitRun",
        str(run.pk),
    )
    run.refresh_from_db()
    assert run.status == RunStatus.DOWNLOADED


def test_the_file_is_not_given_on_a_get(client: Client, staff_user: User, run: DebitRun) -> None:
    client.force_login(staff_user)

    response = client.get(reverse("backoffice:debit_run_file", args=[run.pk]))

    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="debit_file_downloaded").exists()
