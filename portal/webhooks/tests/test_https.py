"""Production's path: HTTPS to the address checked, with the certificate verified."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook

from conftest import declare
from portal.accounts.models import User
from portal.companies.models import Company
from portal.webhooks import delivery
from portal.webhooks.choices import EventType
from portal.webhooks.models import WebhookAttempt
from portal.webhooks.tests.conftest import add_endpoint


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "receiver")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[str, Path, list[dict[str, Any]]]]:
    cert_file, key_file = self_signed(tmp_path)
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append({"headers": dict(self.headers.items()), "body": body})
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}/hooks", cert_file, received
    server.shutdown()
    server.server_close()


def test_an_https_receiver_with_a_trusted_certificate_gets_the_signed_post(
    company_a: Company,
    correspondent_a: User,
    tls_receiver: tuple[str, Path, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, cert_file, received = tls_receiver
    trusted = ssl.create_default_context(cafile=str(cert_file))
    monkeypatch.setattr(delivery.ssl, "create_default_context", lambda: trusted)  # type: ignore[attr-defined]
    _, secret = add_endpoint(company_a, correspondent_a, url, [EventType.REQUEST_CREATED])

    declare(company_a)

    (got,) = received
    assert Webhook(secret).verify(got["body"], got["headers"])["type"] == "request.created"
    assert WebhookAttempt.objects.get().status_code == 204


def test_an_untrusted_certificate_is_a_tls_error_and_nothing_is_posted(
    company_a: Company,
    correspondent_a: User,
    tls_receiver: tuple[str, Path, list[dict[str, Any]]],
) -> None:
    url, _, received = tls_receiver
    add_endpoint(company_a, correspondent_a, url, [EventType.REQUEST_CREATED])

    declare(company_a)

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("erreur TLS : CERTIFICATE_VERIFY_FAILED")
    assert received == []
