"""Staff correct an employee through `correct_employee` (the one validation path), never
through a raw admin form."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declaration, declare, make_nir, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.crypto import digest
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.core.nir import check_nir
from portal.employer.queries import employees_of
from portal.enrollment.declarations import validate_declaration
from portal.enrollment.models import Employee, Membership, MembershipStatus
from portal.enrollment.services import correct_employee
from portal.tracking.models import Request
from portal.tracking.queries import requests_of

TODAY = date(2024, 6, 1)
OLD_NIR = make_nir()
NEW_NIR = make_nir(order="456")


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


@pytest.fixture
def employee(company_a: Company) -> Employee:
    declared = declare(company_a, nir=OLD_NIR)
    return Employee.objects.get(pk=declared.employee_id)


def duplicate_codes(company: Company, **overrides: Any) -> list[str]:
    """The duplicate problems a new declaration of another person would meet."""
    other = declaration(company, employee_number="M-0999", email="autre@example.org", **overrides)
    result = validate_declaration(other, company=company, today=TODAY)
    return [p.code for p in result.errors if p.code.startswith("duplicate_")]


def snapshot(employee: Employee) -> tuple[Any, ...]:
    fresh = Employee.objects.get(pk=employee.pk)
    return (fresh.last_name, fresh.first_name, fresh.nir, fresh.nir_digest, fresh.search_name)


def correction_form(employee: Employee, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "civility": employee.civility,
        "last_name": employee.last_name,
        "first_name": employee.first_name,
        "birth_date": employee.birth_date.strftime("%d/%m/%Y"),
        "nir": employee.nir,
        "fund_code": employee.fund_code,
        "street_number": employee.street_number,
        "street_name": employee.street_name,
        "staircase_floor": employee.staircase_floor,
        "building": employee.building,
        "locality": employee.locality,
        "postal_code": employee.postal_code,
        "city": employee.city,
        "country": employee.country,
        "email": employee.email,
        "employee_number": employee.employee_number,
        "reason": "Attestation de droits reçue le 3 juin",
    }
    if employee.alsace_moselle:
        data["alsace_moselle"] = "on"
    data.update(overrides)
    return data


# --- the raw admin forms are closed ------------------------------------------------------------


@pytest.mark.django_db
def test_staff_sees_the_employee_read_only_with_a_correction_link(
    staff_client: Client, employee: Employee
) -> None:
    page = text(staff_client.get(reverse("admin:enrollment_employee_change", args=[employee.pk])))
    assert 'name="last_name"' not in page
    assert 'name="memberships-0-status"' not in page
    assert "SIMON" in page
    assert reverse("admin:enrollment_employee_correct", args=[employee.pk]) in page
    assert "Corriger le salarié" in page


@pytest.mark.django_db
def test_staff_cannot_change_an_employee_through_the_admin_form(
    staff_client: Client, employee: Employee
) -> None:
    before = snapshot(employee)
    response = staff_client.post(
        reverse("admin:enrollment_employee_change", args=[employee.pk]),
        {**correction_form(employee, last_name="Durand", nir=NEW_NIR), "_save": "Enregistrer"},
    )
    assert response.status_code == 403
    assert snapshot(employee) == before
    assert not AuditEvent.objects.filter(action="employee_corrected").exists()


@pytest.mark.django_db
def test_staff_cannot_set_a_membership_active_through_the_admin_form(
    staff_client: Client, employee: Employee
) -> None:
    membership = Membership.objects.get(employee=employee)
    url = reverse("admin:enrollment_membership_change", args=[membership.pk])
    page = text(staff_client.get(url))
    assert 'name="status"' not in page
    response = staff_client.post(url, {"status": MembershipStatus.ACTIVE, "_save": "1"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED


@pytest.mark.django_db
def test_staff_cannot_delete_an_employee_or_add_a_membership(
    staff_client: Client, employee: Employee
) -> None:
    delete = reverse("admin:enrollment_employee_delete", args=[employee.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert staff_client.get(reverse("admin:enrollment_membership_add")).status_code == 403
    assert Employee.objects.filter(pk=employee.pk).exists()
    assert Membership.objects.filter(employee=employee).count() == 1


@pytest.mark.django_db
def test_staff_cannot_change_a_request_or_an_invitation_through_the_admin(
    staff_client: Client, employee: Employee
) -> None:
    request = Request.objects.get(employee=employee)
    invitation = Membership.objects.get(employee=employee).invitations.get()
    for url in [
        reverse("admin:tracking_request_change", args=[request.pk]),
        reverse("admin:enrollment_invitation_change", args=[invitation.pk]),
        reverse("admin:enrollment_invitation_delete", args=[invitation.pk]),
    ]:
        assert staff_client.post(url, {"state": "closed", "post": "yes"}).status_code == 403, url
    request.refresh_from_db()
    assert request.state == "waiting"
    assert Membership.objects.get(employee=employee).invitations.count() == 1


# --- the correction path -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_nir_recomputes_the_digest_for_duplicate_detection(
    employee: Employee, company_a: Company, staff_user: User
) -> None:
    assert duplicate_codes(company_a, nir=OLD_NIR) == ["duplicate_nir"]

    changed = correct_employee(
        employee.pk, {"nir": NEW_NIR}, by=staff_user, reason="NIR erroné", today=TODAY
    )

    assert changed == ["nir"]
    employee.refresh_from_db()
    assert employee.nir == NEW_NIR
    assert employee.nir_digest == digest(NEW_NIR)
    assert duplicate_codes(company_a, nir=NEW_NIR) == ["duplicate_nir"]
    assert duplicate_codes(company_a, nir=OLD_NIR) == []


@pytest.mark.django_db
def test_the_employee_is_not_a_duplicate_of_themselves(
    employee: Employee, staff_user: User
) -> None:
    changed = correct_employee(
        employee.pk,
        {"nir": OLD_NIR, "employee_number": "M-0001", "first_name": "Cedric"},
        by=staff_user,
        reason="Accent en trop",
        today=TODAY,
    )
    assert changed == ["first_name"]


@pytest.mark.django_db
def test_a_bad_nir_is_refused_with_the_declarations_message(
    employee: Employee, staff_user: User
) -> None:
    bad = OLD_NIR[:-2] + ("00" if OLD_NIR[-2:] != "00" else "01")
    expected = [p.message for p in check_nir(bad, birth_date=employee.birth_date, civility="M")[0]]
    before = snapshot(employee)

    with pytest.raises(BusinessError) as rejected:
        correct_employee(employee.pk, {"nir": bad}, by=staff_user, reason="x", today=TODAY)

    problems = [(p.field, p.message) for p in rejected.value.problems]
    assert problems == [("nir", message) for message in expected]
    assert expected
    assert snapshot(employee) == before
    assert not AuditEvent.objects.filter(action="employee_corrected").exists()


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(employee: Employee, staff_user: User) -> None:
    with pytest.raises(BusinessError) as rejected:
        correct_employee(
            employee.pk,
            {"last_name": "Dur4nd", "postal_code": "9200", "email": "pas-une-adresse"},
            by=staff_user,
            reason="x",
            today=TODAY,
        )
    codes = {(p.field, p.code) for p in rejected.value.problems}
    assert codes == {
        ("last_name", "name_invalid"),
        ("postal_code", "postal_code_format"),
        ("email", "email_invalid"),
    }


@pytest.mark.django_db
def test_search_finds_the_corrected_name_in_requests_and_employees(
    employee: Employee, company_a: Company, staff_user: User
) -> None:
    correct_employee(
        employee.pk,
        {"last_name": "Durand-Roy", "first_name": "Élodie"},
        by=staff_user,
        reason="Erreur de saisie de l'employeur",
        today=TODAY,
    )

    assert [r.employee_id for r in requests_of(company_a, name="durand-roy élo")] == [employee.pk]
    assert [r.employee_id for r in requests_of(company_a, name="elodie durand")] == [employee.pk]
    assert list(requests_of(company_a, name="simon")) == []
    assert [e.pk for e in employees_of(company_a, name="durand-roy")] == [employee.pk]
    employee.refresh_from_db()
    assert (employee.last_name, employee.first_name) == ("DURAND-ROY", "Élodie")
    user = employee.user
    assert user is not None
    assert (user.first_name, user.last_name) == ("Élodie", "Durand-Roy")


@pytest.mark.django_db
def test_the_correction_is_audited_with_its_fields_and_never_the_nir(
    employee: Employee, staff_user: User
) -> None:
    correct_employee(
        employee.pk,
        {"nir": NEW_NIR, "city": "NANTERRE", "street_name": "rue Jean Jaurès"},
        by=staff_user,
        reason="  Justificatif reçu  ",
        today=TODAY,
    )

    event = AuditEvent.objects.get(action="employee_corrected")
    assert event.actor == staff_user
    assert event.target_type == "enrollment.Employee"
    assert event.target_id == str(employee.pk)
    assert event.company_id == employee.company_id
    assert event.details == {
        "changed": ["nir", "street_name", "city"],
        "reason": "Justificatif reçu",
    }
    stored = json.dumps(event.details)
    assert NEW_NIR not in stored and OLD_NIR not in stored


@pytest.mark.django_db
def test_a_correction_without_reason_is_refused(employee: Employee, staff_user: User) -> None:
    before = snapshot(employee)
    with pytest.raises(BusinessError) as refused:
        correct_employee(
            employee.pk, {"first_name": "Paul"}, by=staff_user, reason=" ", today=TODAY
        )
    assert refused.value.code == "employee_correction_reason_required"
    assert snapshot(employee) == before


# --- the back-office page "Corriger le salarié" ------------------------------------------------


@pytest.mark.django_db
def test_staff_correct_the_nir_and_name_through_the_back_office_page(
    staff_client: Client, employee: Employee, company_a: Company
) -> None:
    url = reverse("admin:enrollment_employee_correct", args=[employee.pk])
    page = text(staff_client.get(url))
    assert "Corriger le salarié : Cédric SIMON" in page
    assert "Motif de la correction" in page

    response = staff_client.post(
        url, correction_form(employee, nir=NEW_NIR, last_name="Simon-Durand")
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:enrollment_employee_change", args=[employee.pk])
    employee.refresh_from_db()
    assert (employee.last_name, employee.nir_digest) == ("SIMON-DURAND", digest(NEW_NIR))
    event = AuditEvent.objects.get(action="employee_corrected")
    assert event.details["changed"] == ["last_name", "nir"]
    assert [r.employee_id for r in requests_of(company_a, name="simon-durand")] == [employee.pk]


@pytest.mark.django_db
def test_the_back_office_page_shows_the_declarations_message_next_to_the_field(
    staff_client: Client, employee: Employee
) -> None:
    before = snapshot(employee)
    url = reverse("admin:enrollment_employee_correct", args=[employee.pk])

    response = staff_client.post(url, correction_form(employee, postal_code="92999"))

    assert response.status_code == 200
    page = text(response)
    field_row = page.split('name="postal_code"')[0].rsplit('<div class="form-row', 1)[1]
    assert "Le code postal 92999 n'existe pas : vérifiez-le." in field_row
    assert snapshot(employee) == before


@pytest.mark.django_db
def test_a_correspondent_cannot_open_the_correction_page(
    client: Client, correspondent_a: User, employee: Employee
) -> None:
    client.force_login(correspondent_a)
    url = reverse("admin:enrollment_employee_correct", args=[employee.pk])
    response = client.post(url, correction_form(employee, last_name="Durand"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Employee.objects.get(pk=employee.pk).last_name == "SIMON"
