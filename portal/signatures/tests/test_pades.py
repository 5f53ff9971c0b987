from __future__ import annotations

import asyncio
import stat
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from portal.signatures.pades import sign_pdf, signer_certificate
from portal.signatures.tests.conftest import make_pdf


def validate(pdf: bytes, cert_file: str) -> PdfSignatureStatus:
    """pyHanko's validation of the PDF's signature, trusting only `cert_file`."""
    context = ValidationContext(trust_roots=[load_cert_from_pemder(cert_file)])  # type: ignore[no-untyped-call]  # pyhanko is untyped here
    (signature,) = PdfFileReader(BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(signature, context)


def sign(pdf: bytes) -> bytes:
    return sign_pdf(
        pdf,
        field_name="Signature",
        reason="Signature électronique de Cédric SIMON",
        location="France",
    )


def test_a_signed_pdf_validates_against_the_signing_certificate(settings: Any) -> None:
    signed = sign(make_pdf("Bulletin d'adhesion"))
    status = validate(signed, settings.SIGNING_CERT_FILE)
    assert (status.intact, status.valid, status.trusted, status.bottom_line) == (
        True,
        True,
        True,
        True,
    )
    assert status.coverage is not None
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.md_algorithm == "sha256"
    (signature,) = PdfFileReader(BytesIO(signed)).embedded_signatures
    assert signature.field_name == "Signature"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert signature.sig_object["/Reason"] == "Signature électronique de Cédric SIMON"
    assert signature.sig_object["/Location"] == "France"
    # The certificate travels with the signature.
    certificate = load_cert_from_pemder(settings.SIGNING_CERT_FILE)  # type: ignore[no-untyped-call]  # pyhanko is untyped here
    assert signature.signer_cert.sha256 == certificate.sha256


def test_a_signed_pdf_changed_afterwards_does_not_validate(settings: Any) -> None:
    signed = sign(make_pdf("Bulletin d'adhesion", compress=False))
    at = signed.index(b"Bulletin")
    changed = signed[:at] + b"Bulletoon" + signed[at + len(b"Bulletoon") :]
    assert len(changed) == len(signed)
    status = validate(changed, settings.SIGNING_CERT_FILE)
    assert status.intact is False  # the signed bytes no longer have the signed digest
    assert status.bottom_line is False


def test_text_added_to_a_signed_pdf_in_a_later_revision_is_detected(settings: Any) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(sign(make_pdf("Bulletin"))))
    text = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Option annulee) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(text))  # type: ignore[no-untyped-call]  # pyhanko is untyped here
    changed = BytesIO()
    writer.write(changed)  # type: ignore[no-untyped-call]  # pyhanko is untyped here
    status = validate(changed.getvalue(), settings.SIGNING_CERT_FILE)
    assert status.intact is True  # the first revision is untouched…
    assert status.coverage is not None
    assert status.coverage.name == "ENTIRE_REVISION"  # …but the signature no longer covers all
    assert status.modification_level is not None
    assert status.modification_level.name == "OTHER"
    assert (status.docmdp_ok, status.bottom_line) == (False, False)


def test_a_signature_is_not_trusted_with_another_certificate(tmp_path: Path) -> None:
    call_command("make_signing_certificate", "--dir", str(tmp_path), verbosity=0)
    status = validate(sign(make_pdf("Bulletin")), str(tmp_path / "signing-cert.pem"))
    assert status.intact is True
    assert status.trusted is False
    assert status.bottom_line is False


def test_the_signer_certificate_is_read_back_from_the_pdf(settings: Any) -> None:
    info = signer_certificate(sign(make_pdf("Bulletin")))
    certificate = load_cert_from_pemder(settings.SIGNING_CERT_FILE)  # type: ignore[no-untyped-call]  # pyhanko is untyped here
    assert info is not None
    assert info.subject == certificate.subject.human_friendly
    assert "Mutuelle Démo" in info.subject
    assert info.serial_number == f"{certificate.serial_number:X}"
    assert info.sha256 == certificate.sha256.hex()
    assert signer_certificate(make_pdf("Bulletin")) is None


def test_the_command_makes_an_encrypted_key_and_its_certificate_once(
    tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("make_signing_certificate", "--dir", str(tmp_path))
    key_file, cert_file = tmp_path / "signing-key.pem", tmp_path / "signing-cert.pem"
    assert capsys.readouterr().out == f"Certificat de signature créé : {cert_file}\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_pem, cert_pem = key_file.read_bytes(), cert_file.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in key_pem
    load_pem_private_key(key_pem, settings.SIGNING_KEY_PASSPHRASE.encode())
    call_command("make_signing_certificate", "--dir", str(tmp_path))
    assert capsys.readouterr().out == f"Certificat de signature déjà présent : {cert_file}\n"
    assert (key_file.read_bytes(), cert_file.read_bytes()) == (key_pem, cert_pem)
    # The pair signs, and the signature validates against the new certificate.
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(key_file), str(cert_file)
    assert validate(sign(make_pdf("Bulletin")), str(cert_file)).bottom_line is True


def test_the_command_writes_where_the_settings_say(tmp_path: Path, settings: Any) -> None:
    settings.SIGNING_KEY_FILE = str(tmp_path / "keys" / "key.pem")
    settings.SIGNING_CERT_FILE = str(tmp_path / "certs" / "cert.pem")
    settings.SIGNING_KEY_PASSPHRASE = ""
    call_command("make_signing_certificate", verbosity=0)
    assert b"BEGIN PRIVATE KEY" in (tmp_path / "keys" / "key.pem").read_bytes()
    assert (tmp_path / "certs" / "cert.pem").exists()


def test_the_command_never_replaces_half_a_key_pair(tmp_path: Path) -> None:
    (tmp_path / "signing-key.pem").write_bytes(b"a real key")
    with pytest.raises(CommandError, match="Un seul des deux fichiers existe"):
        call_command("make_signing_certificate", "--dir", str(tmp_path))
    assert (tmp_path / "signing-key.pem").read_bytes() == b"a real key"
    assert not (tmp_path / "signing-cert.pem").exists()


def test_the_command_is_refused_in_production(tmp_path: Path, settings: Any) -> None:
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="refusé en production"):
        call_command("make_signing_certificate", "--dir", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_pdf_is_signed_from_a_thread_that_runs_an_event_loop(settings: Any) -> None:
    async def sign_in_a_coroutine() -> bytes:
        return sign(make_pdf("Bulletin d'adhesion"))

    signed = asyncio.run(sign_in_a_coroutine())
    assert validate(signed, settings.SIGNING_CERT_FILE).bottom_line is True
