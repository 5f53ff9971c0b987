"""Checks of a proof document uploaded by a user (PDF, JPEG or PNG), by its content.

The name and the browser's content type are the user's claims; the bytes decide. A file kept
for years and downloaded by the employer and staff must open, must not be something else under
a reassuring name, and must not be locked with a password nobody will remember.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import NamedTuple

from PIL import Image, UnidentifiedImageError

from portal.core.nir import Problem

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: {".pdf"}, JPEG: {".jpg", ".jpeg"}, PNG: {".png"}}
_KIND_NAMES = {PDF: "un PDF", JPEG: "une image JPEG", PNG: "une image PNG"}
_MAGIC = [(b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG)]
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG"}

# "%%EOF" ends a PDF; writers may add a few bytes after it (line ends, padding).
PDF_EOF_WINDOW = 1024
# The trailer (or cross-reference stream) of an encrypted PDF names its /Encrypt dictionary;
# cross-reference stream dictionaries are never compressed, so the bytes show it.
_PDF_ENCRYPT_RE = re.compile(rb"/Encrypt(?![A-Za-z])")
# A scan at 600 dpi of an A4 page is 35 megapixels; beyond, an image is a decompression bomb.
MAX_IMAGE_PIXELS = 50_000_000

_RETRY = "puis déposez-le de nouveau."


class UploadCheck(NamedTuple):
    """The content type found ("" when refused) and the problems, empty when accepted."""

    content_type: str
    problems: list[Problem]


def display_name(name: str) -> str:
    """The file's own name, without the folders some browsers send."""
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "sans nom"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _sniff(data: bytes) -> str:
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), "")


def is_complete_pdf(data: bytes) -> bool:
    """A PDF header at the start and the end-of-file marker near the end."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-PDF_EOF_WINDOW:]


def check_proof_upload(name: str, data: bytes, *, max_bytes: int) -> UploadCheck:
    """Accept a PDF, JPEG or PNG recognised by its content; French problems name the file."""
    shown = display_name(name)
    if not data:
        return UploadCheck(
            "",
            [
                Problem(
                    "file_empty",
                    f"Le fichier « {shown} » est vide : choisissez de nouveau votre justificatif, "
                    + _RETRY,
                )
            ],
        )
    if len(data) > max_bytes:
        return UploadCheck(
            "",
            [
                Problem(
                    "file_too_large",
                    f"Le fichier « {shown} » pèse {_megabytes(len(data))} Mo, plus que la limite "
                    f"de {_megabytes(max_bytes)} Mo : réduisez sa taille (numérisation en 150 ppp, "
                    "photo en qualité moyenne) " + _RETRY,
                )
            ],
        )
    content_type = _sniff(data)
    if not content_type:
        return UploadCheck(
            "",
            [
                Problem(
                    "file_type",
                    f"Le fichier « {shown} » n'est ni un PDF, ni une image JPEG ou PNG : "
                    "enregistrez votre justificatif dans l'un de ces formats " + _RETRY,
                )
            ],
        )
    extension = "." + shown.rsplit(".", 1)[-1].lower() if "." in shown else ""
    if extension and extension not in EXTENSIONS[content_type]:
        return UploadCheck(
            "",
            [
                Problem(
                    "file_extension_mismatch",
                    f"Le fichier « {shown} » porte l'extension {extension} mais contient "
                    f"{_KIND_NAMES[content_type]} : vérifiez que c'est bien votre justificatif, "
                    f"enregistrez-le sous son vrai format {_RETRY}",
                )
            ],
        )
    problem = _pdf_problem(shown, data) if content_type == PDF else _image_problem(shown, data)
    if problem is not None:
        return UploadCheck("", [problem])
    return UploadCheck(content_type, [])


def _pdf_problem(shown: str, data: bytes) -> Problem | None:
    if not is_complete_pdf(data):
        return Problem(
            "pdf_damaged",
            f"Le fichier « {shown} » est un PDF incomplet ou endommagé : enregistrez-le de "
            "nouveau depuis le logiciel ou le site d'origine " + _RETRY,
        )
    if _PDF_ENCRYPT_RE.search(data):
        return Problem(
            "pdf_encrypted",
            f"Le fichier « {shown} » est protégé par un mot de passe : enregistrez-en une copie "
            "sans protection (par exemple en l'imprimant au format PDF) " + _RETRY,
        )
    return None


def _image_problem(shown: str, data: bytes) -> Problem | None:
    damaged = Problem(
        "image_damaged",
        f"L'image « {shown} » est incomplète ou endommagée : photographiez ou numérisez de "
        "nouveau votre justificatif " + _RETRY,
    )
    expected = _PIL_FORMATS[_sniff(data)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    return damaged
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return _image_too_large(shown)
                image.verify()
            # verify() leaves the image unusable and skips JPEG data: decode it once in full.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _image_too_large(shown)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        # What Pillow raises on truncated or malformed image data.
        return damaged
    return None


def _image_too_large(shown: str) -> Problem:
    return Problem(
        "image_too_large",
        f"L'image « {shown} » a trop de pixels (plus de {MAX_IMAGE_PIXELS // 1_000_000} "
        "millions) : réduisez sa définition " + _RETRY,
    )
