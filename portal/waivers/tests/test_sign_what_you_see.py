"""Signing a waiver signs what was shown: a case switched in another tab signs nothing."""

from __future__ import annotations

import pytest

from portal.core.errors import BusinessError
from portal.enrollment.models import Membership, MembershipStatus
from portal.signatures.contents import content_sha256
from portal.signatures.models import EnvelopeStatus, EvidenceKind, Purpose, SignatureEnvelope
from portal.signatures.services import verify_code
from portal.signatures.tests.conftest import META
from portal.waivers.models import Waiver, WaiverStatus
from portal.waivers.tests.test_services import ask, waiver_envelope


@pytest.mark.django_db
def test_a_waiver_case_switched_in_another_tab_signs_nothing_and_shows_the_new_request(
    membership: Membership,
) -> None:
    first = ask(membership, case_code="solidarity_health_cover")
    envelope, code = waiver_envelope(first)
    # Another tab asks another case; its envelope was not made (the first is still open).
    second = ask(membership, case_code="covered_elsewhere", end_date=None)

    with pytest.raises(BusinessError) as refused:
        verify_code(envelope=envelope, code=code, meta=META)

    assert refused.value.code == "content_changed"
    assert refused.value.message.startswith("Vos informations ont été modifiées depuis")
    # One draft per membership: the second request replaced the first, unsigned.
    assert second.pk == first.pk
    assert list(Waiver.objects.values_list("pk", "status", "case_code")) == [
        (first.pk, WaiverStatus.REQUESTED, "covered_elsewhere")
    ]
    assert not Waiver.objects.exclude(signed_request_pdf="").exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.ABANDONED
    assert envelope.codes.get().revoked_at is not None
    assert envelope.evidence_events.filter(kind=EvidenceKind.CONTENT_CHANGED).count() == 1
    remade = SignatureEnvelope.objects.get(status=EnvelopeStatus.PREPARED)
    # The new envelope holds the request of the case asked last, hashed with its data.
    assert remade.documents.get().unsigned_sha256 == second.request_sha256
    assert remade.content_sha256 == content_sha256(Purpose.WAIVER, membership)
    assert remade.content_sha256 != envelope.content_sha256


@pytest.mark.django_db
def test_the_remade_waiver_envelope_signs_the_case_asked_last(membership: Membership) -> None:
    first = ask(membership, case_code="solidarity_health_cover")
    envelope, code = waiver_envelope(first)
    second = ask(membership, case_code="covered_elsewhere", end_date=None)
    with pytest.raises(BusinessError):
        verify_code(envelope=envelope, code=code, meta=META)
    remade, code = waiver_envelope(second)  # the employee reads it again and signs it

    signed = verify_code(envelope=remade, code=code, meta=META)

    second.refresh_from_db()
    assert signed.status == EnvelopeStatus.SIGNED
    assert (second.status, second.case_code) == (WaiverStatus.SIGNED, "covered_elsewhere")
    assert list(Waiver.objects.values_list("pk", flat=True)) == [first.pk]  # one, replaced
