"""The card's PDF: two card-sized sides and an A4 sheet, with what a card must print."""

from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from portal.cards.models import MembershipCard
from portal.cards.pdf import card_pdf
from portal.cards.verification import verification_url
from portal.enrollment.models import Membership
from portal.waivers.tests.pdf_text import pdf_text, squeezed

pytestmark = pytest.mark.django_db

MM = 72 / 25.4


def card_of(membership: Membership) -> MembershipCard:
    return MembershipCard.objects.get(membership=membership, superseded_at=None)


def test_the_pdf_has_a_card_sized_front_and_back_then_an_a4_sheet(active: Membership) -> None:
    pages = PdfFileReader(BytesIO(card_pdf(card_of(active)))).root["/Pages"]
    boxes = [kid.get_object().get("/MediaBox", pages["/MediaBox"]) for kid in pages["/Kids"]]
    sizes = [(round(float(box[2]) / MM, 1), round(float(box[3]) / MM, 1)) for box in boxes]
    assert sizes == [(85.6, 54.0), (85.6, 54.0), (210.0, 297.0)]


def test_the_card_prints_the_member_the_covered_dependants_and_the_numbers(
    active: Membership,
) -> None:
    text = squeezed(pdf_text(card_pdf(card_of(active))))
    for expected in [
        "N°AMC:775685365",
        f"N°adhérent:{active.member_number}",
        "Régimegénéral",
        "Valabledu01/01/2026au31/12/2026",
        "Adhérent:CédricSIMON,né(e)le14/05/1985",
        "Conjoint:ClaireSIMON,né(e)le03/02/1987",
        "Enfant:LouSIMON,né(e)le21/09/2015",
        "Adhérents,vosconseillers:0980989823",
        "Professionnelsdesanté:0980989824",
        "Socle",
    ]:
        assert text.count(expected) == 2, expected  # the card's side and the A4 sheet's
    assert "Hugo" not in text  # past the children's age limit: not covered


def test_an_alsace_moselle_member_s_card_says_the_local_scheme(active: Membership) -> None:
    card = card_of(active)
    card.lines = {**card.lines, "scheme": "Régime local Alsace-Moselle"}
    assert "RégimelocalAlsace-Moselle" in squeezed(pdf_text(card_pdf(card)))


def test_the_pdf_is_the_same_each_time_it_is_rendered(active: Membership) -> None:
    card = card_of(active)
    assert card_pdf(card) == card_pdf(card)


def test_the_qr_code_is_the_card_s_verification_url(active: Membership) -> None:
    url = verification_url(card_of(active))
    assert url.startswith("http://testserver/carte/verifier/") or "/carte/verifier/" in url
    assert active.member_number not in url and "SIMON" not in url
