"""Staff download a member's card from the dossier page (names and birth dates: audited)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from portal.backoffice.access import staff_user, staff_view
from portal.cards.models import MembershipCard
from portal.cards.services import record_download
from portal.cards.views import card_response


@staff_view
@require_GET
def card_pdf(request: HttpRequest, card_id: int) -> HttpResponse:
    """One version of a card as its PDF; each download is audited (who, which card)."""
    card = get_object_or_404(
        MembershipCard.objects.select_related("membership__contract"), pk=card_id
    )
    record_download(card=card, by=staff_user(request), request=request)
    return card_response(card)
