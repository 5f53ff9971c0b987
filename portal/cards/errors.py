"""The cards' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class CardError(ErrorCode):
    """Issuing and reading a membership card."""

    CARD_NOT_ACTIVE = (
        "card_not_active",
        "La carte mutualiste n'est délivrée qu'une fois l'adhésion mise en gestion.",
    )
