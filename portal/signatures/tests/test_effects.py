"""A signature and its effect are one business event: they commit together or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.core.transactions import TransactionRequired
from portal.enrollment.models import Membership, MembershipStatus
from portal.signatures.effects import effect_of, register_effect
from portal.signatures.journey import sign_enrollment
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope, SignedDocument
from portal.signatures.services import record_consent, verify_code
from portal.signatures.tests.conftest import CONSENT, META, send
from portal.tracking.models import Reason, Request, State

NOT_SIGNABLE = (
    "Votre adhésion ne peut plus être signée : elle a été signée, remplacée par une dispense ou "
    "résiliée entre-temps. Adressez-vous à votre service des ressources humaines."
)


def kinds(envelope: SignatureEnvelope) -> list[str]:
    return list(envelope.evidence_events.order_by("at", "id").values_list("kind", flat=True))


def stored_files(media_root: Path) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def test_signing_an_enrollment_envelope_signs_the_enrollment() -> None:
    assert effect_of(Purpose.ENROLLMENT) is sign_enrollment


def test_a_second_effect_for_the_same_purpose_is_refused() -> None:
    def other(*, envelope: SignatureEnvelope, by: object) -> None:
        raise AssertionError("never called")

    with pytest.raises(ImproperlyConfigured):
        register_effect(Purpose.ENROLLMENT, other)
    register_effect(Purpose.ENROLLMENT, sign_enrollment)  # the same one again is harmless
    assert effect_of(Purpose.ENROLLMENT) is sign_enrollment


@pytest.mark.django_db
def test_the_right_code_signs_the_enrollment_in_the_same_transaction(
    consented: SignatureEnvelope, membership: Membership
) -> None:
    code = send(consented)
    signed = verify_code(envelope=consented, code=code, meta=META)
    membership.refresh_from_db()
    assert (signed.status, membership.status) == (EnvelopeStatus.SIGNED, MembershipStatus.SIGNED)
    assert membership.signed_at == signed.signed_at
    affiliation = Request.objects.get(membership=membership, reason=Reason.AFFILIATION)
    assert affiliation.state == State.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moved_to", [MembershipStatus.TERMINATED, MembershipStatus.WAIVED, MembershipStatus.SIGNED]
)
def test_a_membership_no_longer_pre_enrolled_leaves_the_envelope_unsigned(
    consented: SignatureEnvelope, membership: Membership, media_root: Path, moved_to: str
) -> None:
    code = send(consented)
    files_before = stored_files(media_root)
    Membership.objects.filter(pk=membership.pk).update(status=moved_to)
    with pytest.raises(BusinessError) as error:
        verify_code(envelope=consented, code=code, meta=META)
    assert (error.value.code, error.value.message) == ("enrollment_not_signable", NOT_SIGNABLE)
    consented.refresh_from_db()
    assert (consented.status, consented.signed_at) == (EnvelopeStatus.CODE_SENT, None)
    assert consented.codes.get().used_at is None
    assert not SignedDocument.objects.exclude(signed_sha256="").exists()
    assert stored_files(media_root) == files_before  # no signed PDF left behind
    assert kinds(consented) == [
        "documents_prepared",
        "consent_ticked",
        "code_sent",
        "signing_refused",
    ]
    assert consented.evidence_events.get(kind="signing_refused").details == {
        "code": consented.codes.get().pk,
        "reason": "enrollment_not_signable",
    }
    assert not AuditEvent.objects.filter(action__in=["signature_signed", "enrollment_signed"])
    refused = AuditEvent.objects.get(action="signature_effect_refused")
    assert refused.details == {"reason": "enrollment_not_signable"}
    membership.refresh_from_db()
    assert (membership.status, membership.signed_at) == (moved_to, None)
    affiliation = Request.objects.get(membership=membership, reason=Reason.AFFILIATION)
    assert affiliation.state == State.WAITING


@pytest.mark.django_db
def test_the_unused_code_signs_once_the_refusal_no_longer_holds(
    consented: SignatureEnvelope, membership: Membership
) -> None:
    code = send(consented)
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.TERMINATED)
    with pytest.raises(BusinessError):
        verify_code(envelope=consented, code=code, meta=META)
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.PRE_ENROLLED)
    signed = verify_code(envelope=consented, code=code, meta=META)
    membership.refresh_from_db()
    assert (signed.status, membership.status) == (EnvelopeStatus.SIGNED, MembershipStatus.SIGNED)
    assert kinds(signed)[-3:] == ["signing_refused", "code_verified", "signed"]


@pytest.mark.django_db
def test_a_durable_service_refuses_to_run_inside_another_transaction(
    envelope: SignatureEnvelope,
) -> None:
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable atomic block"):
        record_consent(envelope=envelope, wording=CONSENT, version="2024-01", meta=META)
    assert not envelope.consents.exists()


@pytest.mark.django_db
def test_the_verification_refuses_to_run_inside_another_transaction(
    consented: SignatureEnvelope,
) -> None:
    code = send(consented)
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable atomic block"):
        verify_code(envelope=consented, code=code, meta=META)
    consented.refresh_from_db()
    assert consented.status == EnvelopeStatus.CODE_SENT


@pytest.mark.django_db(transaction=True)
def test_the_enrollment_effect_refuses_to_run_outside_the_signature(
    consented: SignatureEnvelope, membership: Membership
) -> None:
    SignatureEnvelope.objects.filter(pk=consented.pk).update(
        status=EnvelopeStatus.SIGNED, signed_at=timezone.now()
    )
    consented.refresh_from_db()
    with pytest.raises(TransactionRequired):
        sign_enrollment(envelope=consented, by=None)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
