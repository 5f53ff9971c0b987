"""The decisions on a dossier's page, each through its one service: states, e-mails, audit,
nothing half-done, one decision of two concurrent ones; the employer's lists follow."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import declare, file_copy_of_the_database, in_threads, text
from portal.accounts.models import User
from portal.backoffice import decisions
from portal.backoffice.tests.conftest import sign
from portal.companies.models import Company
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import Invitation, Membership, MembershipStatus
from portal.notifications.models import Channel, OutboundMessage
from portal.terminations.models import Termination
from portal.terminations.services import terminate_membership
from portal.tracking.models import EventKind, Reason, Request, State
from portal.tracking.services import cancel_declaration
from portal.waivers.models import Waiver, WaiverStatus

from .test_waiver_review import waiver  # noqa: F401  (a fixture)

ALREADY_DECIDED = (
    "Ce dossier vient d'être mis en gestion par un autre gestionnaire : aucune autre "
    "décision n'a été enregistrée."
)


def decide(client: Client, item: Request, decision: str, **data: Any) -> Any:
    url = reverse("backoffice:decide", args=[item.pk, decision])
    return client.post(url, data)


def flashed(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def state_of(item: Request) -> tuple[str, str]:
    fresh = Request.objects.select_related("membership").get(pk=item.pk)
    assert fresh.membership is not None
    return fresh.state, fresh.membership.status


def emails(template: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(channel=Channel.EMAIL, template=template))


@pytest.mark.django_db
def test_mettre_en_gestion_closes_the_request_and_tells_the_employee(
    staff_client: Client, staff_user: User, affiliation: Request
) -> None:
    response = decide(staff_client, affiliation, "mettre-en-gestion")
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:dossier", args=[affiliation.pk])
    assert flashed(response) == ["Cedric SIMON : dossier mis en gestion, demande clôturée."]
    assert state_of(affiliation) == (State.CLOSED, MembershipStatus.ACTIVE)
    kinds = list(affiliation.events.values_list("kind", "actor"))
    assert kinds[-1] == (EventKind.CLOSED, staff_user.pk)
    (mail,) = emails("enrollment_closed")
    assert mail.recipient == "cedric.simon@example.org"
    assert mail.subject == "Votre adhésion est enregistrée"
    assert "elle est enregistrée et mise en gestion, avec effet au 01/03/2024" in mail.body_text
    event = AuditEvent.objects.get(action="enrollment_closed")
    assert (event.actor_id, event.details["memberships"]) == (
        staff_user.pk,
        [affiliation.membership_id],
    )


@pytest.mark.django_db
def test_a_failure_while_putting_in_management_saves_nothing(
    staff_client: Client, affiliation: Request, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(**kwargs: Any) -> None:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr("portal.signatures.journey.send_email", refused)
    events = affiliation.events.count()
    audited = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        decisions.put_in_management(
            request_id=affiliation.pk, by=User.objects.get(is_staff=True), reasons=[], text=""
        )
    assert state_of(affiliation) == (State.IN_PROGRESS, MembershipStatus.SIGNED)
    assert affiliation.events.count() == events
    assert AuditEvent.objects.count() == audited
    assert not emails("enrollment_closed")


@pytest.mark.django_db
def test_renvoyer_sends_the_ticked_reasons_and_the_free_text(
    staff_client: Client, affiliation: Request
) -> None:
    response = decide(
        staff_client,
        affiliation,
        "renvoyer",
        motifs=["identite", "rib"],
        motif="  Le RIB  fourni est au nom d'un tiers ",
    )
    assert flashed(response) == ["Cedric SIMON : adhésion renvoyée au salarié pour correction."]
    assert state_of(affiliation) == (State.WAITING, MembershipStatus.PRE_ENROLLED)
    reason = (
        "RIB illisible ou non conforme ; Informations d'identité incohérentes ; "
        "Le RIB fourni est au nom d'un tiers."
    )
    (mail,) = emails("enrollment_sent_back")
    assert reason in mail.body_text
    assert AuditEvent.objects.get(action="enrollment_sent_back").details["reason"] == reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Cochez au moins un motif ou précisez ce que le salarié doit corriger."),
        ({"motifs": ["autre"]}, "Choisissez les motifs dans la liste proposée."),
    ],
)
def test_renvoyer_without_a_reason_from_the_list_saves_nothing(
    staff_client: Client, affiliation: Request, data: dict[str, Any], message: str
) -> None:
    response = decide(staff_client, affiliation, "renvoyer", **data)
    assert flashed(response) == [message]
    assert state_of(affiliation) == (State.IN_PROGRESS, MembershipStatus.SIGNED)
    assert not emails("enrollment_sent_back")
    assert not AuditEvent.objects.filter(action="enrollment_sent_back")


@pytest.mark.django_db
def test_a_second_decision_on_a_decided_dossier_is_refused_with_a_message(
    staff_client: Client, affiliation: Request
) -> None:
    decide(staff_client, affiliation, "mettre-en-gestion")
    again = decide(staff_client, affiliation, "renvoyer", motifs=["rib"])
    assert flashed(again)[-1] == ALREADY_DECIDED
    assert state_of(affiliation) == (State.CLOSED, MembershipStatus.ACTIVE)
    assert len(emails("enrollment_closed")) == 1
    assert not emails("enrollment_sent_back")


@pytest.mark.django_db(transaction=True)
def test_two_staff_putting_the_same_dossier_in_management_make_one_decision(
    company_a: Company, staff_user: User, tmp_path: Path
) -> None:
    declared = declare(company_a, street_number="", street_name="", postal_code="", city="")
    sign(declared.membership)
    item = Request.objects.get(pk=declared.pk)

    def put() -> str:
        try:
            return decisions.put_in_management(
                request_id=item.pk, by=staff_user, reasons=[], text=""
            )
        except BusinessError as error:
            return error.message

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(put, put)
        ((closed, moves, mails),) = in_threads(
            lambda: (
                AuditEvent.objects.filter(action="enrollment_closed").count(),
                list(
                    Request.objects.get(pk=item.pk)
                    .events.filter(kind=EventKind.CLOSED)
                    .values_list("kind", flat=True)
                ),
                OutboundMessage.objects.filter(template="enrollment_closed").count(),
            )
        )
    assert sorted(outcomes) == sorted(
        ["Cédric SIMON : dossier mis en gestion, demande clôturée.", ALREADY_DECIDED]
    )
    assert (closed, moves, mails) == (1, [EventKind.CLOSED], 1)


@pytest.mark.django_db(transaction=True)
def test_mettre_en_gestion_and_renvoyer_at_once_make_one_decision(
    company_a: Company, staff_user: User, tmp_path: Path
) -> None:
    declared = declare(company_a, street_number="", street_name="", postal_code="", city="")
    sign(declared.membership)
    item = Request.objects.get(pk=declared.pk)

    def run(service: Any) -> str:
        try:
            return str(service(request_id=item.pk, by=staff_user, reasons=["rib"], text=""))
        except BusinessError as error:
            return error.code

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(
            lambda: run(decisions.put_in_management), lambda: run(decisions.send_back)
        )
        ((state, decided),) = in_threads(
            lambda: (
                Request.objects.get(pk=item.pk).state,
                AuditEvent.objects.filter(
                    action__in=["enrollment_closed", "enrollment_sent_back"]
                ).count(),
            )
        )
    assert decided == 1
    refused = [o for o in outcomes if o in ("already_decided", "close_not_signed")]
    assert len(refused) == 1
    assert state in (State.CLOSED, State.WAITING)


@pytest.mark.django_db
def test_refuser_a_waiver_tells_the_employee_and_keeps_the_affiliation_waiting(
    staff_client: Client,
    waiver: Waiver,  # noqa: F811
) -> None:
    item = Request.objects.get(reason=Reason.WAIVER, employee_id=waiver.employee_id)
    response = decide(staff_client, item, "refuser", motif="Attestation expirée.")
    assert flashed(response) == [
        f"{waiver.employee.full_name} : dispense refusée, le salarié est invité à adhérer."
    ]
    waiver.refresh_from_db()
    assert (waiver.status, waiver.refusal_reason) == (WaiverStatus.REFUSED, "Attestation expirée.")
    assert waiver.membership is not None
    assert waiver.membership.status == MembershipStatus.PRE_ENROLLED
    affiliation = Request.objects.get(reason=Reason.AFFILIATION, employee_id=waiver.employee_id)
    assert affiliation.state == State.WAITING
    (mail,) = emails("waiver_refused")
    assert "Attestation expirée." in mail.body_text
    assert AuditEvent.objects.filter(action="waiver_refused").count() == 1


@pytest.mark.django_db
def test_refuser_without_a_reason_saves_nothing(
    staff_client: Client,
    waiver: Waiver,  # noqa: F811
) -> None:
    item = Request.objects.get(reason=Reason.WAIVER, employee_id=waiver.employee_id)
    response = decide(staff_client, item, "refuser", motif="  ")
    assert len(flashed(response)) == 1
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.SIGNED
    assert not emails("waiver_refused")


@pytest.mark.django_db
def test_accepter_grants_the_waiver(
    staff_client: Client,
    waiver: Waiver,  # noqa: F811
) -> None:
    item = Request.objects.get(reason=Reason.WAIVER, employee_id=waiver.employee_id)
    decide(staff_client, item, "accepter")
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.GRANTED
    assert Request.objects.get(pk=item.pk).state == State.CLOSED
    assert len(emails("waiver_granted")) == 1
    assert AuditEvent.objects.filter(action="waiver_granted").count() == 1


@pytest.mark.django_db
def test_annuler_a_termination_with_a_reason_the_employer_reads(
    staff_client: Client, client_a: Client, company_a: Company
) -> None:
    declared = declare(company_a)
    Membership.objects.filter(pk=declared.membership_id).update(status=MembershipStatus.ACTIVE)
    today = timezone.localdate()
    termination = terminate_membership(
        company=company_a,
        membership_id=declared.membership_id,
        hire_date=date(2024, 3, 1),
        termination_date=today,
        motif="resignation",
        portability=None,
        by=None,
        today=today,
    )
    item = Request.objects.get(pk=termination.request_id)
    reason = "Le salarié est toujours présent dans l'entreprise."
    response = decide(staff_client, item, "annuler", motif=reason)
    assert flashed(response) == [
        "Cédric SIMON : demande annulée, le motif est affiché à l'employeur."
    ]
    assert Request.objects.get(pk=item.pk).state == State.CANCELLED
    assert Membership.objects.get(pk=declared.membership_id).status == MembershipStatus.ACTIVE
    assert Termination.objects.filter(pk=termination.pk).exists()
    employee_page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, declared.employee_id]))
    )
    assert f"Demande annulée par nos services : {reason}" in employee_page


@pytest.mark.django_db
def test_annuler_a_signed_affiliation_cancels_it_with_a_reason_the_employer_reads(
    staff_client: Client,
    staff_user: User,
    client_a: Client,
    company_a: Company,
    affiliation: Request,
) -> None:
    reason = "Le salarié a été déclaré deux fois ; gardez la déclaration du 01/03/2024."
    response = decide(staff_client, affiliation, "annuler", motif=f"  {reason} ")
    assert flashed(response) == [
        "Cedric SIMON : affiliation annulée, le motif est affiché à l'employeur."
    ]
    assert state_of(affiliation) == (State.CANCELLED, MembershipStatus.CANCELLED)
    assert list(affiliation.events.values_list("kind", "actor", "note"))[-1] == (
        EventKind.CANCELLED,
        staff_user.pk,
        reason,
    )
    invitations = Invitation.objects.filter(membership__requests=affiliation)
    assert invitations.exists() and not invitations.filter(revoked_at=None).exists()
    event = AuditEvent.objects.get(action="affiliation_cancelled")
    assert (event.actor_id, event.target_id, event.details["reason"]) == (
        staff_user.pk,
        str(affiliation.pk),
        reason,
    )
    assert not AuditEvent.objects.filter(action="declaration_cancelled").exists()
    employee_page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, affiliation.employee_id]))
    )
    assert "<h3>Affiliation — Annulée</h3>" in employee_page
    assert f"— Demande annulée par nos services : {reason}</li>" in employee_page
    requests_page = text(
        client_a.get(reverse("tracking:requests", args=[company_a.pk]), {"etat": "cancelled"})
    )
    assert "Cedric SIMON" in requests_page


@pytest.mark.django_db
def test_annuler_a_waiting_affiliation_by_staff_cancels_it_too(
    staff_client: Client, company_a: Company
) -> None:
    declared = declare(company_a)
    response = decide(staff_client, declared, "annuler", motif="Salarié absent des effectifs.")
    assert flashed(response) == [
        "Cédric SIMON : affiliation annulée, le motif est affiché à l'employeur."
    ]
    assert state_of(declared) == (State.CANCELLED, MembershipStatus.CANCELLED)


@pytest.mark.django_db
def test_annuler_an_affiliation_without_a_reason_saves_nothing(
    staff_client: Client, affiliation: Request
) -> None:
    events = affiliation.events.count()
    response = decide(staff_client, affiliation, "annuler", motif="   ")
    assert flashed(response) == ["Indiquez pourquoi cette déclaration est annulée."]
    assert state_of(affiliation) == (State.IN_PROGRESS, MembershipStatus.SIGNED)
    assert affiliation.events.count() == events
    assert not AuditEvent.objects.filter(action="affiliation_cancelled").exists()
    assert Invitation.objects.filter(membership__requests=affiliation, revoked_at=None).exists()


@pytest.mark.django_db
def test_annuler_an_affiliation_already_put_in_management_is_refused(
    staff_client: Client, affiliation: Request
) -> None:
    decide(staff_client, affiliation, "mettre-en-gestion")
    response = decide(staff_client, affiliation, "annuler", motif="Doublon")
    assert flashed(response)[-1] == (
        "Seule une affiliation en attente du salarié ou signée et pas encore mise en gestion "
        "peut être annulée."
    )
    assert state_of(affiliation) == (State.CLOSED, MembershipStatus.ACTIVE)
    assert not AuditEvent.objects.filter(action="affiliation_cancelled").exists()


@pytest.mark.django_db
def test_the_employer_still_cannot_cancel_a_signed_affiliation(
    company_a: Company, correspondent_a: User, affiliation: Request
) -> None:
    for by_insurer in (False, True):
        with pytest.raises(BusinessError) as refused:
            cancel_declaration(
                company=company_a,
                request_id=affiliation.pk,
                reason="Doublon",
                by=correspondent_a,
                by_insurer=by_insurer,
            )
        assert refused.value.code == ("staff_only_cancellation" if by_insurer else "not_waiting")
    assert state_of(affiliation) == (State.IN_PROGRESS, MembershipStatus.SIGNED)


@pytest.mark.django_db(transaction=True)
def test_annuler_and_mettre_en_gestion_at_once_make_one_decision(
    company_a: Company, staff_user: User, tmp_path: Path
) -> None:
    declared = declare(company_a, street_number="", street_name="", postal_code="", city="")
    sign(declared.membership)
    item = Request.objects.get(pk=declared.pk)

    def run(service: Any) -> str:
        try:
            service(request_id=item.pk, by=staff_user, reasons=[], text="Doublon")
        except BusinessError as error:
            return error.code
        return "done"

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(
            lambda: run(decisions.put_in_management), lambda: run(decisions.cancel)
        )
        ((state, status, decided),) = in_threads(
            lambda: (
                Request.objects.get(pk=item.pk).state,
                Membership.objects.get(pk=declared.membership_id).status,
                AuditEvent.objects.filter(
                    action__in=["enrollment_closed", "affiliation_cancelled"]
                ).count(),
            )
        )
    assert decided == 1
    assert outcomes.count("done") == 1
    assert (state, status) in [
        (State.CLOSED, MembershipStatus.ACTIVE),
        (State.CANCELLED, MembershipStatus.CANCELLED),
    ]


@pytest.mark.django_db
def test_bulk_lists_only_the_dossiers_without_difference_and_closes_the_selected(
    staff_client: Client, affiliation: Request, plain_affiliation: Request
) -> None:
    page = text(staff_client.get(reverse("backoffice:bulk")))
    assert f'value="{plain_affiliation.pk}"' in page
    assert f'value="{affiliation.pk}"' not in page  # its first name differs
    response = staff_client.post(
        reverse("backoffice:bulk"), {"demandes": [plain_affiliation.pk, affiliation.pk]}
    )
    assert response.status_code == 302
    assert flashed(response) == [
        "1 dossier mis en gestion.",
        "Cedric SIMON : ce dossier présente une différence ou une pièce à examiner ; "
        "ouvrez-le pour décider.",
    ]
    assert state_of(plain_affiliation) == (State.CLOSED, MembershipStatus.ACTIVE)
    assert state_of(affiliation) == (State.IN_PROGRESS, MembershipStatus.SIGNED)
    assert [m.recipient for m in emails("enrollment_closed")] == ["paul.martin@example.org"]


@pytest.mark.django_db
def test_bulk_with_nothing_selected_changes_nothing(
    staff_client: Client, plain_affiliation: Request
) -> None:
    response = staff_client.post(reverse("backoffice:bulk"), {})
    assert flashed(response) == ["Sélectionnez au moins un dossier."]
    assert state_of(plain_affiliation) == (State.IN_PROGRESS, MembershipStatus.SIGNED)


@pytest.mark.django_db
def test_the_employer_lists_follow_the_mise_en_gestion(
    staff_client: Client, client_a: Client, company_a: Company, affiliation: Request
) -> None:
    decide(staff_client, affiliation, "mettre-en-gestion")
    employees = text(client_a.get(reverse("employer:employees", args=[company_a.pk])))
    assert "Mis en gestion - Date d'effet 01/03/2024" in employees
    requests_page = text(client_a.get(reverse("tracking:requests", args=[company_a.pk])))
    assert "Clôturée" in requests_page
    employee_page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, affiliation.employee_id]))
    )
    assert "— Demande clôturée</li>" in employee_page
    assert "Mis en gestion - Date d'effet 01/03/2024" in employee_page


@pytest.mark.django_db
def test_the_employer_timeline_shows_the_processing_then_the_closed_step(
    staff_client: Client, client_a: Client, company_a: Company, affiliation: Request
) -> None:
    decide(staff_client, affiliation, "mettre-en-gestion")
    employee_page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, affiliation.employee_id]))
    )
    assert "<h3>Affiliation — Clôturée</h3>" in employee_page
    signed = employee_page.index("— Adhésion signée par le salarié</li>")  # "En cours" begins
    closed = employee_page.index("— Demande clôturée</li>")
    assert signed < closed
    closed_tab = text(
        client_a.get(reverse("tracking:requests", args=[company_a.pk]), {"etat": "closed"})
    )
    assert '<span class="badge badge--closed">Clôturée</span>' in closed_tab
    assert "Cedric SIMON" in closed_tab
