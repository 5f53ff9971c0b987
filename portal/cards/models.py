"""The membership card ("carte mutualiste", tiers payant): one row per version issued."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.enrollment.models import Membership


class MembershipCard(models.Model):
    """One version of a member's card: its validity and exactly what it prints.

    A new version supersedes the previous one (dependants or cover changed, the membership
    ended, a new year); only one is current per membership."""

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="cards", verbose_name="adhésion"
    )
    version = models.PositiveIntegerField("version")
    valid_from = models.DateField("valable du")
    valid_until = models.DateField("valable jusqu'au")
    # The end of cover after a termination (or of portability): the card stops verifying then.
    ends_at = models.DateField("fin de couverture", null=True, blank=True)
    issued_at = models.DateTimeField("émise le", default=timezone.now)
    superseded_at = models.DateTimeField("remplacée le", null=True, blank=True)
    # What the signed verification token names: not the row's id, nor anything personal.
    verification_id = models.UUIDField(
        "identifiant de vérification", default=uuid.uuid4, unique=True
    )
    # What it prints (names, birth dates, numbers, scheme, phones), frozen at issue.
    lines = models.JSONField("contenu imprimé")

    class Meta:
        verbose_name = "carte mutualiste"
        verbose_name_plural = "cartes mutualistes"
        ordering = ["membership", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "version"], name="one_card_per_version"),
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(superseded_at=None),
                name="one_current_card_per_membership",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_until")),
                name="card_valid_from_before_until",
            ),
        ]

    def __str__(self) -> str:
        return f"Carte {self.lines.get('member_number', '')} v{self.version}"

    @property
    def printed_until(self) -> date:
        """The last day the card says it is valid: 31 December, or the end of cover."""
        return min(self.valid_until, self.ends_at) if self.ends_at else self.valid_until

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def printed(self) -> dict[str, Any]:
        return dict(self.lines)
