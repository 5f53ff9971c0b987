from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

import pytest
from pyhanko.keys import load_cert_from_pemder

from portal.core.errors import BusinessError
from portal.signatures.models import SignatureEnvelope
from portal.signatures.services import evidence_file, verify_code, verify_evidence_seal
from portal.signatures.tests.conftest import CONSENT, META, send


def signed_envelope(envelope: SignatureEnvelope) -> SignatureEnvelope:
    """A signature after one wrong code."""
    code = send(envelope)
    with pytest.raises(BusinessError):
        verify_code(envelope=envelope, code=f"{(int(code) + 1) % 1_000_000:06d}", meta=META)
    return verify_code(envelope=envelope, code=code, meta=META)


@pytest.mark.django_db
def test_the_evidence_file_holds_documents_consents_events_and_certificate(
    consented: SignatureEnvelope, settings: Any
) -> None:
    envelope = signed_envelope(consented)
    data = evidence_file(envelope)
    assert data.decode("utf-8").startswith('{\n  "record": {')  # indented UTF-8 JSON
    assert "Bulletin d'adhésion santé" in data.decode()  # not \\u-escaped
    record = json.loads(data)["record"]
    assert record["format"] == "portal-signature-evidence/1"
    assert record["envelope"]["id"] == envelope.pk
    assert record["envelope"]["purpose"] == "enrollment"
    assert record["envelope"]["status"] == "signed"
    assert record["signer"]["name"] == "Cédric SIMON"
    assert record["signer"]["member_number"] == envelope.membership.member_number
    assert record["signer"]["phone"] == "06 •• •• 27 96"
    documents = list(envelope.documents.order_by("position"))
    assert record["documents"] == [
        {
            "position": d.position,
            "name": d.name,
            "kind": d.kind,
            "unsigned_sha256": hashlib.sha256(d.unsigned_file.read()).hexdigest(),
            "signed_sha256": hashlib.sha256(d.signed_file.read()).hexdigest(),
        }
        for d in documents
    ]
    (consent,) = record["consents"]
    assert (consent["wording"], consent["version"]) == (CONSENT, "2024-01")
    assert [e["kind"] for e in record["events"]] == [
        "documents_prepared",
        "consent_ticked",
        "code_sent",
        "code_failed",
        "code_verified",
        "signed",
    ]
    for event in record["events"]:
        assert (event["ip"], event["user_agent"]) == ("203.0.113.7", META.user_agent)
        assert datetime.fromisoformat(event["at"]).utcoffset() is not None
    assert [e["phone"] for e in record["events"]][2:] == ["06 •• •• 27 96"] * 4
    assert record["events"][3]["details"]["wrong_attempts"] == 1
    (code,) = record["codes"]
    assert code["wrong_attempts"] == 1
    assert code["used_at"] == record["envelope"]["signed_at"]
    certificate = load_cert_from_pemder(settings.SIGNING_CERT_FILE)  # type: ignore[no-untyped-call]  # pyhanko is untyped here
    assert record["signing_certificate"] == {
        "subject": certificate.subject.human_friendly,
        "serial_number": f"{certificate.serial_number:X}",
        "sha256": certificate.sha256.hex(),
    }


@pytest.mark.django_db
def test_the_evidence_file_holds_no_clear_phone_number_nor_code(
    consented: SignatureEnvelope,
) -> None:
    code = send(consented)
    verify_code(envelope=consented, code=code, meta=META)
    text = evidence_file(consented).decode()
    for secret in ("+33664932796", "06 64 93 27 96", "0664932796"):
        assert secret not in text
    assert f'"{code}"' not in text
    assert consented.membership.employee.nir not in text


@pytest.mark.django_db
def test_the_seal_is_the_hmac_of_the_canonical_record(
    consented: SignatureEnvelope, settings: Any
) -> None:
    sealed = json.loads(evidence_file(signed_envelope(consented)))
    canonical = json.dumps(
        sealed["record"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert sealed["seal"]["content_sha256"] == hashlib.sha256(canonical).hexdigest()
    assert sealed["seal"]["algorithm"] == "HMAC-SHA256"
    assert (
        sealed["seal"]["hmac_sha256"]
        == hmac.new(settings.EVIDENCE_SEAL_KEY.encode(), canonical, hashlib.sha256).hexdigest()
    )


@pytest.mark.django_db
def test_a_changed_evidence_file_breaks_its_seal(consented: SignatureEnvelope) -> None:
    data = evidence_file(signed_envelope(consented))
    assert verify_evidence_seal(data) is True
    sealed = json.loads(data)
    sealed["record"]["events"][3]["ip"] = "198.51.100.1"
    assert verify_evidence_seal(json.dumps(sealed).encode()) is False
    # Re-computing the SHA-256 is not enough without the key.
    canonical = json.dumps(
        sealed["record"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    sealed["seal"]["content_sha256"] = hashlib.sha256(canonical).hexdigest()
    assert verify_evidence_seal(json.dumps(sealed).encode()) is False


@pytest.mark.django_db
def test_the_evidence_of_an_unsigned_envelope_has_no_signature_yet(
    consented: SignatureEnvelope,
) -> None:
    record = json.loads(evidence_file(consented))["record"]
    assert record["envelope"]["signed_at"] is None
    assert {d["signed_sha256"] for d in record["documents"]} == {None}
    assert record["signing_certificate"] is None
