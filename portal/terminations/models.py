"""Terminations ("résiliations"): the end of a membership, with portability when it opens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.enrollment.models import Membership
from portal.terminations.rules import motif_choices
from portal.tracking.models import Request


class Termination(models.Model):
    """The end of one membership, declared by the employer ("Résilier son contrat")."""

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="terminations", verbose_name="adhésion"
    )
    request = models.OneToOneField(
        Request, on_delete=models.PROTECT, related_name="termination", verbose_name="demande"
    )
    hire_date = models.DateField("date d'embauche")
    termination_date = models.DateField("date de résiliation")
    motif = models.CharField("motif de résiliation", max_length=40, choices=motif_choices())
    portability = models.BooleanField("portabilité activée", default=False)
    portability_end = models.DateField("portabilité jusqu'au", null=True, blank=True)
    # After a death, when the contract keeps the dependants covered for a while.
    dependants_cover_end = models.DateField(
        "bénéficiaires couverts jusqu'au", null=True, blank=True
    )
    # What the membership was before, to restore it exactly if the termination is undone.
    previous_status = models.CharField("statut précédent", max_length=20)
    previous_end_date = models.DateField("date de fin précédente", null=True, blank=True)
    # What the termination closed, to reopen exactly that if it is undone: the affiliation
    # still waiting for the employee, and their invitation links.
    cancelled_affiliation = models.ForeignKey(
        Request,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="affiliation annulée",
    )
    revoked_invitation_ids = models.JSONField("liens révoqués", default=list, blank=True)
    # Made from a DSN end of contract (S21.G00.62): the keyed digest of that employment
    # contract (NIR, S21.G00.40.001 start, S21.G00.40.009 number), by which a later DSN repeating
    # it is recognised, and its motif 099 undoes it. "" for the form's.
    dsn_key = models.CharField("clé du contrat DSN", max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="déclarée par",
    )
    created_at = models.DateTimeField("déclarée le", default=timezone.now)
    undone_at = models.DateTimeField("annulée le", null=True, blank=True)

    class Meta:
        verbose_name = "résiliation"
        verbose_name_plural = "résiliations"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One termination in force per membership: a double "Envoyer" makes one.
            models.UniqueConstraint(
                fields=["membership"], condition=Q(undone_at=None), name="one_live_termination"
            ),
            models.CheckConstraint(
                condition=Q(portability=False, portability_end=None)
                | Q(portability=True, portability_end__isnull=False),
                name="portability_has_its_end",
            ),
        ]

    def __str__(self) -> str:
        return f"Résiliation au {self.termination_date:%d/%m/%Y}"
