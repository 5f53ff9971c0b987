from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import time_machine
from django.db import connection
from django.test import Client, TestCase
from django.utils import timezone

from conftest import file_copy_of_the_database, in_threads
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership
from portal.notifications.backends import MemoryBackend
from portal.notifications.models import Channel, MessageStatus, OutboundMessage
from portal.signatures import pades
from portal.signatures.models import (
    ConsentRecord,
    EnvelopeStatus,
    EvidenceEvent,
    OneTimeCode,
    SignatureEnvelope,
    SignedDocument,
)
from portal.signatures.services import (
    TamperedDocument,
    prepare_envelope,
    record_consent,
    send_code,
    verify_code,
)
from portal.signatures.tests.conftest import (
    CONSENT,
    META,
    PHONE,
    documents,
    make_pdf,
    send,
)

T = TypeVar("T")
CALL = "Pour signer, appelez nos conseillers au 0 980 98 98 23."


def kinds(envelope: SignatureEnvelope) -> list[str]:
    return list(envelope.evidence_events.order_by("at", "id").values_list("kind", flat=True))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def sms_count() -> int:
    return OutboundMessage.objects.filter(channel=Channel.SMS).count()


@pytest.mark.django_db
def test_preparing_stores_each_pdf_with_its_hash(membership: Membership) -> None:
    pdfs = documents()
    envelope = prepare_envelope(
        membership=membership, purpose="enrollment", documents=pdfs, by=None, meta=META
    )
    stored = list(envelope.documents.order_by("position"))
    assert [(d.position, d.name, d.kind) for d in stored] == [
        (1, "Bulletin d'adhésion santé", "enrollment_form"),
        (2, "Mandat de prélèvement SEPA", "debit_mandate"),
    ]
    for document, (_, _, pdf) in zip(stored, pdfs, strict=True):
        assert document.unsigned_file.read() == pdf
        assert document.unsigned_sha256 == hashlib.sha256(pdf).hexdigest()
        assert document.signed_file.name == ""
        assert membership.employee.last_name not in str(document.unsigned_file.name)
    assert envelope.status == EnvelopeStatus.PREPARED
    event = envelope.evidence_events.get()
    assert (event.kind, event.ip_address, event.user_agent) == (
        "documents_prepared",
        "203.0.113.7",
        META.user_agent,
    )
    assert event.details["documents"][0]["sha256"] == stored[0].unsigned_sha256
    audit = AuditEvent.objects.get(action="signature_envelope_prepared")
    assert audit.target_id == str(envelope.pk)
    assert audit.details == {"purpose": "enrollment", "documents": 2, "abandoned": []}


@pytest.mark.django_db
def test_preparing_again_abandons_the_envelope_in_progress(
    consented: SignatureEnvelope, membership: Membership
) -> None:
    send(consented)
    newer = prepare_envelope(
        membership=membership, purpose="enrollment", documents=documents(), by=None
    )
    consented.refresh_from_db()
    assert consented.status == EnvelopeStatus.ABANDONED
    assert consented.abandoned_at is not None
    assert consented.codes.get().revoked_at is not None
    assert newer.status == EnvelopeStatus.PREPARED
    with pytest.raises(BusinessError) as error:
        send_code(envelope=consented, phone=PHONE, meta=META)
    assert error.value.code == "envelope_abandoned"


@pytest.mark.django_db
def test_preparing_is_refused_once_the_membership_signed_for_that_purpose(
    consented: SignatureEnvelope, membership: Membership
) -> None:
    verify_code(envelope=consented, code=send(consented), meta=META)
    documents_before = SignedDocument.objects.count()
    with pytest.raises(BusinessError) as error:
        prepare_envelope(
            membership=membership, purpose="enrollment", documents=documents(), by=None
        )
    assert error.value.code == "already_signed"
    assert error.value.message == (
        "Ce dossier est déjà signé : il ne peut pas être signé une deuxième fois."
    )
    assert SignatureEnvelope.objects.count() == 1
    assert SignedDocument.objects.count() == documents_before
    # Another purpose (a waiver) is another envelope.
    waiver = prepare_envelope(
        membership=membership, purpose="waiver", documents=documents(), by=None
    )
    assert waiver.status == EnvelopeStatus.PREPARED


@pytest.mark.django_db
def test_preparing_refuses_a_file_that_is_not_a_pdf(membership: Membership) -> None:
    with pytest.raises(ValueError, match="is not a PDF"):
        prepare_envelope(
            membership=membership,
            purpose="enrollment",
            documents=[("Bulletin", "enrollment_form", b"<html>")],
            by=None,
        )
    assert SignatureEnvelope.objects.count() == 0


@pytest.mark.django_db
def test_a_consent_keeps_its_wording_version_and_time_once(envelope: SignatureEnvelope) -> None:
    first = record_consent(envelope=envelope, wording=CONSENT, version="2024-01", meta=META)
    again = record_consent(envelope=envelope, wording=CONSENT, version="2024-01", meta=META)
    assert again.pk == first.pk
    consent = ConsentRecord.objects.get()
    assert (consent.wording, consent.version) == (CONSENT, "2024-01")
    assert consent.ticked_at is not None
    assert kinds(envelope) == ["documents_prepared", "consent_ticked"]
    event = envelope.evidence_events.get(kind="consent_ticked")
    assert event.details == {"wording": CONSENT, "version": "2024-01"}


@pytest.mark.django_db
def test_no_code_is_sent_before_a_box_is_ticked(envelope: SignatureEnvelope) -> None:
    with pytest.raises(BusinessError) as error:
        send_code(envelope=envelope, phone=PHONE, meta=META)
    assert (error.value.code, error.value.message) == (
        "consent_missing",
        "Veuillez cocher les cases d'acceptation avant de signer.",
    )
    assert OneTimeCode.objects.count() == 0
    assert sms_count() == 0


@pytest.mark.django_db
def test_sending_a_code_texts_it_and_keeps_only_its_hmac(consented: SignatureEnvelope) -> None:
    code = send(consented)
    one_time_code = OneTimeCode.objects.get()
    assert code not in {one_time_code.code_hash, one_time_code.salt}
    assert len(one_time_code.code_hash) == 64
    assert one_time_code.expires_at - one_time_code.sent_at == timedelta(minutes=10)
    sms = OutboundMessage.objects.get(channel=Channel.SMS)
    assert sms.recipient == "+33664932796"
    # The outbox keeps the redacted text and nothing sealed once delivered; the phone got it.
    assert sms.body_text == (
        "Mutuelle Démo : votre code de signature est [code envoyé]. Il est valable 10 minutes. "
        "Ne le communiquez à personne."
    )
    assert sms.sealed == ""
    assert MemoryBackend.delivered[-1].body_text == (
        f"Mutuelle Démo : votre code de signature est {code}. Il est valable 10 minutes. "
        "Ne le communiquez à personne."
    )
    assert sms.status == MessageStatus.SENT  # through the outbox backend, after commit
    consented.refresh_from_db()
    assert consented.status == EnvelopeStatus.CODE_SENT
    assert consented.codes_sent == 1
    assert (consented.phone, consented.phone_masked) == ("+33664932796", "06 •• •• 27 96")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM signatures_signatureenvelope")
        (stored_phone,) = cursor.fetchone()
    assert "664932796" not in stored_phone  # encrypted at rest
    event = consented.evidence_events.get(kind="code_sent")
    assert event.phone_masked == "06 •• •• 27 96"
    assert code not in str(event.details)


@pytest.mark.django_db
def test_the_dev_outbox_shows_the_sms_code_in_the_demo(
    consented: SignatureEnvelope, client: Client, settings: Any
) -> None:
    settings.DEV_OUTBOX = True
    settings.SMS_BACKEND = "portal.notifications.backends.DevOutboxBackend"
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_code(envelope=consented, phone=PHONE, meta=META)
    page = client.get("/dev/outbox/").content.decode()
    assert re.search(r"votre code de signature est \d{6}\. Il est valable", page)
    assert "[code envoyé]" not in page  # the phone's copy, not the outbox's redacted one


@pytest.mark.django_db
def test_a_number_that_is_not_a_mobile_sends_nothing(consented: SignatureEnvelope) -> None:
    with pytest.raises(BusinessError) as error:
        send_code(envelope=consented, phone="01 23 45 67 89", meta=META)
    assert error.value.code == "phone_not_mobile"
    consented.refresh_from_db()
    assert (consented.status, consented.codes_sent, consented.phone) == ("prepared", 0, "")
    assert OneTimeCode.objects.count() == 0
    assert sms_count() == 0


@pytest.mark.django_db
def test_a_new_code_replaces_the_previous_one(consented: SignatureEnvelope) -> None:
    first = send(consented)
    second = send(consented, phone="07 81 23 45 67")
    codes = list(consented.codes.order_by("sent_at", "id"))
    assert codes[0].revoked_at is not None
    assert codes[1].revoked_at is None
    consented.refresh_from_db()
    assert consented.phone_masked == "07 •• •• 45 67"
    if first != second:
        with pytest.raises(BusinessError) as error:
            verify_code(envelope=consented, code=first, meta=META)
        assert error.value.code == "code_wrong"
    signed = verify_code(envelope=consented, code=second, meta=META)
    assert signed.status == EnvelopeStatus.SIGNED


@pytest.mark.django_db
def test_three_resends_then_the_person_must_call_the_advisers(
    consented: SignatureEnvelope,
) -> None:
    for _ in range(4):
        send(consented)
    with pytest.raises(BusinessError) as error:
        send_code(envelope=consented, phone=PHONE, meta=META)
    assert (error.value.code, error.value.message) == (
        "too_many_codes",
        "Vous avez déjà demandé le nombre maximal de codes. " + CALL,
    )
    consented.refresh_from_db()
    assert consented.codes_sent == 4
    assert consented.codes.count() == 4
    assert sms_count() == 4


@pytest.mark.django_db
def test_a_code_expires_after_10_minutes(consented: SignatureEnvelope) -> None:
    code = send(consented)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)),
        pytest.raises(BusinessError) as error,
    ):
        verify_code(envelope=consented, code=code, meta=META)
    assert error.value.code == "code_expired"
    assert error.value.message == (
        "Ce code a expiré (il est valable 10 minutes). "
        "Cliquez sur « Je n'ai pas reçu le code » pour en recevoir un nouveau."
    )
    consented.refresh_from_db()
    assert consented.status == EnvelopeStatus.CODE_SENT
    assert consented.codes.get().used_at is None
    failed = consented.evidence_events.get(kind="code_failed")
    assert failed.details["reason"] == "code_expired"


@pytest.mark.django_db
def test_a_code_still_works_just_before_10_minutes(consented: SignatureEnvelope) -> None:
    code = send(consented)
    with time_machine.travel(timezone.now() + timedelta(minutes=9, seconds=50)):
        signed = verify_code(envelope=consented, code=code, meta=META)
    assert signed.status == EnvelopeStatus.SIGNED


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_code_until_a_new_one_is_sent(
    consented: SignatureEnvelope,
) -> None:
    code = send(consented)
    messages = []
    for _ in range(5):
        with pytest.raises(BusinessError) as error:
            verify_code(envelope=consented, code=wrong(code), meta=META)
        messages.append(error.value.message)
    assert messages == [
        "Code incorrect : il vous reste 4 essai(s).",
        "Code incorrect : il vous reste 3 essai(s).",
        "Code incorrect : il vous reste 2 essai(s).",
        "Code incorrect : il vous reste 1 essai(s).",
        "Vous avez saisi 5 codes incorrects : ce code n'est plus valable. "
        "Cliquez sur « Je n'ai pas reçu le code » pour en recevoir un nouveau.",
    ]
    one_time_code = consented.codes.get()
    assert one_time_code.wrong_attempts == 5
    assert one_time_code.revoked_at is not None
    # The right code no longer works either.
    with pytest.raises(BusinessError) as error:
        verify_code(envelope=consented, code=code, meta=META)
    assert error.value.code == "too_many_attempts"
    consented.refresh_from_db()
    assert consented.status == EnvelopeStatus.CODE_SENT
    assert kinds(consented)[3:] == ["code_failed"] * 5 + ["locked", "code_failed"]
    # A new code signs.
    signed = verify_code(envelope=consented, code=send(consented), meta=META)
    assert signed.status == EnvelopeStatus.SIGNED


@pytest.mark.django_db
def test_a_malformed_code_is_not_counted_as_a_try(consented: SignatureEnvelope) -> None:
    send(consented)
    with pytest.raises(BusinessError) as error:
        verify_code(envelope=consented, code="12 34", meta=META)
    assert error.value.code == "code_malformed"
    assert consented.codes.get().wrong_attempts == 0


@pytest.mark.django_db
def test_the_right_code_signs_every_document(consented: SignatureEnvelope) -> None:
    code = send(consented)
    signed = verify_code(envelope=consented, code=f" {code[:3]} {code[3:]} ", meta=META)
    assert signed.status == EnvelopeStatus.SIGNED
    assert signed.signed_at is not None
    for document in signed.documents.all():
        pdf = document.signed_file.read()
        unsigned = document.unsigned_file.read()
        assert pdf.startswith(unsigned)  # an incremental update: the shown bytes are kept
        assert b"/ETSI.CAdES.detached" in pdf
        assert document.signed_sha256 == hashlib.sha256(pdf).hexdigest()
    assert signed.codes.get().used_at == signed.signed_at
    assert kinds(signed) == [
        "documents_prepared",
        "consent_ticked",
        "code_sent",
        "code_verified",
        "signed",
    ]
    audit = AuditEvent.objects.get(action="signature_signed")
    assert audit.target_id == str(signed.pk)
    assert audit.details == {"documents": 2}


@pytest.mark.django_db
def test_a_used_code_cannot_sign_again(consented: SignatureEnvelope) -> None:
    code = send(consented)
    verify_code(envelope=consented, code=code, meta=META)
    hashes = list(SignedDocument.objects.values_list("signed_sha256", flat=True))
    with pytest.raises(BusinessError) as error:
        verify_code(envelope=consented, code=code, meta=META)
    assert (error.value.code, error.value.message) == (
        "envelope_signed",
        "Ce dossier est déjà signé.",
    )
    with pytest.raises(BusinessError) as error:
        send_code(envelope=consented, phone=PHONE, meta=META)
    assert error.value.code == "envelope_signed"
    assert list(SignedDocument.objects.values_list("signed_sha256", flat=True)) == hashes
    assert kinds(consented).count("signed") == 1
    assert consented.codes.count() == 1


@pytest.mark.django_db
def test_a_code_is_refused_before_any_was_sent(consented: SignatureEnvelope) -> None:
    with pytest.raises(BusinessError) as error:
        verify_code(envelope=consented, code="123456", meta=META)
    assert error.value.code == "code_not_sent"


@pytest.mark.django_db
def test_a_document_changed_after_it_was_shown_is_not_signed(
    consented: SignatureEnvelope,
) -> None:
    code = send(consented)
    document = consented.documents.get(position=2)
    with open(document.unsigned_file.path, "wb") as handle:
        handle.write(make_pdf("Mandat SEPA modifié"))
    with pytest.raises(TamperedDocument):
        verify_code(envelope=consented, code=code, meta=META)
    consented.refresh_from_db()
    assert consented.status == EnvelopeStatus.CODE_SENT
    assert consented.codes.get().used_at is None
    assert not SignedDocument.objects.exclude(signed_sha256="").exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_sign_once(
    consented: SignatureEnvelope, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = send(consented)
    signing = threading.Lock()
    overlaps: list[bool] = []
    sign_pdf = pades.sign_pdf

    def slow_sign_pdf(pdf: bytes, **options: Any) -> bytes:
        # Signing takes long enough for the other submission to arrive meanwhile.
        overlaps.append(not signing.acquire(blocking=False))
        time.sleep(0.2)
        signed = sign_pdf(pdf, **options)
        if not overlaps[-1]:
            signing.release()
        return signed

    monkeypatch.setattr(pades, "sign_pdf", slow_sign_pdf)

    def submit() -> str:
        try:
            verify_code(envelope=consented, code=code, meta=META)
        except BusinessError as error:
            return error.code
        return "signed"

    def counts() -> tuple[int, int, int, int]:
        return (
            EvidenceEvent.objects.filter(kind="code_verified").count(),
            EvidenceEvent.objects.filter(kind="signed").count(),
            AuditEvent.objects.filter(action="signature_signed").count(),
            SignedDocument.objects.exclude(signed_sha256="").count(),
        )

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(submit, submit)
        (after,) = in_threads(counts)
    assert sorted(outcomes) == ["envelope_signed", "signed"]
    assert overlaps == [False, False]  # two documents signed, by one submission at a time
    assert after == (1, 1, 1, 2)
