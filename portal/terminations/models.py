"""Terminations ("résiliations"): the end of a membership, with portability when it opens."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.enrollment.models import Membership
from portal.terminations.portability import (
    EARLY_END_LABELS,
    EarlyEndSource,
    effective_end,
)
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
    # R3.6: portability ended before its computed end (`portability_end` stays as computed).
    ended_early_on = models.DateField("portabilité arrêtée au", null=True, blank=True)
    early_end_reason = models.CharField(
        "motif de l'arrêt",
        max_length=20,
        blank=True,
        choices=[(reason.value, label) for reason, label in EARLY_END_LABELS.items()],
    )
    early_end_source = models.CharField(
        "arrêt signalé par",
        max_length=10,
        blank=True,
        choices=[(source.value, source.label) for source in EarlyEndSource],
    )
    early_end_event_date = models.DateField("date de l'événement", null=True, blank=True)
    early_end_recorded_at = models.DateTimeField("arrêt enregistré le", null=True, blank=True)
    early_end_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="arrêt enregistré par",
    )
    # The daily job's mark once the last day of portability has passed (the person told).
    portability_finished_at = models.DateTimeField("portabilité terminée le", null=True, blank=True)

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
            models.CheckConstraint(
                condition=Q(ended_early_on=None, early_end_reason="", early_end_source="")
                | Q(
                    portability=True,
                    ended_early_on__isnull=False,
                    early_end_reason__in=[r.value for r in EARLY_END_LABELS],
                    early_end_source__in=[s.value for s in EarlyEndSource],
                ),
                name="early_end_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Résiliation au {self.termination_date:%d/%m/%Y}"

    @property
    def portability_last_day(self) -> date | None:
        """The last day of cover under portability: its computed end, or its early end."""
        if not self.portability or self.portability_end is None:
            return None
        return effective_end(self.portability_end, self.ended_early_on)


def proof_path(proof: PortabilityProof, filename: str) -> str:
    # Never the uploaded name in the path: the row keeps it for the download. The storage
    # encrypts the content (portal/core/files.py).
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"portability/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class PortabilityProofStatus(models.TextChoices):
    ASKED = "asked", "Demandé"
    RECEIVED = "received", "Reçu, à vérifier"
    ACCEPTED = "accepted", "Accepté"
    REFUSED = "refused", "Refusé"


class PortabilityProof(models.Model):
    """The proof of unemployment benefits ("attestation France Travail") of one period of a
    portability (R3.1, R3.6): asked by the daily job, sent by the former employee from their
    space, checked by staff."""

    termination = models.ForeignKey(
        Termination, on_delete=models.PROTECT, related_name="proofs", verbose_name="résiliation"
    )
    period = models.PositiveSmallIntegerField("période")  # 0: the opening
    period_start = models.DateField("période du")
    period_end = models.DateField("période au")
    asked_at = models.DateTimeField("demandé le")
    due_on = models.DateField("attendu le")
    status = models.CharField(
        "statut",
        max_length=10,
        choices=PortabilityProofStatus.choices,
        default=PortabilityProofStatus.ASKED,
    )
    file = models.FileField("justificatif", upload_to=proof_path, blank=True)
    file_name = models.CharField("nom du fichier", max_length=200, blank=True)
    content_type = models.CharField("type vérifié", max_length=40, blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    received_at = models.DateTimeField("reçu le", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="envoyé par",
    )
    decided_at = models.DateTimeField("vérifié le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="vérifié par",
    )
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)

    class Meta:
        verbose_name = "justificatif de portabilité"
        verbose_name_plural = "justificatifs de portabilité"
        ordering = ["termination_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["termination", "period"], name="one_proof_a_period"),
            models.CheckConstraint(
                condition=Q(status__in=PortabilityProofStatus.values),
                name="portability_proof_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=PortabilityProofStatus.ASKED)
                | (~Q(file="") & Q(received_at__isnull=False) & ~Q(sha256="")),
                name="portability_proof_has_its_file",
            ),
            models.CheckConstraint(
                condition=~Q(status=PortabilityProofStatus.REFUSED) | ~Q(refusal_reason=""),
                name="portability_proof_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Justificatif du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"
