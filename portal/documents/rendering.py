"""PDF rendering: a Django template (HTML subset) laid out by fpdf2, with an embedded font.

Layouts live in templates/; this module only turns rendered HTML into a PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fontpkg_noto_sans
from django.conf import settings
from django.template.loader import render_to_string
from fpdf import FPDF

FONT_DIR = Path(fontpkg_noto_sans.__file__).resolve().parent / "files"
FONT = "NotoSans"


class PortalPDF(FPDF):
    """An A4 page with the insurer's name in the footer and page numbers."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc_title = title
        regular = FONT_DIR / "NotoSans[wdth,wght].ttf"
        italic = FONT_DIR / "NotoSans-Italic[wdth,wght].ttf"
        self.add_font(FONT, "", str(regular), variations={"wght": 400})
        self.add_font(FONT, "B", str(regular), variations={"wght": 700})
        self.add_font(FONT, "I", str(italic), variations={"wght": 400})
        self.add_font(FONT, "BI", str(italic), variations={"wght": 700})
        self.set_title(title)
        self.set_author(settings.PORTAL_BRAND["insurer_name"])
        self.set_creator(settings.PORTAL_BRAND["space_name"])
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 6, f"{settings.PORTAL_BRAND['insurer_name']} — {self.doc_title}", align="L")
        self.cell(0, 6, f"Page {self.page_no()}/{{nb}}", align="R")


def render_pdf(template: str, context: dict[str, Any], *, title: str) -> bytes:
    """Render `template` with `context` and lay it out as a PDF document."""
    html = render_to_string(template, {**context, "brand": settings.PORTAL_BRAND})
    pdf = PortalPDF(title)
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    pdf.write_html(html, font_family=FONT)
    return bytes(pdf.output())
