"""The end of a waiver from the member's space: "Envoyer un nouveau justificatif" to keep it,
"Adhérer au contrat" to give it up — each the member's own, bad files refused by content."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import declare, make_nir, make_user, text
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.enrollment.models import Membership, MembershipStatus
from portal.tracking.models import Reason, Request, State
from portal.waivers.models import RenewalStatus, Waiver, WaiverRenewal, WaiverStatus
from portal.waivers.services import grant_waiver, record_signature
from portal.waivers.tests.test_services import SIGNED_PDF, ask, proof_pdf

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # three weeks before the CSS waiver's end


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def company(company_a: Company) -> Company:
    company_a.waivers_enabled = True
    company_a.save(update_fields=["waivers_enabled"])
    return company_a


def waived(company: Company, case_code: str = "solidarity_health_cover", **declared: Any) -> Waiver:
    request = declare(
        company, hire_date=date(2024, 5, 15), effective_date=date(2024, 5, 15), **declared
    )
    membership = request.membership
    without_end = case_code == "due_before_plan"  # no end and no proof
    extra: dict[str, Any] = (
        {"end_date": None, "proof_data": None, "proof_name": ""}
        if without_end
        else {"end_date": date(2025, 3, 31)}
    )
    signed = record_signature(
        waiver=ask(membership, case_code=case_code, **extra),
        signed_request_pdf=SIGNED_PDF,
        by=None,
    )
    agent = User.objects.filter(role=Role.STAFF).first() or make_user(
        "agent@assureur.example", Role.STAFF, is_staff=True
    )
    return grant_waiver(waiver_id=signed.pk, by=agent)


@pytest.fixture
def waiver(company: Company) -> Waiver:
    return waived(company)


@pytest.fixture
def member(client: Client, waiver: Waiver) -> Client:
    user = waiver.employee.user
    assert user is not None
    client.force_login(user)
    return client


def renew_url(waiver: Waiver) -> str:
    return reverse("journey:waiver_renew", args=[waiver.membership_id])


def give_up_url(waiver: Waiver) -> str:
    return reverse("journey:waiver_give_up", args=[waiver.membership_id])


def test_the_home_page_offers_a_new_proof_or_enrolling_before_the_end(
    member: Client, waiver: Waiver
) -> None:
    page = text(member.get(reverse("journey:space")))

    assert "Dispensé(e) jusqu'au 31/03/2025" in page
    assert "Avant cette date, envoyez-nous un nouveau justificatif ou adhérez au contrat." in page
    assert f'href="{renew_url(waiver)}"' in page
    assert f'href="{give_up_url(waiver)}"' in page


def test_a_waiver_that_cannot_be_extended_offers_only_enrolling(
    client: Client, company: Company
) -> None:
    waiver = waived(company, case_code="individual_contract")
    assert waiver.employee.user is not None
    client.force_login(waiver.employee.user)

    page = text(client.get(reverse("journey:space")))

    assert "Cette dispense ne peut pas être prolongée" in page
    assert renew_url(waiver) not in page
    assert give_up_url(waiver) in page
    assert client.get(renew_url(waiver)).status_code == 404


def test_sending_a_new_proof_opens_its_check_and_the_home_page_says_so(
    member: Client, waiver: Waiver
) -> None:
    page = text(member.get(renew_url(waiver)))
    assert "Date de fin de vos droits à la Complémentaire santé solidaire (nouvelle date)" in page

    response = member.post(
        renew_url(waiver),
        {
            "end_date": "2026-03-31",
            "proof": SimpleUploadedFile("attestation CSS 2025.pdf", proof_pdf("CSS 2025")),
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse("journey:space")
    renewal = WaiverRenewal.objects.get()
    assert (renewal.status, renewal.end_date, renewal.proof_name) == (
        RenewalStatus.SUBMITTED,
        date(2026, 3, 31),
        "attestation CSS 2025.pdf",
    )
    assert renewal.request.state == State.IN_PROGRESS
    home = text(member.get(reverse("journey:space")))
    assert "Nouveau justificatif envoyé le 10/03/2025 : en cours de vérification" in home
    assert renew_url(waiver) not in home
    again = text(member.get(renew_url(waiver)))
    assert "Vous avez envoyé un nouveau justificatif le 10/03/2025" in again


def test_a_file_that_is_not_a_document_is_refused_by_its_content_and_nothing_is_saved(
    member: Client, waiver: Waiver
) -> None:
    response = member.post(
        renew_url(waiver),
        {
            "end_date": "2026-03-31",
            "proof": SimpleUploadedFile("attestation.pdf", b"MZ\x90\x00 an executable"),
        },
    )

    assert response.status_code == 200
    page = text(response)
    assert "Votre justificatif n'a pas pu être envoyé : corrigez les champs signalés." in page
    assert 'id="proof_error"' in page
    assert WaiverRenewal.objects.count() == 0


@pytest.mark.parametrize(
    ("end_date", "message"),
    [
        ("31/03/2026", "Saisissez une date valide (jj/mm/aaaa)."),
        ("", "Saisissez la date demandée : date de fin de vos droits"),
        (
            "2025-03-31",
            "La nouvelle date de fin (31/03/2025) doit être postérieure à la fin actuelle de "
            "votre dispense (31/03/2025).",
        ),
    ],
)
def test_a_wrong_end_date_is_named_beside_its_field(
    member: Client, waiver: Waiver, end_date: str, message: str
) -> None:
    response = member.post(
        renew_url(waiver),
        {"end_date": end_date, "proof": SimpleUploadedFile("a.pdf", proof_pdf())},
    )

    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'id="end_date_error"' in page
    assert WaiverRenewal.objects.count() == 0


def test_enrolling_instead_asks_first_then_opens_the_journey(
    member: Client, waiver: Waiver
) -> None:
    page = text(member.get(give_up_url(waiver)))
    assert "vos garanties prendront effet le <strong>11/03/2025</strong>" in page
    assert Waiver.objects.get(pk=waiver.pk).status == WaiverStatus.GRANTED  # a GET changes nothing

    response = member.post(give_up_url(waiver))

    assert response.status_code == 302
    assert response["Location"] == reverse("journey:resume", args=[waiver.membership_id])
    membership = Membership.objects.get(pk=waiver.membership_id or 0)
    assert (membership.status, membership.effective_date) == (
        MembershipStatus.PRE_ENROLLED,
        date(2025, 3, 11),
    )
    assert Request.objects.filter(
        membership=membership, reason=Reason.AFFILIATION, state=State.WAITING
    ).exists()
    # Twice: the waiver is gone, the page too.
    assert member.post(give_up_url(waiver)).status_code == 404


def test_another_member_hr_and_strangers_cannot_reach_a_members_waiver(
    client: Client, company: Company, waiver: Waiver, correspondent_a: User
) -> None:
    other = waived(
        company, nir=make_nir(order="222"), employee_number="E-2", email="autre@example.org"
    )
    assert other.employee.user is not None
    for url in (renew_url(waiver), give_up_url(waiver)):
        client.logout()
        assert client.get(url).status_code == 302  # to the login page
        client.force_login(other.employee.user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        client.force_login(correspondent_a)
        assert client.get(url).status_code == 403
    assert WaiverRenewal.objects.count() == 0
    assert Waiver.objects.get(pk=waiver.pk).status == WaiverStatus.GRANTED


def test_a_waiver_without_an_end_can_still_be_given_up_to_enroll(
    client: Client, company: Company
) -> None:
    waiver = waived(company, case_code="due_before_plan")
    assert waiver.end_date is None
    assert waiver.employee.user is not None
    client.force_login(waiver.employee.user)

    page = text(client.get(reverse("journey:space")))

    assert renew_url(waiver) not in page
    assert give_up_url(waiver) in page
    assert client.post(give_up_url(waiver)).status_code == 302
    membership = Membership.objects.get(pk=waiver.membership_id or 0)
    assert (membership.status, membership.effective_date) == (
        MembershipStatus.PRE_ENROLLED,
        date(2025, 3, 11),
    )
