from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from fpdf import FPDF
from PIL import Image

from portal.core.uploads import JPEG, PDF, PNG, check_proof_upload, display_name, is_complete_pdf

LIMIT = 5 * 1024 * 1024


def image(kind: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, kind)
    return buffer.getvalue()


def noisy_jpeg() -> bytes:
    """A photo-like JPEG whose end can be cut off without touching its headers."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 50).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def pdf(password: str = "") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Attestation de droits")
    if password:
        document.set_encryption(owner_password=password, user_password=password)
    return bytes(document.output())


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("attestation.txt", "bonjour")
    return buffer.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    # name, content, content type found, problem code
    ("attestation.pdf", pdf, PDF, ""),
    ("ATTESTATION.PDF", pdf, PDF, ""),
    ("photo.jpg", lambda: image("JPEG"), JPEG, ""),
    ("photo.jpeg", lambda: image("JPEG"), JPEG, ""),
    ("scan.png", lambda: image("PNG"), PNG, ""),
    ("scan", lambda: image("PNG"), PNG, ""),  # no extension: nothing to lie about
    ("vide.pdf", lambda: b"", "", "file_empty"),
    ("page.pdf", lambda: HTML, "", "file_type"),
    ("archive.zip", zip_file, "", "file_type"),
    ("archive.pdf", zip_file, "", "file_type"),
    ("notes.txt", lambda: b"Je certifie sur l'honneur", "", "file_type"),
    ("anim.gif", lambda: image("GIF"), "", "file_type"),
    ("scan.jpg", lambda: image("PNG"), "", "file_extension_mismatch"),
    ("attestation.png", pdf, "", "file_extension_mismatch"),
    ("photo.pdf", lambda: image("JPEG"), "", "file_extension_mismatch"),
    ("protege.pdf", lambda: pdf("secret"), "", "pdf_encrypted"),
    ("coupe.pdf", lambda: pdf()[:-200], "", "pdf_damaged"),
    ("coupe.png", lambda: image("PNG")[:60], "", "image_damaged"),
    ("coupe.jpg", lambda: image("JPEG", (400, 300))[:300], "", "image_damaged"),
    ("fin-coupee.jpg", lambda: noisy_jpeg()[:-2000], "", "image_damaged"),
    ("faux.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "", "image_damaged"),
    ("faux.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 64, "", "image_damaged"),
]


@pytest.mark.parametrize(
    ("name", "content", "content_type", "code"), CASES, ids=[c[0] for c in CASES]
)
def test_proof_upload_table(
    name: str, content: Callable[[], bytes], content_type: str, code: str
) -> None:
    found = check_proof_upload(name, content(), max_bytes=LIMIT)
    assert found.content_type == content_type
    assert [p.code for p in found.problems] == ([code] if code else [])


def test_refuses_a_file_over_the_limit_with_the_limit_in_mo() -> None:
    data = pdf()
    found = check_proof_upload("C:\\Scans\\gros.pdf", data, max_bytes=len(data) - 1)
    assert found.content_type == ""
    assert [p.code for p in found.problems] == ["file_too_large"]

    (problem,) = check_proof_upload(
        "gros.pdf", b"%PDF-" + b"0" * 6_000_000, max_bytes=LIMIT
    ).problems
    assert problem.message == (
        "Le fichier « gros.pdf » pèse 5,72 Mo, plus que la limite de 5 Mo : réduisez sa taille "
        "(numérisation en 150 ppp, photo en qualité moyenne) puis déposez-le de nouveau."
    )


def test_a_file_at_the_limit_is_accepted() -> None:
    data = pdf()
    assert check_proof_upload("a.pdf", data, max_bytes=len(data)).problems == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "vide.pdf",
            b"",
            "Le fichier « vide.pdf » est vide : choisissez de nouveau votre justificatif, puis "
            "déposez-le de nouveau.",
        ),
        (
            "page.pdf",
            HTML,
            "Le fichier « page.pdf » n'est ni un PDF, ni une image JPEG ou PNG : enregistrez "
            "votre justificatif dans l'un de ces formats puis déposez-le de nouveau.",
        ),
        (
            "attestation.png",
            pdf(),
            "Le fichier « attestation.png » porte l'extension .png mais contient un PDF : "
            "vérifiez que c'est bien votre justificatif, enregistrez-le sous son vrai format "
            "puis déposez-le de nouveau.",
        ),
        (
            "protege.pdf",
            pdf("secret"),
            "Le fichier « protege.pdf » est protégé par un mot de passe : enregistrez-en une "
            "copie sans protection (par exemple en l'imprimant au format PDF) puis déposez-le de "
            "nouveau.",
        ),
    ],
)
def test_messages_name_the_file_and_what_to_do(name: str, content: bytes, message: str) -> None:
    (problem,) = check_proof_upload(name, content, max_bytes=LIMIT).problems
    assert problem.message == message


def test_refuses_an_image_with_too_many_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("portal.core.uploads.MAX_IMAGE_PIXELS", 100)
    found = check_proof_upload("scan.png", image("PNG", (20, 20)), max_bytes=LIMIT)
    assert [p.code for p in found.problems] == ["image_too_large"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [("C:\\Users\\moi\\scan.pdf", "scan.pdf"), ("/tmp/a/b.png", "b.png"), ("", "sans nom")],
)
def test_display_name_drops_folders(name: str, shown: str) -> None:
    assert display_name(name) == shown


def test_complete_pdf_needs_header_and_end_marker() -> None:
    assert is_complete_pdf(pdf())
    assert not is_complete_pdf(pdf()[:-200])
    assert not is_complete_pdf(b"garbage" + pdf())
