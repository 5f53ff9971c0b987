"""Remote assistance ("prendre la main à distance"): the code an employee reads to an adviser,
then the adviser's assisted mode on the employee's unfinished journey."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class EndReason(models.TextChoices):
    """Why an assistance ended."""

    EXPIRED = "expired", "Délai écoulé"
    ENDED_BY_STAFF = "ended_by_staff", "Terminée par le conseiller"
    REVOKED = "revoked", "Accès révoqué par le salarié"
    REPLACED = "replaced", "Remplacée par un nouveau code du salarié"
    SIGNED = "signed", "Adhésion signée (le parcours n'est plus modifiable)"


class AssistanceSession(models.Model):
    """One assistance asked by an employee: a 6-digit code valid 15 minutes and usable once,
    then, once an adviser entered it, the adviser's assisted mode until it ends."""

    membership = models.ForeignKey(
        "enrollment.Membership", on_delete=models.CASCADE, related_name="assistance_sessions"
    )
    employee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # A keyed digest of the code, never the code: "" once claimed or ended (one use).
    code_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    code_expires_at = models.DateTimeField()
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The overall cap of the assisted mode, set when claimed (settings.ASSISTANCE_SESSION_MINUTES).
    ends_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = "assistance à distance"
        verbose_name_plural = "assistances à distance"
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(ended_at=None),
                name="assistance_one_open_per_membership",
            ),
            models.UniqueConstraint(
                fields=["code_digest"],
                condition=~Q(code_digest=""),
                name="assistance_code_digest_unique",
            ),
            models.CheckConstraint(
                condition=Q(ended_at=None, end_reason="") | (~Q(ended_at=None) & ~Q(end_reason="")),
                name="assistance_ended_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(claimed_at=None, claimed_by=None, ends_at=None)
                | Q(claimed_at__isnull=False, claimed_by__isnull=False, ends_at__isnull=False),
                name="assistance_claimed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Assistance n° {self.pk}"

    @property
    def expires_at(self) -> datetime:
        """When it ends by itself: the code's 15 minutes, or once claimed the overall cap."""
        return self.ends_at if self.ends_at is not None else self.code_expires_at

    def is_open(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at

    def is_waiting(self, now: datetime) -> bool:
        """The code is shown to the employee; no adviser entered it yet."""
        return self.is_open(now) and self.claimed_at is None

    def is_assisting(self, now: datetime) -> bool:
        """An adviser works on the employee's journey."""
        return self.is_open(now) and self.claimed_at is not None
