"""A self-signed signing key and certificate for the demo and the tests, never for production.

Production signs with the insurer's certificate (an electronic seal issued by a trust service
provider, rules.md R7.2): a self-signed certificate proves integrity, not who sealed.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALIDITY = timedelta(days=3650)
KEY_NAME = "signing-key.pem"
CERT_NAME = "signing-cert.pem"


class IncompleteKeyPair(Exception):
    """Only one of the key and the certificate exists: overwriting it could lose a real key."""


def _write_atomically(path: Path, content: bytes, mode: int) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(content)
    partial.chmod(mode)
    partial.replace(path)


def make_signing_certificate(
    *, key_file: Path, cert_file: Path, passphrase: str, organization: str
) -> bool:
    """Write an EC P-256 key and its self-signed certificate unless both exist; True if made.

    Safe when several processes call it at once (test workers): a file lock serialises them.
    """
    key_file.parent.mkdir(parents=True, exist_ok=True)
    cert_file.parent.mkdir(parents=True, exist_ok=True)
    with open(key_file.parent / ".signing.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key_file.exists() and cert_file.exists():
            return False
        if key_file.exists() or cert_file.exists():
            raise IncompleteKeyPair(
                f"Un seul des deux fichiers existe ({key_file}, {cert_file}) : "
                "supprimez-le ou fournissez l'autre."
            )
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                x509.NameAttribute(
                    NameOID.COMMON_NAME, f"{organization} - signature (démonstration)"
                ),
            ]
        )
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,  # "non-repudiation", required by PDF validators
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase.encode())
            if passphrase
            else serialization.NoEncryption()
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        # The certificate last: a pair is complete only once both files exist.
        _write_atomically(key_file, key_pem, 0o600)
        _write_atomically(cert_file, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        return True
