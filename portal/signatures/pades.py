"""PAdES signature of PDF documents with the insurer's key (pyHanko), and reading it back.

PAdES baseline B (ETSI.CAdES.detached, SHA-256) with the signing certificate embedded: a PDF
reader shows who sealed the document and that it has not changed since (rules.md R7.1, R7.3).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import TypeVar

from django.conf import settings
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import CMSStructuralError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

T = TypeVar("T")


@dataclass(frozen=True)
class CertificateInfo:
    """The certificate a PDF was signed with, as the evidence file names it."""

    subject: str
    serial_number: str  # hexadecimal, as PDF readers and openssl show it
    sha256: str


def _signer() -> signers.SimpleSigner:
    # Read at each signature: a renewed certificate is used without restarting the processes.
    passphrase = settings.SIGNING_KEY_PASSPHRASE.encode() or None
    # Not SimpleSigner.load(): it logs and returns None where a missing file should raise.
    certificate = load_cert_from_pemder(settings.SIGNING_CERT_FILE)  # type: ignore[no-untyped-call]
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=load_private_key_from_pemder(settings.SIGNING_KEY_FILE, passphrase),
        cert_registry=SimpleCertificateStore(),  # type: ignore[no-untyped-call]
    )


def sign_pdf(pdf: bytes, *, field_name: str, reason: str, location: str) -> bytes:
    """`pdf` with a PAdES signature in a new invisible field, added as an incremental update."""
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    signer = _signer()

    def sign() -> bytes:
        return bytes(signers.sign_pdf(writer, metadata, signer=signer).getvalue())

    return _outside_event_loop(sign)


def _outside_event_loop(work: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    # This thread runs an event loop (an async caller, a browser test): pyHanko's synchronous
    # API calls asyncio.run(), which Python refuses there; run in a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@dataclass(frozen=True)
class SignatureCheck:
    """A signed PDF's last signature as pyHanko's validation finds it, with the project's own
    signing certificate as the only trust root."""

    intact: bool  # the signed bytes are unchanged and the cryptographic signature holds
    trusted: bool  # signed with our certificate
    whole_file: bool  # nothing was added after the signature
    signer: str
    signed_at: datetime | None

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and self.whole_file


INVALID = SignatureCheck(False, False, False, "", None)


def check_signature(signed_pdf: bytes) -> SignatureCheck:
    """Validate the PDF's last signature (pyHanko `validate_pdf_signature`); `INVALID` when
    the file has none or cannot be read as a signed PDF."""

    def validate() -> SignatureCheck:
        try:
            signatures = PdfFileReader(BytesIO(signed_pdf)).embedded_signatures
            if not signatures:
                return INVALID
            root = load_cert_from_pemder(settings.SIGNING_CERT_FILE)  # type: ignore[no-untyped-call]
            context = ValidationContext(trust_roots=[root], allow_fetching=False)
            status = validate_pdf_signature(signatures[-1], context)
        except (SignatureValidationError, CMSStructuralError, PdfError, ValueError, KeyError):
            return INVALID  # not a PDF, or its signature cannot even be read
        return SignatureCheck(
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            signer=status.signing_cert.subject.human_friendly,
            signed_at=status.signer_reported_dt,
        )

    return _outside_event_loop(validate)


def signer_certificate(signed_pdf: bytes) -> CertificateInfo | None:
    """The certificate of the PDF's last signature, or None if it has none."""
    signatures = PdfFileReader(BytesIO(signed_pdf)).embedded_signatures
    if not signatures:
        return None
    certificate = signatures[-1].signer_cert
    return CertificateInfo(
        subject=certificate.subject.human_friendly,
        serial_number=f"{certificate.serial_number:X}",
        sha256=certificate.sha256.hex(),
    )
