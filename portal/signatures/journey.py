"""Signing the enrollment: what the signature changes for the membership and the employer."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.enrollment.models import DebitMandate, JourneyStep, Membership, MembershipStatus
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope
from portal.tracking.models import EventKind, Reason, Request, RequestEvent, State


@transaction.atomic
def sign_enrollment(*, envelope: SignatureEnvelope, by: User | None) -> Membership:
    """The employee signed their dossier by SMS code: the membership is "signed", the SEPA
    mandate too, and the affiliation request goes "En cours" for the insurer to check.

    Safe to call twice (a double click): the second call changes nothing.
    """
    assert envelope.purpose == Purpose.ENROLLMENT
    assert envelope.status == EnvelopeStatus.SIGNED and envelope.signed_at is not None
    membership = Membership.objects.select_for_update().get(pk=envelope.membership_id)
    if membership.status != MembershipStatus.PRE_ENROLLED:
        return membership
    now = timezone.now()
    membership.status = MembershipStatus.SIGNED
    membership.status_changed_at = now
    membership.signed_at = envelope.signed_at
    membership.journey_step = JourneyStep.SIGNATURE
    membership.save(update_fields=["status", "status_changed_at", "signed_at", "journey_step"])
    DebitMandate.objects.filter(membership=membership, signed_at=None).update(
        signed_at=envelope.signed_at
    )
    request = (
        Request.objects.select_for_update()
        .filter(membership=membership, reason=Reason.AFFILIATION, state=State.WAITING)
        .first()
    )
    if request is not None:
        request.state = State.IN_PROGRESS
        request.updated_at = now
        request.save(update_fields=["state", "updated_at"])
        RequestEvent.objects.create(request=request, kind=EventKind.SIGNED, actor=by, at=now)
    audit.record(
        "enrollment_signed",
        by=by,
        target=membership,
        company_id=membership.contract.company_id,
        envelope=envelope.pk,
        affiliation_request=request.pk if request else None,
    )
    return membership
