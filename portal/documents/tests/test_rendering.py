"""PDF rendering: the fonts a document loads are those its HTML may use."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from portal.documents import rendering
from portal.documents.rendering import PortalPDF, render_pdf, styles_for


def embedded_fonts(pdf: bytes) -> int:
    """How many fonts the PDF embeds (its font files)."""
    return len(re.findall(rb"/FontFile2 ", pdf))


@pytest.mark.parametrize(
    ("html", "styles"),
    [
        ("<h1>Titre</h1><p>Texte <b>gras</b></p>", ("", "B")),
        ("<p>Texte <i>penché</i></p>", ("", "B", "I", "BI")),
        ("<p>Texte <EM>penché</EM></p>", ("", "B", "I", "BI")),
        ('<table><tr><td i="1">penché</td></tr></table>', ("", "B", "I", "BI")),
        ("<p>Une image <img src='x.png'> et un lien</p>", ("", "B")),
    ],
)
def test_the_italic_fonts_are_loaded_only_for_a_document_with_italics(
    html: str, styles: tuple[str, ...]
) -> None:
    assert styles_for(html) == styles


def write(html: str) -> bytes:
    pdf = PortalPDF("Essai", styles_for(html))
    pdf.add_page()
    pdf.set_font(rendering.FONT, "", 10)
    pdf.write_html(html, font_family=rendering.FONT, tag_styles=rendering.brand_tag_styles())
    return bytes(pdf.output())


def test_a_document_without_italics_embeds_no_italic_font_and_one_with_them_does() -> None:
    plain = embedded_fonts(write("<h1>Titre</h1><p>Texte <b>gras</b></p>"))
    italic = embedded_fonts(write("<p>Texte <i>penché</i> et <b><i>gras penché</i></b></p>"))

    assert (plain, italic) == (2, 4)


@pytest.mark.django_db
def test_the_coverage_tables_note_in_italics_loads_the_italic_fonts() -> None:
    html = render_to_string(
        "documents/coverage_table.html", {"brand": {}, "rows": [], "company": None}
    )
    assert styles_for(html) == ("", "B", "I", "BI")


def test_a_letter_without_italics_embeds_two_fonts() -> None:
    pdf = render_pdf(
        "letters/password.html",
        {"employee": None, "password": "x", "company": None},
        title="Votre mot de passe provisoire",
    )
    assert pdf.startswith(b"%PDF") and embedded_fonts(pdf) <= 2
