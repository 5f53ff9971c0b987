"""The public verification page of a card (no login): valid on a day, or not since a day;
the PDF response the member space and the back office send."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from portal.cards.models import MembershipCard
from portal.cards.pdf import card_pdf
from portal.cards.verification import card_of_token, card_verdict

UNKNOWN = "Carte inconnue"


@require_safe
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """What a health professional reads from the QR code: one sentence, nothing personal."""
    card = card_of_token(token)
    if card is None:
        sentence, status, valid = UNKNOWN, 404, False
    else:
        verdict = card_verdict(card, today=timezone.localdate())
        sentence, status, valid = verdict.sentence, 200, verdict.valid
    response = render(
        request, "cards/verify.html", {"sentence": sentence, "valid": valid}, status=status
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def card_response(card: MembershipCard) -> HttpResponse:
    """The card's PDF as a download, never cached (names and birth dates)."""
    response = HttpResponse(card_pdf(card), content_type="application/pdf")
    number = card.lines["member_number"]
    response["Content-Disposition"] = (
        f'attachment; filename="carte-mutualiste-{number}-v{card.version}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
