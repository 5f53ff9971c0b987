"""Webhook endpoints of a company, the messages queued for them and each delivery attempt."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.companies.models import Company
from portal.core.crypto import EncryptedCharField
from portal.webhooks.choices import EventType, MessageState


class WebhookEndpoint(models.Model):
    """An HTTPS address of a company's software that receives the events it subscribed to,
    signed with its secret (Standard Webhooks)."""

    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name="entreprise",
    )
    url = models.CharField("adresse (URL)", max_length=500)
    description = models.CharField("description", max_length=200, blank=True)
    # Event type codes (`EventType`); never empty (checked by the services).
    events = models.JSONField("événements", default=list)
    # `whsec_` + base64 of 32 random bytes, encrypted at rest like the NIRs.
    secret = EncryptedCharField("secret de signature")
    # After "Renouveler le secret", the old one signs too until it expires (24 h).
    previous_secret = EncryptedCharField("ancien secret", blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(
        "ancien secret valable jusqu'au", null=True, blank=True
    )
    is_active = models.BooleanField("active", default=True)
    disabled_at = models.DateTimeField("désactivée le", null=True, blank=True)
    disabled_reason = models.CharField("motif de la désactivation", max_length=300, blank=True)
    # Attempts failed in a row since the last success, across messages, and since when.
    consecutive_failures = models.PositiveIntegerField("échecs consécutifs", default=0)
    failing_since = models.DateTimeField("en échec depuis", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créée par",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)

    class Meta:
        verbose_name = "adresse de notification (webhook)"
        verbose_name_plural = "adresses de notification (webhooks)"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["company", "is_active"], name="webhook_endpoint_company")]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now: Any) -> list[str]:
        """The secrets that sign a delivery at `now`: the current one, and the previous one
        while it has not expired."""
        keys = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at is not None
            and self.previous_secret_expires_at > now
        ):
            keys.append(self.previous_secret)
        return keys

    def event_labels(self) -> list[str]:
        return [EventType(code).label for code in self.events if code in EventType.values]


class WebhookMessage(models.Model):
    """One event for one endpoint: its `msg_…` id (the `webhook-id`, the same on every
    retry), the exact body signed and sent, and its delivery state."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="messages", verbose_name="adresse"
    )
    message_id = models.CharField("identifiant (webhook-id)", max_length=40, unique=True)
    event_type = models.CharField("événement", max_length=40, choices=EventType.choices)
    # The JSON text itself (not a JSONField: PostgreSQL's jsonb would reorder its keys, and the
    # signature covers these exact bytes).
    body = models.TextField("contenu envoyé")
    created_at = models.DateTimeField("créé le", default=timezone.now)
    state = models.CharField(
        "état", max_length=20, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveIntegerField("tentatives", default=0)
    # Attempts since it was queued or replayed ("Renvoyer"): the step of the retry schedule.
    round_attempts = models.PositiveIntegerField("tentatives de cet envoi", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    delivered_at = models.DateTimeField("livré le", null=True, blank=True)

    class Meta:
        verbose_name = "notification (webhook)"
        verbose_name_plural = "notifications (webhooks)"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_message_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_message_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.event_type}"

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


class WebhookAttempt(models.Model):
    """One POST of a message: when, how long, the HTTP status or the error, and the start
    of the answer."""

    message = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="log", verbose_name="notification"
    )
    at = models.DateTimeField("envoyée le")
    duration_ms = models.PositiveIntegerField("durée (ms)")
    status_code = models.PositiveSmallIntegerField("statut HTTP", null=True, blank=True)
    error = models.CharField("erreur", max_length=300, blank=True)
    response_excerpt = models.CharField("début de la réponse", max_length=500, blank=True)

    class Meta:
        verbose_name = "tentative de livraison"
        verbose_name_plural = "tentatives de livraison"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
