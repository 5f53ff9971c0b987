"""Signing a new SEPA mandate from "Mes coordonnées bancaires": what the signature changes."""

from __future__ import annotations

from portal.accounts.models import User
from portal.core.transactions import within_business_event
from portal.enrollment.mandates import apply_mandate_change
from portal.enrollment.models import DebitMandate
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope


@within_business_event
def sign_mandate(*, envelope: SignatureEnvelope, by: User | None) -> DebitMandate:
    """The effect of signing a mandate envelope (registered in `SignaturesConfig.ready()`):
    the new mandate in force, the old one revoked, in the signature's transaction."""
    assert envelope.purpose == Purpose.MANDATE
    assert envelope.status == EnvelopeStatus.SIGNED and envelope.signed_at is not None
    return apply_mandate_change(
        membership_id=envelope.membership_id,
        signed_at=envelope.signed_at,
        by=by,
        envelope_id=envelope.pk,
    )
