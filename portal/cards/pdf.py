"""The card's PDF: a card-sized front and back (ISO/IEC 7810 ID-1, 85.6 × 54 mm), then an A4
page with both sides side by side and cut marks, to print at home.

Rendered from the row alone (its printed lines, dates and token), with the house font and
colours of `portal.documents.rendering`; the creation date is the card's issue time, so the
same row gives the same bytes. The sides' wording lives in templates/cards/.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from fpdf import FPDF

from portal.cards.models import MembershipCard
from portal.cards.verification import verification_url
from portal.documents.rendering import FONT, STYLES, brand_logo, static_font

CARD_W, CARD_H = 85.6, 54.0
PADDING = 3.5
QR_SIZE = 17.0
A4_W = 210.0
A4_LEFT, A4_TOP, A4_GAP = 14.0, 30.0, 10.0  # front then back, side by side
MARK = 4.0  # cut marks' length, drawn outside the card


def _context(card: MembershipCard) -> dict[str, Any]:
    lines = card.lines
    people = [
        {**person, "birth_date": date.fromisoformat(person["birth_date"])}
        for person in lines["people"]
    ]
    return {
        "card": card,
        "lines": lines,
        "people": people,
        "valid_from": card.valid_from,
        "valid_until": card.printed_until,
        "brand": settings.PORTAL_BRAND,
    }


class CardPDF(FPDF):
    """Card-sized pages (the first two) and an A4 sheet, in the house font."""

    def __init__(self, card: MembershipCard) -> None:
        super().__init__(unit="mm", format=(CARD_W, CARD_H), orientation="portrait")
        for style in STYLES:
            self.add_font(FONT, style, str(static_font(style)))
        self.set_auto_page_break(auto=False)
        self.set_title(f"Carte mutualiste {card.lines['member_number']}")
        self.set_author(card.lines["insurer_name"])
        self.set_creator(settings.PORTAL_BRAND["space_name"])
        self.set_creation_date(card.issued_at)
        self.set_text_color(0)


def _side(pdf: CardPDF, x: float, y: float, template: str, context: dict[str, Any]) -> None:
    """One side's text from its template, inside the card's rectangle at (x, y)."""
    colour = settings.PORTAL_BRAND["primary_color"]
    pdf.set_draw_color(colour)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, CARD_W, CARD_H, round_corners=True, corner_radius=3)
    pdf.set_draw_color(0)
    pdf.set_left_margin(x + PADDING)
    pdf.set_right_margin(pdf.w - (x + CARD_W - PADDING))
    pdf.set_xy(x + PADDING, y + PADDING)
    pdf.set_font(FONT, "", 6)
    html = render_to_string(template, context)
    pdf.write_html(html, font_family=FONT)


def _front(pdf: CardPDF, x: float, y: float, context: dict[str, Any]) -> None:
    logo = brand_logo()
    if logo:
        pdf.image(logo, x=x + CARD_W - PADDING - 18, y=y + PADDING, h=5)
    _side(pdf, x, y, "cards/card_front.html", context)


def _back(pdf: CardPDF, x: float, y: float, context: dict[str, Any], qr_png: bytes) -> None:
    _side(pdf, x, y, "cards/card_back.html", context)
    pdf.image(
        io.BytesIO(qr_png),
        x=x + CARD_W - PADDING - QR_SIZE,
        y=y + CARD_H - PADDING - QR_SIZE,
        w=QR_SIZE,
        h=QR_SIZE,
    )


def _cut_marks(pdf: CardPDF, x: float, y: float) -> None:
    pdf.set_line_width(0.15)
    for cx in (x, x + CARD_W):
        for cy in (y, y + CARD_H):
            out_y = cy - MARK - 1 if cy == y else cy + 1
            out_x = cx - MARK - 1 if cx == x else cx + 1
            pdf.line(cx, out_y, cx, out_y + MARK)  # vertical, above or below the corner
            pdf.line(out_x, cy, out_x + MARK, cy)  # horizontal, left or right of it


def qr_code(card: MembershipCard) -> bytes:
    """The verification URL as a PNG QR code (error correction M: a worn card still scans)."""
    buffer = io.BytesIO()
    segno.make(verification_url(card), error="m").save(buffer, kind="png", scale=8, border=0)
    return buffer.getvalue()


def card_pdf(card: MembershipCard) -> bytes:
    """The card's three pages: front, back (card-sized), and the A4 print sheet."""
    context = _context(card)
    qr_png = qr_code(card)
    pdf = CardPDF(card)
    pdf.add_page()
    _front(pdf, 0, 0, context)
    pdf.add_page()
    _back(pdf, 0, 0, context, qr_png)
    pdf.add_page(format="A4", orientation="portrait")
    pdf.set_left_margin(A4_LEFT)
    pdf.set_right_margin(A4_LEFT)
    pdf.set_xy(A4_LEFT, 14)
    pdf.write_html(render_to_string("cards/card_sheet.html", context), font_family=FONT)
    back_x = A4_LEFT + CARD_W + A4_GAP
    _front(pdf, A4_LEFT, A4_TOP, context)
    _back(pdf, back_x, A4_TOP, context, qr_png)
    _cut_marks(pdf, A4_LEFT, A4_TOP)
    _cut_marks(pdf, back_x, A4_TOP)
    return bytes(pdf.output())
