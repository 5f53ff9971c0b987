from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, make_user, text
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.core.models import AuditEvent
from portal.waivers.models import Waiver
from portal.waivers.services import record_signature, request_waiver
from portal.waivers.tests.test_services import SIGNED_PDF, proof_pdf

PROOF = proof_pdf("Attestation CSS")


@pytest.fixture
def waiver(company_a: Company) -> Waiver:
    company_a.waivers_enabled = True
    company_a.save(update_fields=["waivers_enabled"])
    membership = declare(
        company_a, hire_date=date(2024, 5, 15), effective_date=date(2024, 5, 15)
    ).membership
    assert membership is not None
    return request_waiver(
        membership=membership,
        case_code="solidarity_health_cover",
        end_date=date(2025, 3, 31),
        proof_name="mon attestation.pdf",
        proof_data=PROOF,
        by=None,
        today=date(2024, 6, 1),
    )


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


def document_url(waiver: Waiver, kind: str) -> str:
    return reverse("admin:waivers_waiver_document", args=[waiver.pk, kind])


@pytest.mark.django_db
def test_staff_lists_and_searches_waivers_in_french(staff_client: Client, waiver: Waiver) -> None:
    url = reverse("admin:waivers_waiver_changelist")
    page = text(staff_client.get(url))
    assert "Dispenses d'adhésion" in page
    assert "Bénéficiaire de la Complémentaire santé solidaire" in page
    assert "Demandée (signature en attente)" in page
    assert "Cédric SIMON" in staff_client.get(url, {"q": "simon"}).content.decode()
    assert "Cédric SIMON" not in staff_client.get(url, {"q": "durand"}).content.decode()


@pytest.mark.django_db
def test_waiver_page_is_read_only_with_download_links(staff_client: Client, waiver: Waiver) -> None:
    page = staff_client.get(reverse("admin:waivers_waiver_change", args=[waiver.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert document_url(waiver, "justificatif") in html
    assert document_url(waiver, "demande") in html
    assert document_url(waiver, "demande-signee") not in html  # not signed yet
    assert str(waiver.proof.name) not in html  # never the storage path
    assert 'name="_save"' not in html
    assert staff_client.get(reverse("admin:waivers_waiver_add")).status_code == 403
    delete = staff_client.post(
        reverse("admin:waivers_waiver_delete", args=[waiver.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Waiver.objects.filter(pk=waiver.pk).exists()


@pytest.mark.django_db
def test_staff_downloads_the_proof_and_the_download_is_audited(
    staff_client: Client, staff_user: User, waiver: Waiver
) -> None:
    response = staff_client.get(document_url(waiver, "justificatif"))
    assert response.status_code == 200
    assert response.getvalue() == PROOF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="mon attestation.pdf"'
    assert list(
        AuditEvent.objects.filter(action="waiver_document_downloaded").values_list(
            "actor", "target_id", "details"
        )
    ) == [(staff_user.pk, str(waiver.pk), {"document": "justificatif"})]


@pytest.mark.django_db
def test_staff_downloads_the_written_and_the_signed_request(
    staff_client: Client, waiver: Waiver
) -> None:
    assert staff_client.get(document_url(waiver, "demande-signee")).status_code == 404
    response = staff_client.get(document_url(waiver, "demande"))
    assert response.getvalue().startswith(b"%PDF-")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="demande-dispense-{waiver.pk}.pdf"'
    )

    record_signature(waiver=waiver, signed_request_pdf=SIGNED_PDF, by=None)
    response = staff_client.get(document_url(waiver, "demande-signee"))
    assert response.getvalue() == SIGNED_PDF
    assert staff_client.get(document_url(waiver, "autre")).status_code == 404


@pytest.mark.django_db
def test_correspondent_cannot_download_from_the_back_office(
    client: Client, correspondent_a: User, waiver: Waiver
) -> None:
    client.force_login(correspondent_a)
    response = client.get(document_url(waiver, "justificatif"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not AuditEvent.objects.filter(action="waiver_document_downloaded").exists()


@pytest.mark.django_db
def test_staff_without_view_permission_cannot_download(client: Client, waiver: Waiver) -> None:
    client.force_login(make_user("agent@example.org", Role.STAFF, is_staff=True))
    assert client.get(document_url(waiver, "justificatif")).status_code == 403
    assert not AuditEvent.objects.filter(action="waiver_document_downloaded").exists()
