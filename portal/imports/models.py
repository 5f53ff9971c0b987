"""Employee import files ("Fichier Excel ou structuré") and their rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.companies.models import Company, InsuredGroup
from portal.core.crypto import EncryptedCharField
from portal.tracking.models import Request


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "En attente de traitement"
    DECLARING = "declaring", "Traitement en cours"
    DONE = "done", "Terminé"
    REFUSED = "refused", "Fichier refusé"


class ImportBatch(models.Model):
    """One uploaded file of employees to declare in an insured group, processed by the worker."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="imports", verbose_name="entreprise"
    )
    # The first group (health when chosen) leads each employee's dossier; with a company's
    # other contracts, the file's employees also join `other_groups` (one per contract).
    insured_group = models.ForeignKey(
        InsuredGroup, on_delete=models.PROTECT, related_name="+", verbose_name="groupe d'assurés"
    )
    other_groups = models.ManyToManyField(
        InsuredGroup,
        blank=True,
        related_name="+",
        verbose_name="groupes d'assurés des autres contrats",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="importé par",
    )
    created_at = models.DateTimeField("importé le", default=timezone.now)
    filename = models.CharField("fichier", max_length=255)
    file = models.FileField("fichier importé", upload_to="imports/%Y/%m/")
    status = models.CharField(
        "état", max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField("lignes", default=0)
    processed_rows = models.PositiveIntegerField("lignes traitées", default=0)
    declared_count = models.PositiveIntegerField("salariés validés", default=0)
    rejected_count = models.PositiveIntegerField("salariés en erreur", default=0)
    refusal = models.TextField("motif du refus", blank=True)
    rejection_file = models.FileField(
        "fichier de rejet", upload_to="imports/rejets/%Y/%m/", blank=True
    )
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "import de salariés"
        verbose_name_plural = "imports de salariés"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({timezone.localtime(self.created_at):%d/%m/%Y %H:%M})"

    @property
    def groups(self) -> list[InsuredGroup]:
        """Every insured group the file's employees join, the lead first."""
        others = sorted(self.other_groups.all(), key=lambda g: (g.contract.number, g.pk))
        return [self.insured_group, *others]

    @property
    def percent(self) -> int:
        if self.status in {ImportStatus.DONE, ImportStatus.REFUSED}:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def running(self) -> bool:
        return self.status in {ImportStatus.QUEUED, ImportStatus.DECLARING}


class ImportRow(models.Model):
    """A line of an import file that was rejected: as typed, and why (the rejection file).

    Corrected in the browser, it holds the values last submitted and their problems; once a
    correction is accepted, the row is declared (`declared_at`, its affiliation `request`)
    and leaves the rejected rows. Its `attempts` keep every version."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField("ligne")
    # The row as typed (NIRs inside): encrypted at rest.
    raw = EncryptedCharField()
    # Why the row was refused: a list of `{field, code, message}` (`Problem.as_dict`).
    errors = models.JSONField(default=list, blank=True)
    declared_at = models.DateTimeField("déclarée le", null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="corrigée par",
    )
    request = models.ForeignKey(
        Request,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="demande d'affiliation",
    )

    class Meta:
        verbose_name = "ligne rejetée"
        verbose_name_plural = "lignes rejetées"
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="unique_import_row")
        ]

    def __str__(self) -> str:
        return f"Ligne {self.number}"

    @property
    def declared(self) -> bool:
        return self.declared_at is not None


class AttemptSource(models.TextChoices):
    FILE = "file", "Fichier importé"
    CORRECTION = "correction", "Correction en ligne"


class AttemptOutcome(models.TextChoices):
    REJECTED = "rejected", "En erreur"
    DECLARED = "declared", "Déclarée"


class ImportRowAttempt(models.Model):
    """One version of a rejected row: the file's, then each correction submitted in the
    browser (who, when, the values, the problems found, what became of it)."""

    row = models.ForeignKey(ImportRow, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="par",
    )
    source = models.CharField("origine", max_length=20, choices=AttemptSource.choices)
    # The values submitted (NIRs inside): encrypted at rest, as the row's.
    raw = EncryptedCharField()
    # `{field, code, message}` problems (`Problem.as_dict`); empty when declared as is.
    problems = models.JSONField(default=list, blank=True)
    outcome = models.CharField("résultat", max_length=20, choices=AttemptOutcome.choices)

    class Meta:
        verbose_name = "version d'une ligne rejetée"
        verbose_name_plural = "versions des lignes rejetées"
        ordering = ["row", "at", "id"]

    def __str__(self) -> str:
        return f"{self.row} — {self.get_outcome_display()}"


class ImportCorrection(models.Model):
    """A line of an import file that was declared with a correction the report shows (the
    only commune of its postal code instead of a city that does not match it)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="corrections")
    number = models.PositiveIntegerField("ligne")
    name = models.CharField("nom et prénom du salarié", max_length=300)
    # What was corrected: a list of `{field, code, message}` (`Problem.as_dict`).
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "ligne corrigée"
        verbose_name_plural = "lignes corrigées"
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="unique_import_correction")
        ]

    def __str__(self) -> str:
        return f"Ligne {self.number}"
