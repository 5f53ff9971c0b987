"""Kernel data: the audit log and the official postal code ↔ commune list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """An append-only record of a business event or of an access to personal data."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="auteur",
    )
    action = models.CharField("action", max_length=80, db_index=True)
    # The object concerned, by label and id (no foreign key: the log outlives rows).
    target_type = models.CharField("type d'objet", max_length=60, blank=True)
    target_id = models.CharField("identifiant", max_length=40, blank=True)
    company_id = models.BigIntegerField("entreprise", null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    # Pseudonymous details only: never a NIR, an IBAN or a password.
    details = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "événement d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.occurred_at):%d/%m/%Y %H:%M} {self.action}"


class PostalCode(models.Model):
    """One (postal code, commune) pair of the Base Adresse Nationale list (MIT)."""

    postal_code = models.CharField("code postal", max_length=5, db_index=True)
    insee_code = models.CharField("code INSEE", max_length=5)
    commune = models.CharField("commune", max_length=80)
    # The routing label: upper case, no accents, the last line of an AFNOR address.
    routing_label = models.CharField("libellé d'acheminement", max_length=80)

    class Meta:
        verbose_name = "code postal"
        verbose_name_plural = "codes postaux"
        ordering = ["postal_code", "commune"]
        constraints = [
            models.UniqueConstraint(
                fields=["postal_code", "insee_code", "routing_label"], name="unique_postal_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.postal_code} {self.routing_label}"


class JobLease(models.Model):
    """Which worker runs a background job (an import file, a DSN file) and until when.

    The worker holding it moves `lease_until` on while it lives (`portal.core.jobs`); once
    that passes, the job is stale and any live worker resumes it. Kept apart from the job's
    row, which the job itself holds locked for a whole chunk or declaration."""

    job = models.CharField("tâche", max_length=100)  # the job row's model label
    object_id = models.PositiveBigIntegerField("identifiant")
    # The worker running it ("" while waiting for one, before or after an interruption).
    owner = models.CharField("traité par", max_length=120, blank=True)
    lease_until = models.DateTimeField("réservé jusqu'au")
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    interruptions = models.PositiveIntegerField("interruptions", default=0)
    interrupted_at = models.DateTimeField("interrompu le", null=True, blank=True)

    class Meta:
        verbose_name = "réservation d'un traitement"
        verbose_name_plural = "réservations des traitements"
        constraints = [
            models.UniqueConstraint(fields=["job", "object_id"], name="unique_job_lease")
        ]
        indexes = [models.Index(fields=["job", "lease_until"])]

    def __str__(self) -> str:
        return f"{self.job} {self.object_id}"
