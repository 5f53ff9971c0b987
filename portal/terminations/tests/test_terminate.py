"""Terminating a membership from the employee page, with portability; undoing a mistake."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from conftest import declare, file_copy_of_the_database, in_threads, text
from portal.companies.models import Company, Contract, ContractKind, InsuredGroup
from portal.core.errors import BusinessError
from portal.enrollment.models import Dependant, Invitation, Membership, MembershipStatus
from portal.enrollment.services import get_invitation
from portal.notifications.models import Channel, OutboundMessage
from portal.terminations import services
from portal.terminations.models import Termination
from portal.tracking.models import EventKind, Reason, Request, State
from portal.tracking.services import send_reminder


@pytest.fixture
def membership(company_a: Company) -> Membership:
    request = declare(company_a)
    membership: Membership | None = request.membership
    assert membership is not None
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.ACTIVE)
    membership.refresh_from_db()
    return membership


def terminate(client: Client, company: Company, membership: Membership, **data: Any) -> Any:
    today = timezone.localdate()
    values = {
        "hire_date": "2024-03-01",
        "termination_date": (today - timedelta(days=3)).isoformat(),
        "motif": "dismissal_or_mutual_agreement",
        "portability": "oui",
        **data,
    }
    return client.post(reverse("terminations:terminate", args=[company.pk, membership.pk]), values)


@pytest.mark.django_db
def test_a_termination_with_portability_ends_the_cover_and_opens_a_request(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, membership.employee_id]))
    )
    assert "Résilier son contrat" in page
    form = text(client_a.get(reverse("terminations:terminate", args=[company_a.pk, membership.pk])))
    assert f"Résilier le contrat — N° {membership.member_number} - Cédric SIMON" in form
    assert "Souhaitez-vous activer la portabilité ?" in form
    response = terminate(client_a, company_a, membership)
    assert response.status_code == 302
    membership.refresh_from_db()
    end = timezone.localdate() - timedelta(days=3)
    assert (membership.status, membership.end_date) == (MembershipStatus.TERMINATED, end)
    termination = Termination.objects.get()
    assert termination.portability is True
    assert termination.portability_end is not None and termination.portability_end > end
    request = termination.request
    assert (request.reason, request.state) == (Reason.TERMINATION, State.IN_PROGRESS)
    employees = text(client_a.get(reverse("employer:employees", args=[company_a.pk])))
    assert f"Radié - {end:%d/%m/%Y}" in employees
    page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, membership.employee_id]))
    )
    assert f"Portabilité jusqu'au {termination.portability_end:%d/%m/%Y}" in page
    # The former employee got the certificate by e-mail; the employer can download it too.
    sent = mail.outbox[-1]
    assert sent.subject == "Vos garanties santé sont maintenues (portabilité)"
    assert sent.to == ["cedric.simon@example.org"]
    assert sent.attachments[0][0].startswith("attestation-portabilite")
    assert sent.attachments[0][1][:4] == b"%PDF"
    # One help line, the layout's, without "pour adhérer" in a portability e-mail.
    html_body = str(sent.alternatives[0][0])  # type: ignore[attr-defined]
    assert html_body.count("Besoin d'aide") == 1
    assert "Besoin d'aide ? Contactez-nous au" in html_body
    assert sent.body.count("Besoin d'aide") == 1
    certificate = client_a.get(
        reverse("terminations:certificate", args=[company_a.pk, termination.pk])
    )
    assert certificate.content[:4] == b"%PDF"


@pytest.mark.django_db
def test_without_an_email_the_former_employee_gets_the_certificate_by_letter(
    client_a: Client, company_a: Company
) -> None:
    request = declare(company_a, email="")
    terminate(client_a, company_a, request.membership)
    letter = OutboundMessage.objects.filter(template="portability_letter").get()
    assert letter.channel == Channel.LETTER
    assert letter.recipient.startswith("Monsieur Cédric SIMON")


@pytest.mark.django_db
def test_a_portability_motif_needs_the_answer_and_nothing_is_saved_without_it(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    page = text(terminate(client_a, company_a, membership, portability=""))
    assert "Indiquez si vous souhaitez activer la portabilité" in page
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert not Termination.objects.exists()
    assert not Request.objects.filter(reason=Reason.TERMINATION).exists()


@pytest.mark.django_db
def test_a_terminated_membership_cannot_be_terminated_again(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    terminate(client_a, company_a, membership)
    page = text(terminate(client_a, company_a, membership, motif="resignation", portability=""))
    assert Termination.objects.count() == 1
    assert "radié" in page.lower()


@pytest.mark.django_db
def test_a_death_opens_a_deces_request_without_portability(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    terminate(client_a, company_a, membership, motif="death", portability="")
    termination = Termination.objects.get()
    assert (termination.request.reason, termination.portability) == (Reason.DEATH, False)


@pytest.mark.django_db
def test_a_pre_enrolled_employee_who_leaves_loses_the_invitation_link(
    client_a: Client, company_a: Company
) -> None:
    request = declare(company_a)
    invitation = request.membership.invitations.get()
    terminate(client_a, company_a, request.membership, motif="resignation", portability="")
    request.refresh_from_db()
    assert request.state == State.CANCELLED
    with pytest.raises(BusinessError):
        get_invitation(invitation.token)


@pytest.mark.django_db
def test_ending_the_health_contract_keeps_the_link_and_affiliation_of_the_provident_one(
    client_a: Client, company_a: Company
) -> None:
    health = InsuredGroup.objects.get(contract__company=company_a)
    contract = Contract.objects.create(
        company=company_a, number="P0001", kind=ContractKind.PROVIDENT, start_date=date(2024, 1, 1)
    )
    provident = InsuredGroup.objects.create(
        contract=contract, code="PREV01", label="Cadres", base_product=health.base_product
    )
    request = declare(company_a, insured_group_ids=[health.pk, provident.pk])
    invitation = request.membership.invitations.get()
    terminate(client_a, company_a, request.membership, motif="resignation", portability="")
    request.refresh_from_db()
    assert request.state == State.WAITING
    assert get_invitation(invitation.token) == invitation
    statuses = Membership.objects.order_by("pk").values_list("contract__kind", "status")
    assert list(statuses) == [
        ("health", MembershipStatus.TERMINATED),
        ("provident", MembershipStatus.PRE_ENROLLED),
    ]


@pytest.mark.django_db
def test_an_undone_termination_restores_the_membership_exactly(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    terminate(client_a, company_a, membership)
    termination = Termination.objects.get()
    client_a.post(reverse("terminations:undo", args=[company_a.pk, termination.pk]))
    membership.refresh_from_db()
    assert (membership.status, membership.end_date) == (MembershipStatus.ACTIVE, None)
    termination.refresh_from_db()
    assert termination.undone_at is not None
    assert termination.request.state == State.CANCELLED
    assert termination.request.events.latest("pk").kind == EventKind.TERMINATION_UNDONE
    # It can be terminated again, with the right date this time.
    terminate(client_a, company_a, membership, motif="resignation", portability="")
    assert Termination.objects.filter(undone_at=None).count() == 1


@pytest.mark.django_db
def test_a_processed_termination_cannot_be_undone(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    terminate(client_a, company_a, membership)
    termination = Termination.objects.get()
    Request.objects.filter(pk=termination.request_id).update(state=State.CLOSED)
    client_a.post(reverse("terminations:undo", args=[company_a.pk, termination.pk]))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.TERMINATED


@pytest.mark.django_db
def test_another_companys_correspondent_cannot_terminate_or_undo(
    client: Client, correspondent_b: Any, company_a: Company, membership: Membership,
    client_a: Client,
) -> None:  # fmt: skip
    terminate(client_a, company_a, membership)
    termination = Termination.objects.get()
    other = Client()
    other.force_login(correspondent_b)
    company_b = correspondent_b.companies.get()
    for url in [
        reverse("terminations:terminate", args=[company_a.pk, membership.pk]),
        reverse("terminations:terminate", args=[company_b.pk, membership.pk]),
    ]:
        assert other.get(url).status_code == 404
    response = other.post(reverse("terminations:undo", args=[company_b.pk, termination.pk]))
    assert response.status_code == 404
    termination.refresh_from_db()
    assert termination.undone_at is None


def test_the_portability_dates_follow_the_rules() -> None:
    from portal.terminations.rules import portability_end

    assert portability_end(contract_start=date(2024, 3, 1), contract_end=date(2024, 5, 31)) == date(
        2024, 8, 31
    )


def staff_client(staff_user: Any) -> Client:
    staff = Client()
    staff.force_login(staff_user)
    return staff


@pytest.mark.django_db
def test_staff_close_a_termination_which_then_cannot_be_undone(
    client_a: Client, company_a: Company, membership: Membership, staff_user: Any
) -> None:
    terminate(client_a, company_a, membership)
    termination = Termination.objects.get()
    staff_client(staff_user).post(
        reverse("admin:tracking_request_changelist"),
        {"action": "close_terminations", "_selected_action": [termination.request_id]},
    )
    termination.refresh_from_db()
    assert termination.request.state == State.CLOSED
    client_a.post(reverse("terminations:undo", args=[company_a.pk, termination.pk]))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.TERMINATED


@pytest.mark.django_db
def test_staff_cancel_a_termination_with_a_reason_the_employer_reads(
    client_a: Client, company_a: Company, membership: Membership, staff_user: Any
) -> None:
    terminate(client_a, company_a, membership)
    termination = Termination.objects.get()
    changelist = reverse("admin:tracking_request_changelist")
    staff = staff_client(staff_user)
    form = text(
        staff.post(
            changelist,
            {"action": "cancel_terminations", "_selected_action": [termination.request_id]},
        )
    )
    assert "Motif de l'annulation, affiché à l'employeur" in form
    staff.post(
        changelist,
        {
            "action": "cancel_terminations",
            "_selected_action": [termination.request_id],
            "apply": "1",
            "motif": "Le salarié est toujours présent dans vos effectifs (DSN de novembre).",
        },
    )
    membership.refresh_from_db()
    assert (membership.status, membership.end_date) == (MembershipStatus.ACTIVE, None)
    page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, membership.employee_id]))
    )
    assert (
        "Demande annulée par nos services : Le salarié est toujours présent dans vos effectifs "
        "(DSN de novembre)." in page
    )


@pytest.mark.django_db
def test_after_a_death_the_dependants_stay_covered_as_the_contract_says(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    contract = membership.contract
    contract.dependants_keep_cover_months = 12
    contract.save(update_fields=["dependants_keep_cover_months"])
    Dependant.objects.create(
        membership=membership,
        kind="spouse",
        civility="MME",
        last_name="SIMON",
        first_name="Anne",
        birth_date=date(1986, 1, 1),
    )
    response = terminate(client_a, company_a, membership, motif="death", portability="")
    page = text(client_a.get(response["Location"]))
    assert "Nous avons bien enregistré le décès de Cédric SIMON." in page
    termination = Termination.objects.get()
    assert termination.request.reason == Reason.DEATH
    assert termination.dependants_cover_end is not None
    assert f"Couverts jusqu'au {termination.dependants_cover_end:%d/%m/%Y}" in page
    assert "Anne" not in page


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sends_make_one_termination(company_a: Company, tmp_path: Path) -> None:
    # No address: an earlier transactional test may have emptied the postal code list.
    request = declare(company_a, street_number="", street_name="", postal_code="", city="")
    company = Company.objects.get(pk=company_a.pk)
    today = timezone.localdate()

    def send() -> str:
        try:
            services.terminate_membership(
                company=company,
                membership_id=request.membership_id,
                hire_date=date(2024, 3, 1),
                termination_date=today,
                motif="resignation",
                portability=None,
                by=None,
                today=today,
            )
        except BusinessError as error:
            return error.code
        return "terminated"

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(send, send)
        (count,) = in_threads(lambda: Termination.objects.count())
    assert sorted(outcomes) == ["already_terminated", "terminated"]
    assert count == 1


def terminate_pre_enrolled(client: Client, company: Company) -> tuple[Any, Invitation, Termination]:
    """Declare an employee and terminate them before they enroll: their affiliation request,
    their invitation link and the termination."""
    request = declare(company)
    invitation = request.membership.invitations.get()
    terminate(client, company, request.membership, motif="resignation", portability="")
    return request, invitation, Termination.objects.get()


@pytest.mark.django_db
def test_a_waiting_affiliation_cancelled_by_a_termination_says_so_in_its_timeline(
    client_a: Client, company_a: Company
) -> None:
    request, invitation, termination = terminate_pre_enrolled(client_a, company_a)
    request.refresh_from_db()
    assert (request.state, request.closed_at is not None) == (State.CANCELLED, True)
    assert list(request.events.order_by("pk").values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.INVITATION_SENT,
        EventKind.MEMBER_TERMINATED,
    ]
    assert termination.cancelled_affiliation_id == request.pk
    assert termination.revoked_invitation_ids == [invitation.pk]


@pytest.mark.django_db
def test_undoing_the_termination_of_a_pre_enrolled_employee_reopens_the_affiliation_and_link(
    client_a: Client, company_a: Company
) -> None:
    request, invitation, termination = terminate_pre_enrolled(client_a, company_a)
    membership = request.membership
    response = client_a.post(reverse("terminations:undo", args=[company_a.pk, termination.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.end_date) == (MembershipStatus.PRE_ENROLLED, None)
    request.refresh_from_db()
    assert (request.state, request.closed_at) == (State.WAITING, None)
    assert request.events.order_by("pk").last().kind == EventKind.REOPENED
    # The employee's link works again...
    assert get_invitation(invitation.token).pk == invitation.pk
    # ...and the employer can remind them ("Relancer").
    sent = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_a.post(reverse("tracking:remind", args=[company_a.pk, request.pk]))
    request.refresh_from_db()
    assert request.events.order_by("pk").last().kind == EventKind.REMINDER_SENT
    assert len(mail.outbox) == sent + 1
    assert mail.outbox[-1].to == ["cedric.simon@example.org"]


@pytest.mark.django_db
def test_the_insurer_refusing_the_termination_of_a_pre_enrolled_employee_reopens_it_too(
    client_a: Client, company_a: Company, staff_user: Any
) -> None:
    request, invitation, termination = terminate_pre_enrolled(client_a, company_a)
    services.cancel_termination(
        termination_id=termination.pk, reason="Toujours dans les effectifs.", by=staff_user
    )
    request.refresh_from_db()
    assert request.state == State.WAITING
    assert get_invitation(invitation.token).pk == invitation.pk
    termination.request.refresh_from_db()
    assert termination.request.state == State.CANCELLED


@pytest.mark.django_db
def test_after_an_undo_a_link_that_expired_meanwhile_is_renewed_by_the_reminder(
    client_a: Client, company_a: Company
) -> None:
    request, invitation, termination = terminate_pre_enrolled(client_a, company_a)
    later = timezone.now() + timedelta(days=61)
    with time_machine.travel(later):
        services.undo_termination(company=company_a, termination_id=termination.pk, by=None)
        reminded = send_reminder(request_id=request.pk, company=company_a, by=None, now=later)
    assert reminded.state == State.WAITING
    kinds = list(reminded.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.REOPENED, EventKind.REMINDER_SENT, EventKind.LINK_RENEWED]
    fresh = request.membership.invitations.get(revoked_at=None)
    assert fresh.pk != invitation.pk and fresh.expires_at > later


@pytest.mark.django_db
def test_an_undo_does_not_revive_a_link_the_employee_already_used(
    client_a: Client, company_a: Company
) -> None:
    _, invitation, termination = terminate_pre_enrolled(client_a, company_a)
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    services.undo_termination(company=company_a, termination_id=termination.pk, by=None)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.django_db
def test_portability_yes_with_a_resignation_is_refused_on_the_question_with_a_clear_message(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    response = terminate(client_a, company_a, membership, motif="resignation", portability="oui")
    assert response.status_code == 200
    page = text(response)
    assert (
        "Le motif « Démission » n'ouvre pas droit à la portabilité : seuls les motifs « Fin "
        "Contrat à Durée Déterminée / Fin de période d'essai », « Licenciement / Rupture "
        "conventionnelle » et « Démission ouvrant droit à la portabilité » y ouvrent droit. "
        "Choisissez l'un d'eux ou ne demandez pas la portabilité."
    ) in page
    # The refused question stays on screen, whatever motif is checked, so its error is seen.
    assert "portability-question portability-question--shown" in page
    assert not Termination.objects.exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


@pytest.mark.django_db
def test_a_portability_motif_needs_the_answer_and_others_accept_no(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    page = text(terminate(client_a, company_a, membership, portability=""))
    assert "Indiquez si vous souhaitez activer la portabilité : ce motif y ouvre droit." in page
    assert not Termination.objects.exists()
    terminate(client_a, company_a, membership, motif="retirement", portability="non")
    assert Termination.objects.get().portability is False


@pytest.mark.django_db
def test_only_the_three_portability_motifs_carry_the_marker_that_shows_the_question(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    page = text(client_a.get(reverse("terminations:terminate", args=[company_a.pk, membership.pk])))
    marked = re.findall(
        r'<input type="radio" name="motif" value="(\w+)"[^>]*data-opens-portability', page
    )
    assert sorted(marked) == [
        "dismissal_or_mutual_agreement",
        "end_of_fixed_term_or_trial",
        "resignation_with_portability",
    ]
    assert 'class="card portability-question" ' in page


@pytest.mark.django_db
def test_the_termination_timeline_says_its_motif(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    terminate(client_a, company_a, membership, motif="retirement", portability="")
    created = Termination.objects.get().request.events.get(kind=EventKind.CREATED)
    assert created.note == "Motif : Départ en retraite"
    page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, membership.employee_id]))
    )
    assert "Demande créée : Motif : Départ en retraite" in page


@pytest.mark.django_db
def test_cancelling_a_termination_asks_for_confirmation_first(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    terminate(client_a, company_a, membership)
    termination = Termination.objects.get()
    url = reverse("terminations:undo", args=[company_a.pk, termination.pk])
    employee_page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, membership.employee_id]))
    )
    assert f'href="{url}">Annuler la résiliation</a>' in employee_page
    confirm = text(client_a.get(url))
    assert "Confirmez-vous l'annulation de la résiliation ?" in confirm
    assert "motif : Licenciement / Rupture conventionnelle" in confirm
    termination.refresh_from_db()
    assert termination.undone_at is None  # GET writes nothing
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.TERMINATED
    assert client_a.post(url).status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
