"""The outbox: one row per e-mail, SMS or letter, sent by a task and retried."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from portal.core.crypto import EncryptedCharField


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    LETTER = "letter", "Courrier"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec"


class OutboundMessage(models.Model):
    """A message to a person and its delivery status; its one-time secrets are never readable.

    `subject`, `body_text`, `body_html` and `attachment` are what staff may see: a message that
    carries a secret (a link, a code, a provisional password) keeps there its redacted copy
    ("[lien d'invitation envoyé]"), and its full content in `sealed`, encrypted, only until it
    is delivered or finally fails (`delivery.deliver` then wipes it).
    """

    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    recipient = models.CharField("destinataire", max_length=254)
    subject = models.CharField("objet", max_length=200, blank=True)
    body_text = models.TextField("texte", blank=True)
    body_html = models.TextField("HTML", blank=True)
    # A letter's PDF, or an e-mail's attachment, through the storage API.
    attachment = models.FileField("pièce jointe", upload_to="outbox/%Y/%m/", blank=True)
    # The full content (JSON: subject, texts, attachment), encrypted with the field keys.
    sealed = EncryptedCharField("contenu chiffré (jusqu'à l'envoi)", blank=True, default="")
    template = models.CharField("modèle", max_length=80)
    # Messages queued in bulk are rendered by the worker at delivery: the renderer registered
    # under `template` receives `render_args` (ids, never personal data).
    render_args = models.JSONField("paramètres du rendu", default=dict, blank=True)
    status = models.CharField(
        "état", max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "message envoyé"
        verbose_name_plural = "messages envoyés"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient} : {self.subject}"
