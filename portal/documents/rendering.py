"""PDF rendering: a Django template (HTML subset) laid out by fpdf2, with an embedded font.

Layouts live in templates/; this module only turns rendered HTML into a PDF.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import fontpkg_noto_sans
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fpdf import FPDF
from fpdf.fonts import TextStyle

FONT_DIR = Path(fontpkg_noto_sans.__file__).resolve().parent / "files"
FONT = "NotoSans"
LATIN = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),  # Latin-1, Latin Extended-A and B
    *range(0x2000, 0x2070),  # punctuation: dashes, quotes, ellipsis, narrow no-break space
    0x20AC,  # €
    0x2116,  # №
    0x2122,  # ™
    0x2713,  # ✓
    0x26A0,  # ⚠
]
STYLES = {
    "": ("NotoSans[wdth,wght].ttf", 400),
    "B": ("NotoSans[wdth,wght].ttf", 700),
    "I": ("NotoSans-Italic[wdth,wght].ttf", 400),
    "BI": ("NotoSans-Italic[wdth,wght].ttf", 700),
}


@functools.cache
def static_font(style: str) -> Path:
    """A static instance of the variable Noto Sans font, made once and kept in FONT_CACHE_DIR.

    Instancing a variable font takes seconds; a static file loads in milliseconds.
    """
    source, weight = STYLES[style]
    target = Path(settings.FONT_CACHE_DIR) / f"NotoSans-{style or 'R'}-{weight}.ttf"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(FONT_DIR / source)
        # Keep Latin only (French and names from all of Europe): instancing is then fast.
        subsetter = subset.Subsetter(subset.Options(layout_features=["*"], notdef_outline=True))
        subsetter.populate(unicodes=LATIN)
        subsetter.subset(font)
        font = instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100})
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        font.save(partial)
        partial.replace(target)  # atomic: concurrent workers never read half a file
    return target


HEADINGS = {"h1": 15, "h2": 12.5, "h3": 11, "h4": 10}


def brand_tag_styles() -> dict[str, TextStyle]:
    """Headings in the brand's primary colour (fpdf2's default is dark red), as on the site."""
    colour = settings.PORTAL_BRAND["primary_color"]
    return {
        tag: TextStyle(
            font_family=FONT,
            font_style="B",
            font_size_pt=size,
            color=colour,
            t_margin=4,
            b_margin=2,
        )
        for tag, size in HEADINGS.items()
    }


@functools.cache
def brand_logo() -> str | None:
    """The brand's logo file (settings.BRAND_LOGO, a static file), or None when it is missing."""
    found = finders.find(settings.PORTAL_BRAND["logo"])
    if isinstance(found, list):
        found = found[0] if found else None
    return str(found) if found else None


class PortalPDF(FPDF):
    """An A4 page with the brand's logo and rule at the top, its name and page numbers below."""

    def __init__(self, title: str, styles: Iterable[str] = tuple(STYLES)) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc_title = title
        for style in styles:
            self.add_font(FONT, style, str(static_font(style)))
        self.set_title(title)
        self.set_author(settings.PORTAL_BRAND["insurer_name"])
        self.set_creator(settings.PORTAL_BRAND["space_name"])
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def header(self) -> None:
        # Drawn inside the top margin: the content (and a letter's address window) does not move.
        logo = brand_logo()
        if logo:
            self.image(logo, x=15, y=4, h=9)
        self.set_draw_color(settings.PORTAL_BRAND["accent_color"])
        self.set_line_width(0.6)
        self.line(15, 13.5, 195, 13.5)
        self.set_draw_color(0)
        self.set_line_width(0.2)
        self.set_y(15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(settings.PORTAL_BRAND["primary_color"])
        self.cell(0, 6, f"{settings.PORTAL_BRAND['insurer_name']} — {self.doc_title}", align="L")
        self.set_text_color(0)
        self.cell(0, 6, f"Page {self.page_no()}/{{nb}}", align="R")


# A tag that sets italics in fpdf2's HTML: without one, the italic fonts are not loaded (each
# font loaded costs its parsing and its subsetting when the PDF is written, used or not: about
# a quarter of a one-page document's time for the two italic ones).
_ITALIC_TAG = re.compile(r"<(?:i|em)\b|<t[dh]\s[^>]*\bi\b", re.IGNORECASE)  # <td i="1">


def styles_for(html: str) -> tuple[str, ...]:
    """The font styles a document's HTML may use: regular and bold always (text, headings,
    footer), the italic ones when an italic tag is there."""
    return ("", "B", "I", "BI") if _ITALIC_TAG.search(html) else ("", "B")


def render_pdf(template: str, context: dict[str, Any], *, title: str) -> bytes:
    """Render `template` with `context` and lay it out as a PDF document."""
    html = render_to_string(template, {**context, "brand": settings.PORTAL_BRAND})
    pdf = PortalPDF(title, styles_for(html))
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    pdf.write_html(html, font_family=FONT, tag_styles=brand_tag_styles())
    return bytes(pdf.output())
