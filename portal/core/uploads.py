"""Checks of a proof document uploaded by a user (PDF, JPEG or PNG), by its content.

The name and the browser's content type are the user's claims; the bytes decide. A file kept
for years and downloaded by the employer and staff must open, must not be something else under
a reassuring name, and must not be locked with a password nobody will remember.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from typing import NamedTuple

from PIL import Image, UnidentifiedImageError

from portal.core.errors import CoreError, Problem

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: {".pdf"}, JPEG: {".jpg", ".jpeg"}, PNG: {".png"}}
# The stored file's extension follows its checked content, never the name the user gave.
STORED_EXTENSION = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
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


def sha256_hex(data: bytes) -> str:
    """The file's SHA-256, kept beside it as evidence (and to see it changed)."""
    return hashlib.sha256(data).hexdigest()


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
            [Problem.of(CoreError.FILE_EMPTY, name=shown)],
        )
    if len(data) > max_bytes:
        return UploadCheck(
            "",
            [
                Problem.of(
                    CoreError.FILE_TOO_LARGE,
                    name=shown,
                    size=_megabytes(len(data)),
                    limit=_megabytes(max_bytes),
                )
            ],
        )
    content_type = _sniff(data)
    if not content_type:
        return UploadCheck(
            "",
            [Problem.of(CoreError.FILE_TYPE, name=shown)],
        )
    extension = "." + shown.rsplit(".", 1)[-1].lower() if "." in shown else ""
    if extension and extension not in EXTENSIONS[content_type]:
        return UploadCheck(
            "",
            [
                Problem.of(
                    CoreError.FILE_EXTENSION_MISMATCH,
                    name=shown,
                    extension=extension,
                    kind=_KIND_NAMES[content_type],
                )
            ],
        )
    problem = _pdf_problem(shown, data) if content_type == PDF else _image_problem(shown, data)
    if problem is not None:
        return UploadCheck("", [problem])
    return UploadCheck(content_type, [])


def _pdf_problem(shown: str, data: bytes) -> Problem | None:
    if not is_complete_pdf(data):
        return Problem.of(CoreError.PDF_DAMAGED, name=shown)
    if _PDF_ENCRYPT_RE.search(data):
        return Problem.of(CoreError.PDF_ENCRYPTED, name=shown)
    return None


def _image_problem(shown: str, data: bytes) -> Problem | None:
    damaged = Problem.of(CoreError.IMAGE_DAMAGED, name=shown)
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
    return Problem.of(CoreError.IMAGE_TOO_LARGE, name=shown, millions=MAX_IMAGE_PIXELS // 1_000_000)
