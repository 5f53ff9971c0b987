"""Staff check a signed waiver's proof in the back office and accept or refuse it; the employer
reads each state truthfully; nobody else reaches the staff pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, make_user, text
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership, MembershipStatus
from portal.tracking.models import Reason, Request, State
from portal.waivers.models import Waiver, WaiverStatus
from portal.waivers.services import record_signature, request_waiver
from portal.waivers.tests.test_services import SIGNED_PDF, proof_pdf

PROOF = proof_pdf("Attestation CSS")
REASON = "L'attestation fournie a expiré : envoyez une attestation en cours de validité."
CHANGELIST = "admin:tracking_request_changelist"


@pytest.fixture
def waiver(company_a: Company) -> Waiver:
    """A waiver signed by the employee, waiting for the insurer's check."""
    company_a.waivers_enabled = True
    company_a.save(update_fields=["waivers_enabled"])
    membership = declare(
        company_a, hire_date=date(2024, 5, 15), effective_date=date(2024, 5, 15)
    ).membership
    assert membership is not None
    asked = request_waiver(
        membership=membership,
        case_code="solidarity_health_cover",
        end_date=date(2025, 3, 31),
        proof_name="mon attestation.pdf",
        proof_data=PROOF,
        by=None,
        today=date(2024, 6, 1),
    )
    return record_signature(waiver=asked, signed_request_pdf=SIGNED_PDF, by=None)


@pytest.fixture
def staff_client(staff_user: User) -> Client:
    staff = Client()  # its own: `client_a` logs the shared `client` in as the employer
    staff.force_login(staff_user)
    return staff


def employer_page(client_a: Client, company: Company, waiver: Waiver) -> str:
    url = reverse("employer:employee", args=[company.pk, waiver.employee_id])
    return text(client_a.get(url))


def membership_status(waiver: Waiver) -> str:
    assert waiver.membership is not None
    return Membership.objects.get(pk=waiver.membership.pk).status


@pytest.mark.django_db
def test_the_dispense_request_shows_the_waiver_and_links_to_view_its_documents(
    staff_client: Client, waiver: Waiver
) -> None:
    assert waiver.request_id is not None
    page = text(
        staff_client.get(reverse("admin:tracking_request_change", args=[waiver.request_id]))
    )
    proof = reverse("admin:waivers_waiver_document", args=[waiver.pk, "justificatif"])
    signed = reverse("admin:waivers_waiver_document", args=[waiver.pk, "demande-signee"])
    assert "Signée, à vérifier — " in page
    assert f'<a href="{proof}?affichage=page" target="_blank">Voir le justificatif</a>' in page
    assert f'<a href="{signed}?affichage=page" target="_blank">Voir la demande signée</a>' in page
    changelist = text(staff_client.get(reverse(CHANGELIST)))
    assert "Accepter la dispense (justificatif vérifié)" in changelist
    assert "Refuser la dispense (motif communiqué au salarié)…" in changelist


@pytest.mark.django_db
def test_staff_view_the_proof_in_the_page_and_the_view_is_audited(
    staff_client: Client, staff_user: User, waiver: Waiver
) -> None:
    url = reverse("admin:waivers_waiver_document", args=[waiver.pk, "justificatif"])
    response = staff_client.get(url, {"affichage": "page"})
    assert response.status_code == 200
    assert response.getvalue() == PROOF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="mon attestation.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    signed = staff_client.get(
        reverse("admin:waivers_waiver_document", args=[waiver.pk, "demande-signee"]),
        {"affichage": "page"},
    )
    assert signed.getvalue() == SIGNED_PDF
    assert list(
        AuditEvent.objects.filter(action="waiver_document_downloaded")
        .order_by("pk")
        .values_list("actor", "details")
    ) == [
        (staff_user.pk, {"document": "justificatif"}),
        (staff_user.pk, {"document": "demande-signee"}),
    ]


@pytest.mark.django_db
def test_the_employer_reads_a_waiver_being_checked_then_granted(
    staff_client: Client, client_a: Client, company_a: Company, waiver: Waiver
) -> None:
    page = employer_page(client_a, company_a, waiver)
    assert "<dt>Statut</dt><dd>Dispense demandée - en cours de vérification</dd>" in page
    assert "Demande de dispense signée par le salarié" in page
    assert "Résilier son contrat" not in page  # decided first

    staff_client.post(
        reverse(CHANGELIST), {"action": "grant_waivers", "_selected_action": [waiver.request_id]}
    )

    waiver.refresh_from_db()
    assert (waiver.status, membership_status(waiver)) == (
        WaiverStatus.GRANTED,
        MembershipStatus.WAIVED,
    )
    assert dict(Request.objects.values_list("reason", "state")) == {
        Reason.AFFILIATION: State.CANCELLED,
        Reason.WAIVER: State.CLOSED,
    }
    page = employer_page(client_a, company_a, waiver)
    assert "<dt>Statut</dt><dd>Dispensé</dd>" in page
    assert "Dispense accordée par nos services" in page


@pytest.mark.django_db
def test_staff_refuse_a_waiver_with_a_reason_the_employer_reads(
    staff_client: Client, client_a: Client, company_a: Company, waiver: Waiver
) -> None:
    form = text(
        staff_client.post(
            reverse(CHANGELIST),
            {"action": "refuse_waivers", "_selected_action": [waiver.request_id]},
        )
    )
    assert "Motif du refus, communiqué au salarié" in form
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.SIGNED  # nothing decided without the reason

    staff_client.post(
        reverse(CHANGELIST),
        {
            "action": "refuse_waivers",
            "_selected_action": [waiver.request_id],
            "apply": "1",
            "motif": REASON,
        },
    )

    waiver.refresh_from_db()
    assert (waiver.status, waiver.refusal_reason, membership_status(waiver)) == (
        WaiverStatus.REFUSED,
        REASON,
        MembershipStatus.PRE_ENROLLED,
    )
    assert dict(Request.objects.values_list("reason", "state")) == {
        Reason.AFFILIATION: State.WAITING,
        Reason.WAIVER: State.CANCELLED,
    }
    page = employer_page(client_a, company_a, waiver)
    assert "<dt>Statut</dt><dd>En attente d'adhésion</dd>" in page
    assert f"Dispense refusée par nos services : {REASON}" in page


@pytest.mark.django_db
def test_a_second_decision_is_refused_with_a_message(staff_client: Client, waiver: Waiver) -> None:
    grant = {"action": "grant_waivers", "_selected_action": [waiver.request_id]}
    staff_client.post(reverse(CHANGELIST), grant)
    page = text(staff_client.post(reverse(CHANGELIST), grant, follow=True))
    assert (
        "Cédric SIMON : Cette dispense n'est pas à vérifier : elle a déjà été accordée ou "
        "refusée, ou n'est pas encore signée." in page
    )
    assert AuditEvent.objects.filter(action="waiver_granted").count() == 1


@pytest.mark.django_db
def test_hr_and_members_reach_no_staff_page_nor_the_proof(
    client: Client, correspondent_a: User, waiver: Waiver
) -> None:
    assert waiver.membership is not None
    member = waiver.membership.employee.user
    assert member is not None
    urls = [
        reverse("admin:waivers_waiver_document", args=[waiver.pk, "justificatif"])
        + "?affichage=page",
        reverse("admin:waivers_waiver_change", args=[waiver.pk]),
        reverse("admin:tracking_request_change", args=[waiver.request_id]),
        reverse(CHANGELIST),
    ]
    for user in [correspondent_a, member]:
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url
        response = client.post(
            reverse(CHANGELIST),
            {"action": "grant_waivers", "_selected_action": [waiver.request_id]},
        )
        assert response.status_code == 302
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.SIGNED
    assert not AuditEvent.objects.filter(action="waiver_document_downloaded").exists()


@pytest.mark.django_db
def test_staff_without_permissions_cannot_decide(client: Client, waiver: Waiver) -> None:
    client.force_login(make_user("agent@example.org", Role.STAFF, is_staff=True))
    response = client.post(
        reverse(CHANGELIST), {"action": "grant_waivers", "_selected_action": [waiver.request_id]}
    )
    assert response.status_code == 403
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.SIGNED
