"""The staff's "Registre des portabilités" across companies (filters: company, ending within 30
days, proof missing; paginated; audited) and one portability: the proof opened (audited),
accepted or refused, the early end staff record (the card stops with it)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.test import Client, TestCase
from django.urls import reverse

from conftest import make_nir, text
from portal.accounts.models import User
from portal.backoffice import portability as views
from portal.cards.models import MembershipCard
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.terminations import follow_up
from portal.terminations.models import PortabilityProof, PortabilityProofStatus, Termination
from portal.terminations.portability import EarlyEndSource
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
REGISTER = reverse("backoffice:portability_register")


@pytest.fixture
def staff(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


@pytest.fixture
def two(portability: Termination, company_b: Company, staff_user: User) -> Termination:
    """Julie MARTIN's portability at company B (the second, from the same date)."""
    other = active_membership(
        company_b, staff_user, email="julie.martin@example.org",
        nir=make_nir("2", "9005", order="456"),
        last_name="Martin", first_name="Julie", civility="MME", birth_date=date(1990, 5, 2),
        employee_number="B-0001",
    )  # fmt: skip
    return terminate(other, company_b)


def ask_all(today: date = TODAY) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.follow_portability(today=today)


def received(termination: Termination, user: User) -> PortabilityProof:
    proof = PortabilityProof.objects.get(termination=termination, period=0)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return follow_up.submit_proof(
            proof_id=proof.pk,
            employee_id=termination.membership.employee_id,
            name="attestation.pdf",
            data=attestation(),
            by=user,
        )


def test_the_register_lists_every_company_and_its_reading_is_audited(
    staff: Client, portability: Termination, two: Termination, staff_user: User
) -> None:
    ask_all()
    page = text(staff.get(REGISTER))
    assert "Registre des portabilités : 2 portabilités en cours" in page
    for expected in (
        "Cédric SIMON",
        "ALPHA SAS",
        "Julie MARTIN",
        "BETA SARL",
        "31/05/2027",
        "15/06/2026 (attendu le 16/06/2026)",
        "Justificatif attendu",
        "<caption>Portabilités en cours, de la plus proche de sa fin à la plus lointaine</caption>",
    ):
        assert expected in page
    event = AuditEvent.objects.get(action=AuditAction.PORTABILITY_REGISTER_VIEWED)
    assert (event.actor, sorted(event.details["terminations"])) == (
        staff_user,
        sorted([portability.pk, two.pk]),
    )
    only_b = text(staff.get(REGISTER, {"entreprise": two.membership.contract.company_id}))
    assert "Julie MARTIN" in only_b and "Cédric SIMON" not in only_b


def test_the_filters_proof_missing_and_ending_within_30_days(
    staff: Client,
    portability: Termination,
    two: Termination,
    former_employee: User,
    clock: time_machine.Traveller,
) -> None:
    ask_all()
    received(portability, former_employee)
    clock.move_to("2026-06-20 10:00+02:00")  # Julie's proof is late since the 17th
    missing = text(staff.get(REGISTER, {"justificatif_manquant": "1"}))
    assert "Julie MARTIN" in missing and "Cédric SIMON" not in missing
    assert "Justificatif en retard" in missing
    with TestCase.captureOnCommitCallbacks(execute=True):
        follow_up.end_portability_early(
            termination_id=portability.pk,
            reason="end_of_benefits",
            event_date=date(2026, 7, 10),
            source=EarlyEndSource.STAFF,
            by=None,
            today=date(2026, 6, 20),
        )
    soon = text(staff.get(REGISTER, {"fin_30_jours": "1"}))
    assert "Cédric SIMON" in soon and "Julie MARTIN" not in soon
    assert "10/07/2026 — Fin de l'indemnisation chômage" in soon


def test_the_register_is_paginated(
    staff: Client, portability: Termination, two: Termination, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    first = text(staff.get(REGISTER))
    assert "Page 1 sur 2" in first and "Page suivante" in first
    second = text(staff.get(REGISTER, {"page": "2"}))
    assert "Page 2 sur 2" in second


def test_staff_open_the_proof_audited_and_accept_it(
    staff: Client, portability: Termination, former_employee: User, staff_user: User
) -> None:
    ask_all()
    proof = received(portability, former_employee)
    page = text(staff.get(reverse("backoffice:portability", args=[portability.pk])))
    assert "Portabilité de Cédric SIMON" in page
    assert "Reçu, à vérifier" in page
    assert AuditEvent.objects.filter(
        action=AuditAction.STAFF_RECORD_VIEWED, target_id=str(portability.pk)
    ).exists()
    response = staff.get(reverse("backoffice:portability_proof", args=[proof.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == attestation()  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(
        action=AuditAction.PORTABILITY_PROOF_VIEWED, target_id=str(proof.pk), actor=staff_user
    ).exists()
    decide = reverse("backoffice:portability_decide", args=[proof.pk])
    refused = staff.post(decide, {"decision": "refuser", "reason": ""})
    assert refused.status_code == 400
    assert "Indiquez à l'ancien salarié pourquoi le justificatif est refusé" in text(refused)
    assert staff.post(decide, {"decision": "accepter"}).status_code == 302
    proof.refresh_from_db()
    assert (proof.status, proof.decided_by) == (PortabilityProofStatus.ACCEPTED, staff_user)


def test_staff_record_an_end_of_benefits_and_the_card_stops_with_it(
    staff: Client, portability: Termination
) -> None:
    url = reverse("backoffice:portability_end", args=[portability.pk])
    wrong = staff.post(url, {"reason": "end_of_benefits", "event_date": "2027-06-30"})
    assert wrong.status_code == 400
    assert "La portabilité prend déjà fin le 31/05/2027" in text(wrong)
    response = staff.post(url, {"reason": "end_of_benefits", "event_date": "2026-09-30"})
    assert response.status_code == 302
    card = MembershipCard.objects.get(membership=portability.membership, superseded_at=None)
    assert card.ends_at == date(2026, 9, 30)
    page = text(staff.get(reverse("backoffice:portability", args=[portability.pk])))
    assert "30/09/2026 — Fin de l'indemnisation chômage (Enregistré par nos services" in page


def test_the_register_and_its_pages_are_not_for_hr_or_members(
    client: Client, portability: Termination, correspondent_a: User, former_employee: User
) -> None:
    ask_all()
    proof = PortabilityProof.objects.get()
    for user in (correspondent_a, former_employee):
        client.force_login(user)
        for url in (
            REGISTER,
            reverse("backoffice:portability", args=[portability.pk]),
            reverse("backoffice:portability_proof", args=[proof.pk]),
        ):
            assert client.get(url).status_code == 404
        assert (
            client.post(
                reverse("backoffice:portability_decide", args=[proof.pk]), {"decision": "accepter"}
            ).status_code
            == 404
        )
    client.logout()
    assert client.get(REGISTER).status_code == 302
