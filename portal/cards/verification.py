"""The card's public verification: a signed token in the QR code, and what it answers.

The token signs the card version's `verification_id` (a random UUID): it carries no personal
data and no database id, and a forged or garbled token does not verify. It is deterministic
(no timestamp), so the card's PDF is the same each time it is rendered. Its key is SECRET_KEY
with its own salt: rotating SECRET_KEY needs the old one in SECRET_KEY_FALLBACKS, or printed
cards stop verifying.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from portal.cards import rules
from portal.cards.models import MembershipCard

SALT = "portal.cards.verification"


def token_of(card: MembershipCard) -> str:
    return signing.Signer(salt=SALT).sign(card.verification_id.hex)


def verification_url(card: MembershipCard) -> str:
    return settings.SITE_URL + reverse("cards:verify", args=[token_of(card)])


def card_of_token(token: str) -> MembershipCard | None:
    """The card version a token names, or None for a forged, garbled or unknown one."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
        verification_id = uuid.UUID(hex=value)
    except (signing.BadSignature, ValueError):
        return None
    return MembershipCard.objects.filter(verification_id=verification_id).first()


def card_verdict(card: MembershipCard, *, today: date) -> rules.Verdict:
    superseded = card.superseded_at
    return rules.verdict(
        valid_from=card.valid_from,
        printed_until=card.printed_until,
        superseded_on=timezone.localdate(superseded) if superseded else None,
        today=today,
    )
