"""Signing the enrollment: what the signature changes for the membership and the employer."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.transactions import within_business_event
from portal.enrollment.dossiers import Dossier
from portal.enrollment.journey import dossier_pdf
from portal.enrollment.models import DebitMandate, JourneyStep, Membership, MembershipStatus
from portal.enrollment.services import move_membership
from portal.notifications.services import send_email
from portal.signatures.errors import SignatureError
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope
from portal.tracking.models import EventKind, Reason, Request, State
from portal.tracking.services import move_request


def dossier_documents(membership: Membership) -> list[tuple[str, str, bytes]]:
    """The dossier to sign as it stands now: one PDF, the bulletins and the SEPA mandate."""
    return [("Dossier d'adhésion", "enrollment", dossier_pdf(membership))]


@within_business_event
def sign_enrollment(*, envelope: SignatureEnvelope, by: User | None) -> Membership:
    """The employee signed their dossier by SMS code: every membership of the dossier (one per
    contract joined: "La signature entraîne une validation de l'ensemble du dossier") is
    "signed", the SEPA mandate too, and the affiliation request goes "En cours" for the
    insurer to check. Returns the dossier's lead.

    The effect of signing an enrollment envelope (registered in `SignaturesConfig.ready()`):
    it commits with the signature or not at all. Refused unless the membership is still
    pre-enrolled (signed, waived or terminated meanwhile): the signature is then rolled back.
    """
    assert envelope.purpose == Purpose.ENROLLMENT
    assert envelope.status == EnvelopeStatus.SIGNED and envelope.signed_at is not None
    membership = Membership.objects.select_for_update().get(pk=envelope.membership_id)
    if membership.status != MembershipStatus.PRE_ENROLLED:
        raise BusinessError(SignatureError.ENROLLMENT_NOT_SIGNABLE)
    now = timezone.now()
    dossier = Dossier.of(membership, lock=True)
    for member in dossier.memberships:
        move_membership(
            member.pk,
            MembershipStatus.SIGNED,
            by=by,
            now=now,
            signed_at=envelope.signed_at,
            journey_step=JourneyStep.SIGNATURE,
        )
    DebitMandate.objects.filter(
        membership_id__in=dossier.ids, signed_at=None, revoked_at=None
    ).update(signed_at=envelope.signed_at)
    requests = _affiliation_requests(membership, State.WAITING)
    for request in requests:
        move_request(request, State.IN_PROGRESS, event=EventKind.SIGNED, by=by, now=now)
    audit.record(
        AuditAction.ENROLLMENT_SIGNED,
        by=by,
        target=membership,
        company_id=membership.contract.company_id,
        envelope=envelope.pk,
        memberships=dossier.ids,
        affiliation_requests=[r.pk for r in requests],
    )
    membership.refresh_from_db()
    return membership


def _affiliation_requests(membership: Membership, state: str) -> list[Request]:
    """The employee's affiliation requests in `state`: one per declaration, for every contract
    it joined (a contract joined later has its own, signed in the same dossier)."""
    return list(
        Request.objects.select_for_update()
        .filter(employee_id=membership.employee_id, reason=Reason.AFFILIATION, state=state)
        .order_by("pk")
    )


def _signed_of(membership: Membership) -> Membership:
    """The signed membership an affiliation request is about, locked: its own, or — the
    request of a dossier whose health membership was waived meanwhile — the employee's signed
    one (the provident contract they went on to sign)."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status == MembershipStatus.SIGNED:
        return locked
    signed = (
        Membership.objects.select_for_update()
        .filter(employee_id=locked.employee_id, status=MembershipStatus.SIGNED)
        .order_by("pk")
        .first()
    )
    return signed or locked


@transaction.atomic(durable=True)
def close_enrollment(*, membership: Membership, by: User) -> Membership:
    """ "Mettre en gestion": the insurer checked a signed dossier. The request is "Clôturée",
    every membership of the dossier "Mis en gestion" and the employee told by e-mail (on
    commit). Of two staff deciding at once, the second is refused (`ALREADY_DECIDED`)."""
    locked = _signed_of(membership)
    if locked.status == MembershipStatus.ACTIVE:  # another staff member decided first
        raise BusinessError(SignatureError.ALREADY_DECIDED)
    if locked.status != MembershipStatus.SIGNED:
        raise BusinessError(SignatureError.CLOSE_NOT_SIGNED)
    now = timezone.now()
    dossier = Dossier.of(locked, lock=True)
    for member in dossier.memberships:
        move_membership(member.pk, MembershipStatus.ACTIVE, by=by, now=now)
    locked.refresh_from_db()
    for request in _affiliation_requests(locked, State.IN_PROGRESS):
        move_request(request, State.CLOSED, event=EventKind.CLOSED, by=by, now=now)
    employee = locked.employee
    if employee.email:  # a letter-only employee hears it from their employer
        send_email(
            to=employee.email,
            template="enrollment_closed",
            context={"employee": employee, "membership": locked, "dossier": dossier},
        )
    audit.record(
        AuditAction.ENROLLMENT_CLOSED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        memberships=dossier.ids,
    )
    return locked


@transaction.atomic(durable=True)
def send_back_enrollment(*, membership: Membership, reason: str, by: User) -> Membership:
    """The insurer sends a signed dossier back to the employee to correct: it becomes
    editable again and must be signed anew; the signed dossier stays as evidence ("renvoyé")."""
    reason = " ".join(reason.split())
    if not reason:
        raise BusinessError(SignatureError.CORRECTION_REASON_REQUIRED)
    locked = _signed_of(membership)
    if locked.status == MembershipStatus.ACTIVE:  # another staff member decided first
        raise BusinessError(SignatureError.ALREADY_DECIDED)
    if locked.status != MembershipStatus.SIGNED:
        raise BusinessError(SignatureError.RETURN_NOT_SIGNED)
    now = timezone.now()
    dossier = Dossier.of(locked, lock=True)
    for member in dossier.memberships:
        move_membership(
            member.pk,
            MembershipStatus.PRE_ENROLLED,
            by=by,
            now=now,
            signed_at=None,
            journey_step=JourneyStep.BANK,  # every step stays filled in; only signing remains
        )
    locked.refresh_from_db()
    SignatureEnvelope.objects.filter(
        membership_id__in=dossier.ids, purpose=Purpose.ENROLLMENT, status=EnvelopeStatus.SIGNED
    ).update(status=EnvelopeStatus.RETURNED)
    DebitMandate.objects.filter(membership_id__in=dossier.ids, revoked_at=None).update(
        signed_at=None
    )
    for request in _affiliation_requests(locked, State.IN_PROGRESS):
        move_request(request, State.WAITING, event=EventKind.SENT_BACK, by=by, now=now)
    employee = locked.employee
    if employee.email:
        send_email(
            to=employee.email,
            template="enrollment_sent_back",
            context={"employee": employee, "membership": locked, "reason": reason},
        )
    audit.record(
        AuditAction.ENROLLMENT_SENT_BACK,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        reason=reason,
        memberships=dossier.ids,
    )
    return locked
