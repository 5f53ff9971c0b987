"""The text of a PDF made by fpdf2 with embedded fonts, read back with pyHanko's parser.

fpdf2 writes 2-byte glyph codes that each font's /ToUnicode map turns back into characters;
enough to assert what a generated document says.
"""

from __future__ import annotations

import io
import re
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

_TOKEN_RE = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\()])*)\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_BFCHAR_RE = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>")


def _unescape(raw: bytes) -> bytes:
    return re.sub(
        rb"\\([0-7]{1,3}|.)",
        lambda m: (
            bytes([int(m.group(1), 8)])
            if m.group(1)[:1].isdigit()
            else _ESCAPES.get(m.group(1), m.group(1))
        ),
        raw,
        flags=re.S,
    )


def _unicode_map(font: Any) -> dict[int, str] | None:
    """The font's 2-byte glyph map; None for a standard font (one byte a character)."""
    if "/ToUnicode" not in font:
        return None
    data = font["/ToUnicode"].data
    return {
        int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
        for code, text in _BFCHAR_RE.findall(data)
    }


def _contents(page: Any) -> bytes:
    contents = page["/Contents"]
    streams = contents if isinstance(contents, list) else [contents]
    return b"\n".join(s.get_object().data for s in streams)


def pdf_text(pdf: bytes) -> str:
    """Every string drawn on every page, in drawing order, fragments separated by spaces."""
    reader = PdfFileReader(io.BytesIO(pdf))
    fragments: list[str] = []
    for kid in reader.root["/Pages"]["/Kids"]:
        page = kid.get_object()
        fonts = {
            name[1:]: _unicode_map(ref.get_object())
            for name, ref in page["/Resources"]["/Font"].items()
        }
        mapping: dict[int, str] | None = {}
        for match in _TOKEN_RE.finditer(_contents(page)):
            if match.group(1):
                mapping = fonts[match.group(1).decode()]
                continue
            codes = _unescape(match.group(2))
            if mapping is None:
                fragments.append(codes.decode("latin-1"))
                continue
            fragments.append(
                "".join(
                    mapping.get(int.from_bytes(codes[i : i + 2], "big"), "?")
                    for i in range(0, len(codes), 2)
                )
            )
    return " ".join(fragments)


def squeezed(text: str) -> str:
    """Without any whitespace: line breaks fall anywhere in a laid-out paragraph."""
    return re.sub(r"\s+", "", text)
