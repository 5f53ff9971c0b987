"""An adviser in the employee's journey with a remote assistance code: the editing steps as
the employee, audited as "staff X for employee Y"; never the signature nor the SMS code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import CommitClient, declare, make_user, text
from portal.accounts.models import Role, User
from portal.assistance import services
from portal.assistance.models import AssistanceSession, EndReason
from portal.companies.models import Company, InsuredGroup, Product, ProductKind
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.enrollment.models import DebitMandate, JourneyStep, Membership
from portal.journey.tests.test_journey import CHILD, PROFILE, bank_form, rates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def membership(company_a: Company) -> Membership:
    group = InsuredGroup.objects.get(contract__company=company_a)
    rates(group.base_product, "40.00", "35.00", "20.00")
    option = Product.objects.create(code="OPT/1", label="Renfort", kind=ProductKind.OPTION)
    rates(option, "12.50", "10.00", "5.00")
    group.option_products.add(option)
    return Membership.objects.get(pk=declare(company_a).membership_id)


@pytest.fixture
def employee_user(membership: Membership) -> User:
    user = membership.employee.user
    assert user is not None
    return user


@pytest.fixture
def adviser(db: None) -> User:
    return make_user("conseil@example.org", Role.STAFF, is_staff=True)


@pytest.fixture
def staff(client: Client, adviser: User, membership: Membership, employee_user: User) -> Client:
    """The adviser's browser, in assisted mode with the code the employee read."""
    code = services.issue_code(membership=membership, by=employee_user).code
    client.force_login(adviser)
    response = client.post(reverse("backoffice:assistance"), {"code": code})
    assert response["Location"] == reverse("journey:resume", args=[membership.pk])
    return client


def url(name: str, membership: Membership, *args: Any) -> str:
    return reverse(f"journey:{name}", args=[membership.pk, *args])


def test_the_adviser_fills_the_profile_audited_as_staff_for_the_employee(
    staff: Client, membership: Membership, adviser: User, employee_user: User
) -> None:
    page = text(staff.get(url("profile", membership)))
    assert "Vous assistez Cédric SIMON" in page and "Terminer l'assistance" in page
    response = staff.post(url("profile", membership), {**PROFILE, "continue": "1"})
    assert response["Location"] == url("dependants", membership)
    membership.refresh_from_db()
    assert membership.journey_step == JourneyStep.PROFILE
    event = AuditEvent.objects.get(action=AuditAction.PROFILE_SAVED)
    session = AssistanceSession.objects.get()
    assert event.actor_id == adviser.pk
    assert event.details["on_behalf_of"] == employee_user.pk
    assert event.details["assistance_session"] == session.pk


def test_the_adviser_adds_a_dependant_and_chooses_the_coverage(
    staff: Client, membership: Membership, adviser: User, employee_user: User
) -> None:
    staff.post(url("profile", membership), {**PROFILE, "continue": "1"})
    response = staff.post(url("add_dependant", membership), CHILD)
    assert response["Location"] == url("dependants", membership)
    assert membership.dependants.get().first_name == "Léa"
    staff.post(url("dependants", membership))
    response = staff.post(url("coverage", membership), {"option": "base"})
    assert response["Location"] == url("bank", membership)
    events = AuditEvent.objects.filter(
        action__in=[
            AuditAction.DEPENDANT_SAVED,
            AuditAction.DEPENDANTS_CONFIRMED,
            AuditAction.COVERAGE_CHOSEN,
        ]
    )
    assert [(e.actor_id, e.details["on_behalf_of"]) for e in events] == [
        (adviser.pk, employee_user.pk)
    ] * 3


def test_the_adviser_enters_the_bank_details_but_the_employee_signs_the_mandate(
    staff: Client, membership: Membership, adviser: User, employee_user: User
) -> None:
    staff.post(url("profile", membership), {**PROFILE, "continue": "1"})
    staff.post(url("dependants", membership))
    option = membership.insured_group.option_products.get()
    staff.post(url("coverage", membership), {"option": str(option.pk)})
    response = staff.post(url("bank", membership), bank_form())
    assert response["Location"] == url("signature", membership)
    mandate = DebitMandate.objects.get()
    assert mandate.signed_at is None
    event = AuditEvent.objects.get(action=AuditAction.BANK_DETAILS_SAVED)
    assert (event.actor_id, event.details["on_behalf_of"]) == (adviser.pk, employee_user.pk)
    assert staff.get(response["Location"]).status_code == 403


@pytest.mark.parametrize(
    "name", ["signature", "summary", "bulletin", "sms", "code", "done", "waiver", "waiver_sms"]
)
def test_the_adviser_can_never_sign_nor_reach_the_sms_code(
    staff: Client, membership: Membership, name: str
) -> None:
    for method in (staff.get, staff.post):
        response = method(url(name, membership))
        assert response.status_code == 403
        page = text(response)
        assert "Réservé au salarié" in page
        assert "la signature électronique, le code reçu par SMS" in page
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.SUMMARY_CONFIRMED, AuditAction.SIGNATURE_CODE_SENT]
    ).exists()


def test_the_adviser_reaches_only_the_assisted_employees_journey(
    staff: Client, company_a: Company
) -> None:
    other = declare(company_a, nir="", email="awa@example.org", employee_number="M-0002")
    assert staff.get(reverse("journey:profile", args=[other.membership_id])).status_code == 404


def test_without_an_assistance_an_adviser_is_sent_to_the_back_office(
    client: Client, adviser: User, membership: Membership
) -> None:
    client.force_login(adviser)
    response = client.get(url("profile", membership), follow=True)
    assert response.redirect_chain[-1][0] == reverse("backoffice:assistance")
    assert "Aucune assistance à distance n'est en cours" in text(response)


def test_once_revoked_the_next_request_is_refused_and_says_why(
    staff: Client, membership: Membership, employee_user: User
) -> None:
    session = AssistanceSession.objects.get()
    services.end(session=session, by=employee_user, reason=EndReason.REVOKED)
    response = staff.post(url("profile", membership), {**PROFILE, "continue": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("backoffice:assistance")
    assert "Le salarié a révoqué votre accès" in text(response)
    assert not AuditEvent.objects.filter(action=AuditAction.PROFILE_SAVED).exists()


def test_the_assistance_ends_on_expiry(staff: Client, membership: Membership) -> None:
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        response = staff.get(url("profile", membership), follow=True)
    assert response.redirect_chain[-1][0] == reverse("backoffice:assistance")
    assert "sa durée maximale est écoulée" in text(response)


def test_terminer_l_assistance_ends_it(staff: Client, membership: Membership) -> None:
    session = AssistanceSession.objects.get()
    response = staff.post(reverse("backoffice:assistance_end", args=[session.pk]), follow=True)
    assert "L'assistance à distance de Cédric SIMON est terminée." in text(response)
    session.refresh_from_db()
    assert session.end_reason == EndReason.ENDED_BY_STAFF
    assert staff.get(url("profile", membership))["Location"] == reverse("backoffice:assistance")


def test_the_employee_sees_the_adviser_in_the_journey_banner(
    staff: Client, membership: Membership, employee_user: User
) -> None:
    member = CommitClient()
    member.force_login(employee_user)
    page = text(member.get(url("profile", membership)))
    assert "Un conseiller (Sophie) vous accompagne depuis" in page
    assert "Révoquer l'accès" in page


def test_the_journey_offers_the_assistance_code_to_the_employee(
    client: Client, membership: Membership, employee_user: User
) -> None:
    client.force_login(employee_user)
    page = text(client.get(url("profile", membership)))
    assert "Besoin d'aide ? Obtenir un code d'assistance" in page
    assert reverse("assistance:member") in page


def test_hr_still_cannot_open_the_journey(client_a: Client, membership: Membership) -> None:
    assert client_a.get(url("profile", membership)).status_code == 403
