"""Signature envelopes: the documents one person signs in one go, the one-time codes sent to
them, their consents and the evidence log of the whole signature (rules.md §7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.core.crypto import EncryptedCharField
from portal.enrollment.models import Membership
from portal.signatures.rules import (
    MAX_CODES,
    MAX_CODES_PER_DAY,
    MAX_WRONG_ATTEMPTS,
    MAX_WRONG_CODES_PER_DAY,
)


class Purpose(models.TextChoices):
    ENROLLMENT = "enrollment", "Adhésion"
    WAIVER = "waiver", "Dispense d'adhésion"
    MANDATE = "mandate", "Mandat de prélèvement SEPA"


# Signed again and again: each new debit account makes a new mandate to sign.
REPEATABLE_PURPOSES = frozenset({Purpose.MANDATE})


class EnvelopeStatus(models.TextChoices):
    PREPARED = "prepared", "Préparé"
    CODE_SENT = "code_sent", "Code envoyé"
    SIGNED = "signed", "Signé"
    # Signed, then sent back by the insurer for a correction: kept as evidence, signed anew.
    RETURNED = "returned", "Signé puis renvoyé au salarié"
    ABANDONED = "abandoned", "Abandonné"


OPEN_STATUSES = (EnvelopeStatus.PREPARED, EnvelopeStatus.CODE_SENT)


class SignatureEnvelope(models.Model):
    """What one person signs in one go ("le dossier"): one or more documents, one signature."""

    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="signature_envelopes",
        verbose_name="adhésion",
    )
    purpose = models.CharField("objet", max_length=20, choices=Purpose.choices)
    status = models.CharField(
        "état", max_length=20, choices=EnvelopeStatus.choices, default=EnvelopeStatus.PREPARED
    )
    # The mobile number the last code went to (E.164), encrypted at rest, and its masked form.
    phone = EncryptedCharField("téléphone portable", blank=True)
    phone_masked = models.CharField("téléphone (masqué)", max_length=20, blank=True)
    codes_sent = models.PositiveSmallIntegerField("codes envoyés", default=0)
    # SHA-256 of the canonical data the documents were made from (`contents`): "Signer"
    # refuses to sign once the data no longer hashes the same. Blank on envelopes made before.
    content_sha256 = models.CharField("empreinte des données présentées", max_length=64, blank=True)
    created_at = models.DateTimeField("préparé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="préparé par",
    )
    signed_at = models.DateTimeField("signé le", null=True, blank=True)
    abandoned_at = models.DateTimeField("abandonné le", null=True, blank=True)

    class Meta:
        verbose_name = "dossier de signature"
        verbose_name_plural = "dossiers de signature"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A membership signs its enrollment (or its waiver) once; its mandates, many times.
            models.UniqueConstraint(
                fields=["membership", "purpose"],
                condition=Q(status="signed") & ~Q(purpose="mandate"),
                name="one_signed_envelope_per_purpose",
            ),
            # At most one envelope in progress: preparing a new one abandons the previous.
            models.UniqueConstraint(
                fields=["membership", "purpose"],
                condition=Q(status__in=["prepared", "code_sent"]),
                name="one_open_envelope_per_purpose",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["signed", "returned"], signed_at__isnull=False)
                | (~Q(status__in=["signed", "returned"]) & Q(signed_at__isnull=True)),
                name="signed_at_iff_signed",
            ),
            models.CheckConstraint(
                condition=Q(codes_sent__lte=MAX_CODES), name="envelope_codes_sent_at_most_max"
            ),
        ]

    def __str__(self) -> str:
        return f"Dossier n° {self.pk} ({self.get_purpose_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class DailyCodeUsage(models.Model):
    """The SMS codes sent to one membership's signer and the wrong codes they typed, in one
    day (Europe/Paris), whatever the envelope: a new envelope or a reload resets nothing."""

    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="adhésion",
    )
    day = models.DateField("jour")
    codes_sent = models.PositiveSmallIntegerField("codes envoyés", default=0)
    wrong_codes = models.PositiveSmallIntegerField("codes incorrects", default=0)

    class Meta:
        verbose_name = "codes SMS du jour"
        verbose_name_plural = "codes SMS par jour"
        constraints = [
            models.UniqueConstraint(fields=["membership", "day"], name="one_code_usage_per_day"),
            models.CheckConstraint(
                condition=Q(codes_sent__lte=MAX_CODES_PER_DAY), name="daily_codes_at_most_max"
            ),
            models.CheckConstraint(
                condition=Q(wrong_codes__lte=MAX_WRONG_CODES_PER_DAY),
                name="daily_wrong_codes_at_most_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} : {self.codes_sent} code(s), {self.wrong_codes} incorrect(s)"


def document_path(instance: SignedDocument, filename: str) -> str:
    # Random file names (chosen by the service): a path reveals no name and cannot be guessed.
    return f"signatures/{timezone.now():%Y/%m}/{filename}"


class SignedDocument(models.Model):
    """One PDF of an envelope, as shown to the signer and as signed, with their SHA-256."""

    envelope = models.ForeignKey(
        SignatureEnvelope,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name="dossier",
    )
    position = models.PositiveSmallIntegerField("rang")
    name = models.CharField("nom", max_length=200)
    # What the document is, e.g. "enrollment_form", "debit_mandate", "waiver_request".
    kind = models.CharField("type", max_length=40)
    unsigned_file = models.FileField("PDF présenté", upload_to=document_path)
    unsigned_sha256 = models.CharField("SHA-256 du PDF présenté", max_length=64)
    signed_file = models.FileField("PDF signé", upload_to=document_path, blank=True)
    signed_sha256 = models.CharField("SHA-256 du PDF signé", max_length=64, blank=True)

    class Meta:
        verbose_name = "document signé"
        verbose_name_plural = "documents signés"
        ordering = ["envelope", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["envelope", "position"], name="unique_document_position"
            ),
            # The hash outlives the file once its retention has run (portal/core/retention.py).
            models.CheckConstraint(
                condition=Q(signed_file="") | ~Q(signed_sha256=""),
                name="signed_file_has_its_hash",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ConsentRecord(models.Model):
    """A box the signer ticked: the exact wording and its version, and when (R7.3 item 5)."""

    envelope = models.ForeignKey(
        SignatureEnvelope,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name="dossier",
    )
    wording = models.TextField("libellé")
    version = models.CharField("version", max_length=40)
    ticked_at = models.DateTimeField("cochée le")

    class Meta:
        verbose_name = "consentement"
        verbose_name_plural = "consentements"
        # No unique (envelope, wording) constraint: a long wording overflows a PostgreSQL index
        # entry; record_consent holds the envelope's lock when it looks for a duplicate.
        ordering = ["ticked_at", "id"]

    def __str__(self) -> str:
        return f"{self.wording[:60]} (v{self.version})"


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS to sign an envelope, kept only as a keyed HMAC."""

    envelope = models.ForeignKey(
        SignatureEnvelope,
        on_delete=models.PROTECT,
        related_name="codes",
        verbose_name="dossier",
    )
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField("envoyé le")
    expires_at = models.DateTimeField("expire le")
    wrong_attempts = models.PositiveSmallIntegerField("essais incorrects", default=0)
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    # Set when the code stops working before expiry: a newer code was sent, or too many tries.
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "code à usage unique"
        verbose_name_plural = "codes à usage unique"
        ordering = ["-sent_at", "-id"]
        constraints = [
            # Only the last code sent can be used.
            models.UniqueConstraint(
                fields=["envelope"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="one_live_code_per_envelope",
            ),
            models.CheckConstraint(
                condition=Q(wrong_attempts__lte=MAX_WRONG_ATTEMPTS),
                name="code_wrong_attempts_at_most_max",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")), name="code_expires_after_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"Code du {timezone.localtime(self.sent_at):%d/%m/%Y %H:%M}"


class EvidenceKind(models.TextChoices):
    DOCUMENTS_PREPARED = "documents_prepared", "Documents préparés"
    CONSENT_TICKED = "consent_ticked", "Case cochée"
    CODE_SENT = "code_sent", "Code envoyé"
    CODE_FAILED = "code_failed", "Code refusé"
    CODE_VERIFIED = "code_verified", "Code vérifié"
    SIGNED = "signed", "Documents signés"
    LOCKED = "locked", "Code bloqué"
    SIGNING_REFUSED = "signing_refused", "Signature refusée (effet refusé, rien n'est signé)"
    CONTENT_CHANGED = (
        "content_changed",
        "Signature refusée (données modifiées depuis la préparation, rien n'est signé)",
    )


class EvidenceEvent(models.Model):
    """One step of a signature, with its technical context, for the evidence file (R7.3)."""

    envelope = models.ForeignKey(
        SignatureEnvelope,
        on_delete=models.PROTECT,
        related_name="evidence_events",
        verbose_name="dossier",
    )
    at = models.DateTimeField("date")
    kind = models.CharField("étape", max_length=30, choices=EvidenceKind.choices)
    phone_masked = models.CharField("téléphone (masqué)", max_length=20, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=500, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "étape de la signature"
        verbose_name_plural = "journal de preuve"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%d/%m/%Y %H:%M:%S} {self.get_kind_display()}"
