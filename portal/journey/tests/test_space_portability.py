""" "Ma portabilité": the former employee sees their portability and the proofs asked, sends
an attestation (checked by its content, French messages), declares a new job; another member's
proof or portability is a 404, HR and staff are refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from conftest import make_nir, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.terminations import follow_up
from portal.terminations.models import PortabilityProof, PortabilityProofStatus, Termination
from portal.terminations.tests.conftest import (
    TODAY,
    active_membership,
    attestation,
    clock,
    former_employee,
    portability,
    terminate,
)

__all__ = ["clock", "former_employee", "portability"]  # fixtures, used by name
pytestmark = pytest.mark.django_db
PAGE = reverse("journey:space_portability_page")


@pytest.fixture
def asked(portability: Termination) -> PortabilityProof:
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.follow_portability(today=TODAY)
    return PortabilityProof.objects.get(termination=portability)


@pytest.fixture
def member(client: Client, former_employee: User) -> Client:
    client.force_login(former_employee)
    return client


def upload(client: Client, proof: PortabilityProof, name: str, data: bytes) -> object:
    return client.post(
        reverse("journey:space_portability_proof", args=[proof.pk]),
        {"proof": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def test_the_page_shows_the_portability_and_the_proof_to_send(
    member: Client, asked: PortabilityProof
) -> None:
    home = text(member.get(reverse("journey:space")))
    assert "Radié(e) le 31/05/2026 — portabilité jusqu'au 31/05/2027" in home
    assert "Ma portabilité : mes attestations France Travail" in home
    page = text(member.get(PAGE))
    assert "<dt>Garanties maintenues</dt><dd>du 01/06/2026 au 31/05/2027</dd>" in page
    assert "du 01/06/2026 au 30/06/2026" in page
    assert "Envoyer mon attestation — période du 01/06/2026 au 30/06/2026" in page
    assert "Attestations demandées, de la plus ancienne à la plus récente" in page  # caption


def test_sending_a_pdf_marks_it_received(member: Client, asked: PortabilityProof) -> None:
    response = upload(member, asked, "attestation.pdf", attestation())
    assert response.status_code == 302  # type: ignore[attr-defined]
    asked.refresh_from_db()
    assert asked.status == PortabilityProofStatus.RECEIVED
    page = text(member.get(PAGE))
    assert "Votre attestation est envoyée : nos services la vérifient." in page
    assert "Reçue le 15/06/2026, en cours de vérification" in page  # the fixed clock
    assert "Envoyer mon attestation — période" not in page


def test_a_file_that_is_not_a_pdf_is_refused_with_a_french_message(
    member: Client, asked: PortabilityProof
) -> None:
    response = upload(member, asked, "attestation.pdf", b"GIF89a not a pdf")
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = text(response)
    assert "Le fichier « attestation.pdf » n'est ni un PDF, ni une image JPEG ou PNG" in page
    asked.refresh_from_db()
    assert asked.status == PortabilityProofStatus.ASKED


def test_sending_nothing_says_what_to_join(member: Client, asked: PortabilityProof) -> None:
    response = member.post(reverse("journey:space_portability_proof", args=[asked.pk]), {})
    assert response.status_code == 400
    assert "Joignez votre attestation France Travail (ex-Pôle emploi)" in text(response)


def test_declaring_a_new_job_ends_the_portability_the_day_before(
    member: Client, portability: Termination
) -> None:
    url = reverse("journey:space_portability_end", args=[portability.pk])
    response = member.post(url, {"reason": "new_job", "event_date": "2026-09-01"})
    assert response.status_code == 302
    portability.refresh_from_db()
    assert (portability.ended_early_on, portability.early_end_source) == (
        date(2026, 8, 31),
        "member",
    )
    page = text(member.get(PAGE))
    assert "<dt>Garanties maintenues</dt><dd>du 01/06/2026 au 31/08/2026</dd>" in page
    assert "Reprise d'un emploi — prévue initialement le 31/05/2027" in page


def test_a_wrong_early_end_date_is_said_in_french(member: Client, portability: Termination) -> None:
    url = reverse("journey:space_portability_end", args=[portability.pk])
    response = member.post(url, {"reason": "new_job", "event_date": "2026-05-15"})
    assert response.status_code == 400
    assert "Cette date est antérieure ou égale à la fin du contrat de travail (31/05/2026)" in text(
        response
    )
    portability.refresh_from_db()
    assert portability.ended_early_on is None


def test_another_member_cannot_see_send_or_end_someone_elses(
    client: Client,
    asked: PortabilityProof,
    portability: Termination,
    company_a: Company,
    staff_user: User,
) -> None:
    other = active_membership(
        company_a, staff_user, email="autre@example.org", nir=make_nir("2", "9005", order="456"),
        last_name="Martin", first_name="Julie", civility="MME", birth_date=date(1990, 5, 2),
        employee_number="M-0002",
    )  # fmt: skip
    terminate(other, company_a)
    user = other.employee.user
    assert user is not None
    client.force_login(user)
    assert upload(client, asked, "a.pdf", attestation()).status_code == 404  # type: ignore[attr-defined]
    end = reverse("journey:space_portability_end", args=[portability.pk])
    assert client.post(end, {"reason": "new_job", "event_date": "2026-09-01"}).status_code == 404
    page = text(client.get(PAGE))
    assert "Cédric" not in page
    asked.refresh_from_db()
    portability.refresh_from_db()
    assert (asked.status, portability.ended_early_on) == (PortabilityProofStatus.ASKED, None)


def test_a_member_without_portability_gets_404(
    client: Client, company_a: Company, staff_user: User
) -> None:
    membership = active_membership(company_a, staff_user)
    user = membership.employee.user
    assert user is not None
    client.force_login(user)
    assert client.get(PAGE).status_code == 404


def test_hr_and_staff_are_refused(
    client: Client, asked: PortabilityProof, correspondent_a: User, staff_user: User
) -> None:
    for user in (correspondent_a, staff_user):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert upload(client, asked, "a.pdf", attestation()).status_code == 403  # type: ignore[attr-defined]
