"""Fixtures of the signature tests."""

from __future__ import annotations

from fpdf import FPDF


def make_pdf(text: str, *, compress: bool = True) -> bytes:
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())
