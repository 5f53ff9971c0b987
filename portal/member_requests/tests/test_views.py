"""The member's pages and the staff's: each against another member, an HR login and a
logged-out visitor; no writes on GET; bad input answered in French, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, text
from portal.accounts.models import Role, User
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.enrollment.models import Dependant, Membership
from portal.member_requests.choices import RequestState
from portal.member_requests.models import MemberRequest
from portal.member_requests.tests.conftest import BIRTH
from portal.signatures.tests.conftest import make_pdf

pytestmark = pytest.mark.django_db


def member_pages(active: Membership, addition: MemberRequest) -> list[tuple[str, str]]:
    spouse = active.dependants.get(first_name="Claire")
    return [
        ("get", reverse("member_requests:beneficiaries")),
        ("get", reverse("member_requests:add", args=[active.pk])),
        ("get", reverse("member_requests:remove", args=[spouse.pk])),
        ("get", reverse("member_requests:send_document")),
        ("post", reverse("member_requests:withdraw", args=[addition.pk])),
    ]


@pytest.fixture
def other_member(company_a: Any) -> User:
    """Another employee of the same company, with a login of their own."""
    membership = declare(
        company_a,
        last_name="Garcia",
        first_name="Léa",
        nir="",
        email="lea@example.org",
        employee_number="M-0002",
    ).membership
    user: User | None = membership.employee.user
    assert user is not None and user.role == Role.MEMBER
    return user


def test_another_member_gets_404_on_someone_elses_objects(
    client: Client, active: Membership, addition: MemberRequest, other_member: User
) -> None:
    client.force_login(other_member)
    pages = member_pages(active, addition)
    # Their own "Mes bénéficiaires" and "Envoyer un justificatif" show only their own file.
    assert "Claire" not in text(client.get(pages[0][1]))
    for method, url in (pages[1], pages[2], pages[4]):
        assert getattr(client, method)(url).status_code == 404, url
    addition.refresh_from_db()
    assert addition.state == RequestState.SUBMITTED


def test_an_hr_login_is_forbidden_every_member_page(
    client: Client, active: Membership, addition: MemberRequest, correspondent_a: User
) -> None:
    client.force_login(correspondent_a)
    for method, url in member_pages(active, addition):
        assert getattr(client, method)(url).status_code == 403, url


def test_a_logged_out_visitor_is_sent_to_the_login(
    client: Client, active: Membership, addition: MemberRequest
) -> None:
    for method, url in member_pages(active, addition):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "next=" in response["Location"], url
    addition.refresh_from_db()
    assert addition.state == RequestState.SUBMITTED


def test_mes_beneficiaires_lists_the_covered_and_the_pending_without_writing(
    member_client: Client, active: Membership, addition: MemberRequest
) -> None:
    before = AuditEvent.objects.count()
    response = member_client.get(reverse("member_requests:beneficiaries"))
    page = text(response)
    assert response.status_code == 200
    assert "Claire SIMON" in page and "Couvert(e) depuis le 01/03/2024" in page
    assert "Ajout de bénéficiaire — Jade SIMON (Naissance du 02/06/2026)" in page
    assert "En attente de traitement" in page
    assert AuditEvent.objects.count() == before


def test_the_add_form_sends_the_request_with_the_proof(
    member_client: Client, active: Membership
) -> None:
    response = member_client.post(
        reverse("member_requests:add", args=[active.pk]),
        {
            "life_event": "birth",
            "event_date": BIRTH.isoformat(),
            "kind": "child",
            "civility": "M",
            "last_name": "Simon",
            "first_name": "Noé",
            "birth_date": BIRTH.isoformat(),
            "twin_rank": "1",
            "alsace_moselle": "non",
            "proof": _upload("acte.pdf", make_pdf("Acte de naissance")),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("member_requests:beneficiaries")
    created = MemberRequest.objects.get()
    assert (created.first_name, created.effective_date, created.proof_content_type) == (
        "Noé",
        BIRTH,
        "application/pdf",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"event_date": "pas une date"},
            "event_date",
            "Saisissez une date valide (jj/mm/aaaa).",
        ),
        ({"life_event": ""}, "life_event", "Champ « Événement » obligatoire"),
        ({"life_event": "divorce"}, "life_event", "Sélectionnez un choix valide"),
        ({"twin_rank": "42"}, "twin_rank", "Sélectionnez un choix valide"),
        ({"proof": "fake"}, "proof", "est un PDF incomplet ou endommagé"),
    ],
)
def test_bad_input_is_answered_in_french_next_to_its_field(
    member_client: Client, active: Membership, data: dict[str, str], field: str, message: str
) -> None:
    values: dict[str, Any] = {
        "life_event": "birth",
        "event_date": BIRTH.isoformat(),
        "kind": "child",
        "civility": "M",
        "last_name": "Simon",
        "first_name": "Noé",
        "birth_date": BIRTH.isoformat(),
        "twin_rank": "1",
        "proof": _upload("acte.pdf", make_pdf("Acte")),
    }
    values.update(data)
    if values["proof"] == "fake":
        values["proof"] = _upload("acte.pdf", b"%PDF-1.4 truncated")
    response = member_client.post(reverse("member_requests:add", args=[active.pk]), values)
    assert response.status_code == 200
    assert message in text(response)
    assert field in response.context["form"].errors
    assert not MemberRequest.objects.exists()


def test_the_member_withdraws_from_the_page(member_client: Client, addition: MemberRequest) -> None:
    response = member_client.post(reverse("member_requests:withdraw", args=[addition.pk]))
    assert response.status_code == 302
    addition.refresh_from_db()
    assert addition.state == RequestState.WITHDRAWN
    assert (
        member_client.get(reverse("member_requests:withdraw", args=[addition.pk])).status_code
        == 405
    )


def test_send_document_page_sends_a_quote(member_client: Client, active: Membership) -> None:
    response = member_client.post(
        reverse("member_requests:send_document"),
        {
            "membership": str(active.pk),
            "document_type": "devis",
            "note": "Devis optique",
            "proof": _upload("devis.pdf", make_pdf("Devis")),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("journey:space_requests")
    assert MemberRequest.objects.get().document_type == "devis"
    listed = member_client.get(response["Location"]).content.decode()
    assert "Envoi de justificatif" in listed and "devis.pdf" in listed


def staff_pages(addition: MemberRequest) -> list[tuple[str, str]]:
    return [
        ("get", reverse("backoffice:member_requests")),
        ("get", reverse("backoffice:member_request", args=[addition.pk])),
        ("get", reverse("backoffice:member_request_proof", args=[addition.pk])),
        ("post", reverse("backoffice:member_request_accept", args=[addition.pk])),
        ("post", reverse("backoffice:member_request_refuse", args=[addition.pk])),
    ]


def test_staff_pages_are_hidden_from_members_hr_and_visitors(
    client: Client, addition: MemberRequest, member: User, correspondent_a: User
) -> None:
    for user in (member, correspondent_a):
        client.force_login(user)
        for method, url in staff_pages(addition):
            assert getattr(client, method)(url).status_code == 404, url
        client.logout()
    for method, url in staff_pages(addition):
        assert getattr(client, method)(url).status_code == 302, url
    addition.refresh_from_db()
    assert addition.state == RequestState.SUBMITTED


def test_staff_read_the_proof_audited_and_accept(
    client: Client, addition: MemberRequest, staff_user: User, active: Membership
) -> None:
    client.force_login(staff_user)
    queue = text(client.get(reverse("backoffice:member_requests")))
    assert f"Ajout de bénéficiaire n° {addition.pk}" in queue
    proof = client.get(reverse("backoffice:member_request_proof", args=[addition.pk]))
    assert proof.status_code == 200
    assert b"".join(proof.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.MEMBER_REQUEST_PROOF_VIEWED, actor=staff_user
        ).count()
        == 1
    )
    refused = client.post(reverse("backoffice:member_request_refuse", args=[addition.pk]))
    assert refused.status_code == 302
    assert "Motif du refus" in text(client.get(refused["Location"]))
    client.post(reverse("backoffice:member_request_accept", args=[addition.pk]))
    addition.refresh_from_db()
    assert addition.state == RequestState.ACCEPTED
    assert Dependant.objects.filter(membership=active, first_name="Jade").exists()


def test_the_employer_sees_the_new_child_by_role_never_by_name(
    client: Client,
    addition: MemberRequest,
    staff_user: User,
    active: Membership,
    correspondent_a: User,
) -> None:
    from portal.member_requests import services
    from portal.member_requests.tests.conftest import TODAY

    url = reverse("employer:employee", args=[active.employee.company_id, active.employee_id])
    client.force_login(correspondent_a)
    assert "Enfant Produit(s)" not in text(client.get(url))
    services.accept_request(request_id=addition.pk, by=staff_user, today=TODAY)
    page = text(client.get(url))
    assert "Conjoint Produit(s)" in page and "Enfant Produit(s)" in page
    assert "Jade" not in page and "Claire" not in page


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_employer_stops_counting_a_removed_spouse_after_their_last_day(
    client: Client, active: Membership, member: User, staff_user: User, correspondent_a: User
) -> None:
    from datetime import date

    import time_machine

    from portal.member_requests import services
    from portal.member_requests.tests.conftest import TODAY

    spouse = active.dependants.get(first_name="Claire")
    removal = services.request_removal(
        dependant=spouse,
        life_event="divorce",
        event_date=date(2026, 6, 10),
        proof=services.Proof("jugement.pdf", make_pdf("Jugement de divorce")),
        by=member,
        today=TODAY,
    )
    services.accept_request(request_id=removal.pk, by=staff_user, today=TODAY)
    assert Dependant.objects.get(pk=spouse.pk).cover_end == date(2026, 6, 30)
    url = reverse("employer:employee", args=[active.employee.company_id, active.employee_id])
    client.force_login(correspondent_a)
    assert "Conjoint Produit(s)" in text(client.get(url))  # covered until 30 June
    with time_machine.travel(date(2026, 7, 1)):
        assert "Conjoint Produit(s)" not in text(client.get(url))
