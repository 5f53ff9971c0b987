"""The insurer checks a signed waiver's proof, then accepts ("Accepter la dispense") or refuses
it ("Refuser la dispense"): one durable decision each."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import declare, file_copy_of_the_database, in_threads, make_user
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership, MembershipStatus
from portal.notifications.models import OutboundMessage
from portal.tracking.models import EventKind, Reason, Request, State
from portal.waivers.models import Waiver, WaiverStatus
from portal.waivers.services import grant_waiver, record_signature, refuse_waiver
from portal.waivers.tests.test_services import SIGNED_PDF, ask

REASON = "L'attestation fournie a expiré le 31/12/2023 : fournissez une attestation en cours."


@pytest.fixture
def agent(db: None) -> User:
    return make_user("agent@assureur.example", Role.STAFF, is_staff=True)


@pytest.fixture
def signed(membership: Membership) -> Waiver:
    """A waiver signed by the employee, waiting for the insurer's check."""
    return record_signature(waiver=ask(membership), signed_request_pdf=SIGNED_PDF, by=None)


def timeline(request: Request) -> list[tuple[str, str]]:
    return list(request.events.order_by("pk").values_list("kind", "note"))


@pytest.mark.django_db
def test_accepting_grants_the_waiver_waives_the_membership_and_closes_the_requests(
    signed: Waiver, membership: Membership, agent: User
) -> None:
    invitation = membership.invitations.get()

    waiver = grant_waiver(waiver_id=signed.pk, by=agent)

    waiver.refresh_from_db()
    assert (waiver.status, waiver.decided_by, waiver.refusal_reason) == (
        WaiverStatus.GRANTED,
        agent,
        "",
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.WAIVED
    assert membership.status_changed_at == waiver.decided_at
    request = Request.objects.get(reason=Reason.WAIVER)
    assert (request.state, request.closed_at) == (State.CLOSED, waiver.decided_at)
    assert timeline(request) == [
        (EventKind.CREATED, ""),
        (EventKind.WAIVER_SIGNED, ""),
        (EventKind.WAIVER_GRANTED, ""),
    ]
    affiliation = Request.objects.get(reason=Reason.AFFILIATION)
    assert affiliation.state == State.CANCELLED
    assert timeline(affiliation)[-1] == (EventKind.WAIVER_GRANTED, "")
    invitation.refresh_from_db()
    assert invitation.revoked_at == waiver.decided_at  # the link stops working
    message = OutboundMessage.objects.get(template="waiver_granted")
    assert (message.recipient, message.subject) == (
        membership.employee.email,
        "Votre dispense d'adhésion est accordée",
    )
    assert "Bénéficiaire de la Complémentaire santé solidaire) : elle est accordée" in (
        message.body_text
    )
    assert "jusqu'au 31/03/2025" in message.body_text
    assert list(
        AuditEvent.objects.filter(action="waiver_granted").values_list("actor", "details")
    ) == [
        (
            agent.pk,
            {
                "case": "solidarity_health_cover",
                "membership": membership.pk,
                "request_id": request.pk,
            },
        )
    ]


@pytest.mark.django_db
def test_refusing_keeps_the_affiliation_waiting_and_tells_the_employee_why(
    signed: Waiver, membership: Membership, agent: User
) -> None:
    invitation = membership.invitations.get()

    waiver = refuse_waiver(waiver_id=signed.pk, reason=f"  {REASON}\n", by=agent)

    waiver.refresh_from_db()
    assert (waiver.status, waiver.decided_by, waiver.refusal_reason) == (
        WaiverStatus.REFUSED,
        agent,
        REASON,
    )
    assert waiver.decided_at is not None
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED  # the employee must enroll
    assert membership.editable_by_employee
    request = Request.objects.get(reason=Reason.WAIVER)
    assert request.get_state_display() == "Annulée"
    assert timeline(request)[-1] == (EventKind.WAIVER_REFUSED, REASON)
    affiliation = Request.objects.get(reason=Reason.AFFILIATION)
    assert affiliation.state == State.WAITING
    invitation.refresh_from_db()
    assert invitation.revoked_at is None  # the link still works
    message = OutboundMessage.objects.get(template="waiver_refused")
    assert message.subject == "Votre demande de dispense d'adhésion est refusée"
    assert f"Motif : {REASON}" in message.body_text
    assert "pour adhérer en ligne" in message.body_text
    assert message.body_html.count("Besoin d'aide") == 1
    assert AuditEvent.objects.get(action="waiver_refused").details["reason"] == REASON


@pytest.mark.django_db
def test_after_a_refusal_the_employee_may_ask_a_new_waiver(
    signed: Waiver, membership: Membership, agent: User
) -> None:
    refuse_waiver(waiver_id=signed.pk, reason=REASON, by=agent)
    again = record_signature(waiver=ask(membership), signed_request_pdf=SIGNED_PDF, by=None)
    assert again.status == WaiverStatus.SIGNED
    assert Request.objects.filter(reason=Reason.WAIVER, state=State.IN_PROGRESS).count() == 1


@pytest.mark.django_db
def test_a_refusal_needs_a_reason_and_changes_nothing_without_one(
    signed: Waiver, membership: Membership, agent: User
) -> None:
    with pytest.raises(BusinessError) as error:
        refuse_waiver(waiver_id=signed.pk, reason=" \n ", by=agent)
    assert (error.value.code, error.value.message) == (
        "waiver_refusal_reason_required",
        "Indiquez le motif du refus : il est communiqué au salarié.",
    )
    signed.refresh_from_db()
    membership.refresh_from_db()
    assert (signed.status, membership.status) == (
        WaiverStatus.SIGNED,
        MembershipStatus.WAIVER_REQUESTED,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("decide", ["grant", "refuse"])
def test_a_waiver_not_awaiting_review_cannot_be_decided(
    membership: Membership, agent: User, decide: str
) -> None:
    unsigned = ask(membership)
    with pytest.raises(BusinessError) as error:
        if decide == "grant":
            grant_waiver(waiver_id=unsigned.pk, by=agent)
        else:
            refuse_waiver(waiver_id=unsigned.pk, reason=REASON, by=agent)
    assert (error.value.code, error.value.message) == (
        "waiver_not_to_review",
        "Cette dispense n'est pas à vérifier : elle a déjà été accordée ou refusée, ou n'est "
        "pas encore signée.",
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
    signed = record_signature(waiver=unsigned, signed_request_pdf=SIGNED_PDF, by=None)
    grant_waiver(waiver_id=signed.pk, by=agent)
    with pytest.raises(BusinessError) as error:
        if decide == "grant":
            grant_waiver(waiver_id=signed.pk, by=agent)
        else:
            refuse_waiver(waiver_id=signed.pk, reason=REASON, by=agent)
    assert error.value.code == "waiver_not_to_review"
    assert AuditEvent.objects.filter(action="waiver_granted").count() == 1
    assert OutboundMessage.objects.filter(template__startswith="waiver_").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("decide", ["grant", "refuse"])
def test_a_decision_failing_late_leaves_nothing_half_done(
    signed: Waiver,
    membership: Membership,
    agent: User,
    monkeypatch: pytest.MonkeyPatch,
    decide: str,
) -> None:
    def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("portal.waivers.services.audit.record", broken_audit)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        if decide == "grant":
            grant_waiver(waiver_id=signed.pk, by=agent)
        else:
            refuse_waiver(waiver_id=signed.pk, reason=REASON, by=agent)
    signed.refresh_from_db()
    membership.refresh_from_db()
    assert (signed.status, signed.decided_at, signed.refusal_reason) == (
        WaiverStatus.SIGNED,
        None,
        "",
    )
    assert membership.status == MembershipStatus.WAIVER_REQUESTED
    assert dict(Request.objects.values_list("reason", "state")) == {
        Reason.AFFILIATION: State.WAITING,
        Reason.WAIVER: State.IN_PROGRESS,
    }
    assert membership.invitations.get().revoked_at is None
    assert not OutboundMessage.objects.filter(template__startswith="waiver_").exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_at_once_make_one_decision(company: Company, tmp_path: Path) -> None:
    # No address: an earlier transactional test may have emptied the postal code list.
    request = declare(
        company,
        hire_date=date(2024, 5, 15),
        effective_date=date(2024, 5, 15),
        street_number="",
        street_name="",
        postal_code="",
        city="",
    )
    assert request.membership is not None
    asked = ask(request.membership)
    with transaction.atomic(durable=True):  # the signature's transaction
        waiver = record_signature(waiver=asked, signed_request_pdf=SIGNED_PDF, by=None)
    first = make_user("agent1@assureur.example", Role.STAFF, is_staff=True)
    second = make_user("agent2@assureur.example", Role.STAFF, is_staff=True)

    def accept() -> str:
        try:
            grant_waiver(waiver_id=waiver.pk, by=first)
        except BusinessError as error:
            return error.code
        return "granted"

    def refuse() -> str:
        try:
            refuse_waiver(waiver_id=waiver.pk, reason=REASON, by=second)
        except BusinessError as error:
            return error.code
        return "refused"

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(accept, refuse)
        ((status, events, messages),) = in_threads(
            lambda: (
                Waiver.objects.get(pk=waiver.pk).status,
                Request.objects.get(reason=Reason.WAIVER).events.count(),
                OutboundMessage.objects.filter(template__startswith="waiver_").count(),
            )
        )
    assert sorted(outcomes) in (
        ["granted", "waiver_not_to_review"],
        ["refused", "waiver_not_to_review"],
    )
    assert status == (WaiverStatus.GRANTED if "granted" in outcomes else WaiverStatus.REFUSED)
    assert (events, messages) == (3, 1)  # created, signed, one decision; one e-mail


@pytest.mark.django_db
def test_the_database_refuses_a_refusal_without_reason(signed: Waiver) -> None:
    with pytest.raises(IntegrityError):
        Waiver.objects.filter(pk=signed.pk).update(
            status=WaiverStatus.REFUSED, decided_at=timezone.now()
        )
