"""Fixtures of the signature tests: a declared employee's membership and an envelope."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.test import TestCase
from fpdf import FPDF

from conftest import declare
from portal.enrollment.models import Membership
from portal.notifications.backends import MemoryBackend
from portal.notifications.models import Channel
from portal.signatures.models import SignatureEnvelope
from portal.signatures.services import (
    RequestMeta,
    prepare_envelope,
    record_consent,
    send_code,
)

META = RequestMeta(ip="203.0.113.7", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
PHONE = "06 64 93 27 96"
CONSENT = (
    "Je certifie avoir répondu avec exactitude aux déclarations faites en ligne et je reconnais "
    "avoir pris connaissance du présent bulletin d'adhésion"
)


def make_pdf(text: str, *, compress: bool = True) -> bytes:
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def documents() -> list[tuple[str, str, bytes]]:
    return [
        ("Bulletin d'adhésion santé", "enrollment_form", make_pdf("Bulletin d'adhesion")),
        ("Mandat de prélèvement SEPA", "debit_mandate", make_pdf("Mandat SEPA")),
    ]


def last_sms_code() -> str:
    """The code in the last SMS delivered, read as the employee reads it on their phone."""
    sms = [d for d in MemoryBackend.delivered if d.channel == Channel.SMS][-1]
    match = re.search(r"votre code de signature est (\d{6})\.", sms.body_text)
    assert match, sms.body_text
    return match.group(1)


def send(envelope: SignatureEnvelope, *, now: datetime | None = None, phone: str = PHONE) -> str:
    """Send a code (committing its side effects) and return it as read in the SMS."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_code(envelope=envelope, phone=phone, meta=META, now=now)
    return last_sms_code()


@pytest.fixture
def membership(company_a: Any) -> Membership:
    # No postal address: transactional tests run after a flush that empties the postal codes.
    request = declare(company_a, street_number="", street_name="", postal_code="", city="")
    assert request.membership is not None
    membership: Membership = request.membership
    return membership


@pytest.fixture
def envelope(membership: Membership) -> SignatureEnvelope:
    return prepare_envelope(
        membership=membership, purpose="enrollment", documents=documents(), by=None, meta=META
    )


@pytest.fixture
def consented(envelope: SignatureEnvelope) -> SignatureEnvelope:
    record_consent(envelope=envelope, wording=CONSENT, version="2024-01", meta=META)
    return envelope
