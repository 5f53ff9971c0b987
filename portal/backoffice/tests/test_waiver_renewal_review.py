"""Staff check the new proof a waived employee sent to keep their waiver (R2.11), on the
dossier page of its own "Dispense" request: the proof framed and audited, "Accepter" prolongs
the waiver, "Refuser" tells the employee why; the bulk actions of the request list too."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.models import AuditEvent
from portal.notifications.models import OutboundMessage
from portal.tracking.models import State
from portal.waivers.ending import send_renewal
from portal.waivers.models import RenewalStatus, Waiver, WaiverRenewal, WaiverStatus
from portal.waivers.services import grant_waiver, record_signature
from portal.waivers.tests.test_services import SIGNED_PDF, ask, proof_pdf

NEW_PROOF = proof_pdf("Attestation CSS 2025")


@pytest.fixture
def renewal(company_a: Company, staff_user: User) -> WaiverRenewal:
    company_a.waivers_enabled = True
    company_a.save(update_fields=["waivers_enabled"])
    membership = declare(
        company_a, hire_date=date(2024, 5, 15), effective_date=date(2024, 5, 15)
    ).membership
    signed = record_signature(waiver=ask(membership), signed_request_pdf=SIGNED_PDF, by=None)
    waiver = grant_waiver(waiver_id=signed.pk, by=staff_user)
    # The waiver ends 31/03/2025; the next CSS year runs to 31/03/2026.
    return send_renewal(
        waiver_id=waiver.pk,
        end_date=date(2026, 3, 31),
        proof_name="attestation 2025.pdf",
        proof_data=NEW_PROOF,
        by=membership.employee.user,
        today=date(2025, 3, 10),
    )


def dossier(renewal: WaiverRenewal) -> str:
    return reverse("backoffice:dossier", args=[renewal.request_id])


@pytest.mark.django_db
def test_the_dossier_shows_the_new_proof_and_its_new_end_and_the_view_is_audited(
    staff_client: Client, staff_user: User, renewal: WaiverRenewal
) -> None:
    page = text(staff_client.get(dossier(renewal)))

    assert "Nouveau justificatif de dispense" in page
    assert (
        "jusqu'au 31/03/2025 ; nouvelle date de fin indiquée : <strong>31/03/2026</strong>" in page
    )
    proof = reverse(
        "backoffice:dossier_document",
        args=[renewal.request_id, "nouveau-justificatif", renewal.pk],
    )
    assert f'<object data="{proof}"' in page
    assert "Nouveau justificatif envoyé par le salarié" in page  # the timeline
    response = staff_client.get(proof)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == NEW_PROOF  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="dossier_document_viewed")
    assert (event.actor_id, event.details) == (
        staff_user.pk,
        {"document": "nouveau-justificatif", "document_id": renewal.pk},
    )


@pytest.mark.django_db
def test_accepting_the_new_proof_prolongs_the_waiver(
    staff_client: Client, renewal: WaiverRenewal
) -> None:
    response = staff_client.post(
        reverse("backoffice:decide", args=[renewal.request_id, "accepter"]), follow=True
    )

    name = renewal.waiver.employee.full_name
    assert (
        f"{name} : nouveau justificatif accepté, dispense prolongée jusqu'au 31/03/2026."
        in text(response)
    )
    waiver = Waiver.objects.get(pk=renewal.waiver_id)
    assert (waiver.status, waiver.end_date) == (WaiverStatus.GRANTED, date(2026, 3, 31))
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.ACCEPTED
    assert renewal.request.state == State.CLOSED


@pytest.mark.django_db
def test_refusing_the_new_proof_needs_a_reason_and_tells_the_employee(
    staff_client: Client, renewal: WaiverRenewal
) -> None:
    url = reverse("backoffice:decide", args=[renewal.request_id, "refuser"])
    empty = text(staff_client.post(url, {"motif": " "}, follow=True))
    assert "Indiquez le motif du refus : il est communiqué au salarié." in empty
    assert WaiverRenewal.objects.get(pk=renewal.pk).status == RenewalStatus.SUBMITTED

    staff_client.post(url, {"motif": "L'attestation est celle de 2024."})

    renewal.refresh_from_db()
    assert (renewal.status, renewal.refusal_reason) == (
        RenewalStatus.REFUSED,
        "L'attestation est celle de 2024.",
    )
    message = OutboundMessage.objects.get(template="waiver_renewal_refused")
    assert "L'attestation est celle de 2024." in message.body_text


@pytest.mark.django_db
def test_the_request_lists_bulk_accept_handles_a_new_proof(
    staff_client: Client, renewal: WaiverRenewal
) -> None:
    response = staff_client.post(
        reverse("admin:tracking_request_changelist"),
        {"action": "grant_waivers", "_selected_action": [renewal.request_id]},
        follow=True,
    )

    assert response.status_code == 200
    assert WaiverRenewal.objects.get(pk=renewal.pk).status == RenewalStatus.ACCEPTED
