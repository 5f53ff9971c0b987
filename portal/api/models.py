"""API keys of a company, and the answers kept for idempotent calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.companies.models import Company


class Scope(models.TextChoices):
    """What a key may do; every key reads ("read"), the others add writing rights."""

    READ = "read", "Lecture"
    DECLARE = "declare", "Déclarer et relancer"
    TERMINATE = "terminate", "Résilier"


class ApiKey(models.Model):
    """A secret a program presents (`Authorization: Bearer …`) to act for one company.

    The secret is shown once; only its SHA-256 is kept (it is 256 random bits: a slow hash
    adds nothing). The prefix, not secret, names the key in lists and logs."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="api_keys", verbose_name="entreprise"
    )
    name = models.CharField("nom", max_length=80)
    prefix = models.CharField("préfixe", max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField("droits", default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    expires_at = models.DateTimeField("expire le", null=True, blank=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = "clé d'API"
        verbose_name_plural = "clés d'API"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def state_label(self) -> str:
        if self.revoked_at is not None:
            return "Révoquée"
        if self.expires_at is not None and timezone.now() >= self.expires_at:
            return "Expirée"
        return "Active"

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [labels[s] for s in Scope.values if s in self.scopes]


class IdempotentCall(models.Model):
    """The first answer to a call made with an `Idempotency-Key`: a retry gets it again."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # The method, path and body's SHA-256: the same key with another call is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"], name="one_answer_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"
