from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from portal.accounts.models import Role, User
from portal.core.models import AuditEvent
from portal.signatures.models import SignatureEnvelope
from portal.signatures.services import verify_code, verify_evidence_seal
from portal.signatures.tests.conftest import META, send


@pytest.fixture
def signed(consented: SignatureEnvelope) -> SignatureEnvelope:
    return verify_code(envelope=consented, code=send(consented), meta=META)


def evidence_url(envelope: SignatureEnvelope) -> str:
    return reverse("admin:signatures_signatureenvelope_evidence", args=[envelope.pk])


@pytest.mark.django_db
def test_staff_downloads_the_evidence_file(
    client: Client, staff_user: User, signed: SignatureEnvelope
) -> None:
    client.force_login(staff_user)
    response = client.get(evidence_url(signed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="preuve-{signed.pk}.json"'
    assert verify_evidence_seal(response.content) is True
    assert json.loads(response.content)["record"]["envelope"]["id"] == signed.pk
    audit = AuditEvent.objects.get(action="signature_evidence_downloaded")
    assert (audit.actor, audit.target_id) == (staff_user, str(signed.pk))


@pytest.mark.django_db
def test_the_envelope_page_links_to_the_evidence_file(
    client: Client, staff_user: User, signed: SignatureEnvelope
) -> None:
    client.force_login(staff_user)
    for url in (
        reverse("admin:signatures_signatureenvelope_changelist"),
        reverse("admin:signatures_signatureenvelope_change", args=[signed.pk]),
    ):
        page = client.get(url).content.decode()
        assert f'<a href="{evidence_url(signed)}">Télécharger le dossier de preuve</a>' in page


@pytest.mark.django_db
def test_the_admin_action_downloads_the_evidence_of_one_envelope(
    client: Client, staff_user: User, signed: SignatureEnvelope
) -> None:
    client.force_login(staff_user)
    url = reverse("admin:signatures_signatureenvelope_changelist")
    response = client.post(
        url, {"action": "download_evidence", "_selected_action": [str(signed.pk)]}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="preuve-{signed.pk}.json"'


@pytest.mark.django_db
def test_a_correspondent_cannot_download_an_evidence_file(
    client_a: Client, signed: SignatureEnvelope
) -> None:
    response = client_a.get(evidence_url(signed))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not AuditEvent.objects.filter(action="signature_evidence_downloaded").exists()


@pytest.mark.django_db
def test_an_anonymous_visitor_cannot_download_an_evidence_file(
    client: Client, signed: SignatureEnvelope
) -> None:
    response = client.get(evidence_url(signed))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_signatures_cannot_be_changed_in_the_back_office(
    client: Client, staff_user: User, signed: SignatureEnvelope
) -> None:
    client.force_login(staff_user)
    assert client.get(reverse("admin:signatures_signatureenvelope_add")).status_code == 403
    response = client.post(
        reverse("admin:signatures_signatureenvelope_delete", args=[signed.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert SignatureEnvelope.objects.filter(pk=signed.pk, status="signed").exists()


@pytest.mark.django_db
def test_staff_without_the_view_permission_cannot_download_an_evidence_file(
    client: Client, signed: SignatureEnvelope
) -> None:
    clerk = make_user("clerk@example.org", Role.STAFF, is_staff=True)
    client.force_login(clerk)
    assert client.get(evidence_url(signed)).status_code == 403
