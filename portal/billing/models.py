"""The debit runs of what the employees pay (options, dependants), one per due date."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.billing.rules import Period
from portal.core.crypto import EncryptedCharField
from portal.enrollment.models import DebitMandate, Membership
from portal.notifications.models import OutboundMessage


class RunStatus(models.TextChoices):
    PREPARED = "prepared", "Préparé, pré-notifié"
    DOWNLOADED = "downloaded", "Fichier téléchargé pour la banque"


class LineStatus(models.TextChoices):
    SCHEDULED = "scheduled", "À prélever"
    IN_FILE = "in_file", "Transmis à la banque"
    # The mandate was revoked or the cover ended before the period, after the run was prepared.
    CANCELLED = "cancelled", "Annulé (mandat révoqué ou adhésion radiée)"


class SequenceType(models.TextChoices):
    FIRST = "FRST", "Premier prélèvement"
    RECURRENT = "RCUR", "Prélèvement récurrent"


class DebitRun(models.Model):
    """The SEPA direct debits of one due date, their pre-notifications and their pain.008 file."""

    due_date = models.DateField("date d'échéance", unique=True)
    status = models.CharField(
        "statut", max_length=12, choices=RunStatus.choices, default=RunStatus.PREPARED
    )
    created_at = models.DateTimeField("préparé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="préparé par",
    )
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)
    line_count = models.PositiveIntegerField("nombre de prélèvements", default=0)
    total_cents = models.PositiveBigIntegerField("montant total (centimes)", default=0)
    # The pain.008 file holds the debtors' IBANs: kept encrypted like them.
    file_xml = EncryptedCharField("fichier pain.008", blank=True)
    file_name = models.CharField("nom du fichier", max_length=80, blank=True)
    downloaded_at = models.DateTimeField("téléchargé le", null=True, blank=True)

    class Meta:
        verbose_name = "prélèvement"
        verbose_name_plural = "prélèvements"
        ordering = ["-due_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_date__day__in=(5, 10, 15, 20)),
                name="debit_run_on_a_debit_day",
            )
        ]

    def __str__(self) -> str:
        return f"Prélèvement du {self.due_date:%d/%m/%Y}"

    @property
    def total(self) -> Decimal:
        return Decimal(self.total_cents) / 100


class DebitLine(models.Model):
    """What one membership owes for one period, debited on its run's due date."""

    run = models.ForeignKey(
        DebitRun, on_delete=models.PROTECT, related_name="lines", verbose_name="prélèvement"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="debit_lines", verbose_name="adhésion"
    )
    mandate = models.ForeignKey(
        DebitMandate, on_delete=models.PROTECT, related_name="debit_lines", verbose_name="mandat"
    )
    # Copied from the mandate and its account when the run is prepared: the file says what the
    # debtor was told, even if the account changes afterwards.
    mandate_reference = models.CharField("RUM", max_length=35)
    mandate_signed_on = models.DateField("mandat signé le")
    debtor_name = models.CharField("titulaire du compte", max_length=70)
    iban = EncryptedCharField("IBAN")
    bic = models.CharField("BIC", max_length=11, blank=True)
    sequence = models.CharField("séquence", max_length=4, choices=SequenceType.choices)
    period_start = models.DateField("début de période")
    period_end = models.DateField("fin de période")
    amount_cents = models.PositiveIntegerField("montant (centimes)")
    end_to_end_id = models.CharField("référence de bout en bout", max_length=35, unique=True)
    status = models.CharField(
        "statut", max_length=12, choices=LineStatus.choices, default=LineStatus.SCHEDULED
    )
    notice = models.ForeignKey(
        OutboundMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="pré-notification",
    )
    notified_at = models.DateTimeField("pré-notifié le", null=True, blank=True)

    class Meta:
        verbose_name = "ligne de prélèvement"
        verbose_name_plural = "lignes de prélèvement"
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "membership"], name="one_line_per_run"),
            # A period is debited once, whatever the run.
            models.UniqueConstraint(
                fields=["membership", "period_start"], name="one_debit_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="debit_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="debit_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mandate_reference} {self.amount} €"

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents) / 100

    @property
    def period_label(self) -> str:
        return Period(self.period_start, self.period_end).label
