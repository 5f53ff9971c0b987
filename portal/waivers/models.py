"""Waivers ("dispenses d'adhésion"): the employee's signed request, its proof and its end."""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.companies.models import Company
from portal.enrollment.models import Employee, Membership
from portal.tracking.models import Request
from portal.waivers.rules import CASES, CONSEQUENCES_STATEMENT

CASE_CHOICES = [(case.code, case.label) for case in CASES]

# R2.9 and R7.4: the employer must produce the request at an URSSAF audit, even after the
# employee has left (Cass. civ. 2e, 16 Oct 2025, n° 23-16.350).
RETENTION_NOTE = (
    "À conserver pendant toute la durée d'emploi du salarié, puis pendant la période de "
    "contrôle URSSAF (3 années civiles plus l'année en cours), même après son départ."
)


def _random_name(folder: str, filename: str) -> str:
    # Never the uploaded name in the path: it may say more than the case does ("attestation
    # CSS Dupont.pdf"). The original name is kept in the row, for the download.
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"waivers/{folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


def proof_path(waiver: Waiver, filename: str) -> str:
    return _random_name("proofs", filename)


def request_path(waiver: Waiver, filename: str) -> str:
    return _random_name("requests", filename)


def signed_request_path(waiver: Waiver, filename: str) -> str:
    return _random_name("signed", filename)


class WaiverStatus(models.TextChoices):
    REQUESTED = "requested", "Demandée (signature en attente)"
    # Signed by the employee: the insurer checks the proof, then grants or refuses it.
    SIGNED = "signed", "Signée, à vérifier"
    GRANTED = "granted", "Accordée"
    REFUSED = "refused", "Refusée"
    EXPIRED = "expired", "Expirée"


class EndReason(models.TextChoices):
    """Why a granted waiver ended (`WaiverStatus.EXPIRED`)."""

    LAPSED = "lapsed", "Arrivée à son terme sans nouveau justificatif"
    ENROLLED = "enrolled", "Le salarié a choisi d'adhérer"


# Not decided yet: waiting for the employee's signature, then for the insurer's check.
UNDECIDED = [WaiverStatus.REQUESTED, WaiverStatus.SIGNED]


class Waiver(models.Model):
    """An employee's request to be exempted from the mandatory plan, with its evidence."""

    # PROTECT: the request outlives the employee's departure (R2.9).
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="waivers", verbose_name="salarié"
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="waivers",
        null=True,
        blank=True,
        verbose_name="adhésion",
    )
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="waivers",
        verbose_name="entreprise",
        db_index=False,  # the index below starts with the company
    )
    case_code = models.CharField("cas de dispense", max_length=40, choices=CASE_CHOICES)
    status = models.CharField(
        "statut", max_length=10, choices=WaiverStatus.choices, default=WaiverStatus.REQUESTED
    )
    end_date = models.DateField("fin de la dispense", null=True, blank=True)
    next_proof_due = models.DateField("prochain justificatif attendu le", null=True, blank=True)
    requested_at = models.DateTimeField("demandée le", default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="demandée par",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="décidée par",
    )
    # Why the insurer refused it: told to the employee and shown in the request's timeline.
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)
    # The "Dispense" request the employer follows in "Mes demandes", opened once signed.
    request = models.OneToOneField(
        Request,
        on_delete=models.PROTECT,
        related_name="waiver",
        null=True,
        blank=True,
        verbose_name="demande",
    )
    proof = models.FileField("justificatif", upload_to=proof_path, blank=True)
    proof_content_type = models.CharField("type du justificatif", max_length=30, blank=True)
    proof_name = models.CharField("nom du fichier déposé", max_length=200, blank=True)
    proof_sha256 = models.CharField("empreinte SHA-256 du justificatif", max_length=64, blank=True)
    request_pdf = models.FileField("demande écrite (PDF)", upload_to=request_path)
    request_sha256 = models.CharField("empreinte SHA-256 de la demande", max_length=64)
    # The exact sentence printed in the request (R2.9), kept as evidence of what was shown.
    consequences_statement = models.TextField(
        "mention des conséquences", default=CONSEQUENCES_STATEMENT
    )
    signed_request_pdf = models.FileField(
        "demande signée (PDF)", upload_to=signed_request_path, blank=True
    )
    signed_request_sha256 = models.CharField(
        "empreinte SHA-256 de la demande signée", max_length=64, blank=True
    )
    retention_note = models.TextField("conservation", default=RETENTION_NOTE)
    # R2.11: the notices sent before the end (`rules.END_NOTICE_DAYS`), and how it ended.
    end_notices_sent = models.PositiveSmallIntegerField("avis de fin envoyés", default=0)
    ended_at = models.DateTimeField("terminée le", null=True, blank=True)
    end_reason = models.CharField(
        "fin de la dispense", max_length=10, choices=EndReason.choices, blank=True
    )

    class Meta:
        verbose_name = "dispense d'adhésion"
        verbose_name_plural = "dispenses d'adhésion"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["company", "status", "-requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=WaiverStatus.values), name="waiver_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(case_code__in=[code for code, _ in CASE_CHOICES]),
                name="waiver_case_known",
            ),
            # Decided exactly when no longer waiting for the signature or the insurer's check.
            models.CheckConstraint(
                condition=models.Q(status__in=UNDECIDED, decided_at__isnull=True)
                | (~models.Q(status__in=UNDECIDED) & models.Q(decided_at__isnull=False)),
                name="waiver_decided_when_not_pending",
            ),
            # A waiver to check, granted (or since expired) rests on the signed request; its
            # hash outlives the PDF once its retention has run (portal/core/retention.py).
            models.CheckConstraint(
                condition=~models.Q(
                    status__in=[WaiverStatus.SIGNED, WaiverStatus.GRANTED, WaiverStatus.EXPIRED]
                )
                | ~models.Q(signed_request_sha256=""),
                name="waiver_granted_is_signed",
            ),
            # A refusal says why.
            models.CheckConstraint(
                condition=~models.Q(status=WaiverStatus.REFUSED) | ~models.Q(refusal_reason=""),
                name="waiver_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(proof="")
                | (~models.Q(proof_content_type="") & ~models.Q(proof_sha256="")),
                name="waiver_proof_described",
            ),
            models.CheckConstraint(
                condition=~models.Q(request_sha256=""),
                name="waiver_request_written",
            ),
            # An expired waiver says when and why it ended; only an expired one does.
            models.CheckConstraint(
                condition=models.Q(
                    status=WaiverStatus.EXPIRED,
                    ended_at__isnull=False,
                    end_reason__in=["lapsed", "enrolled"],
                )
                | (~models.Q(status=WaiverStatus.EXPIRED) & models.Q(ended_at=None, end_reason="")),
                name="waiver_expired_has_its_end",
            ),
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status=WaiverStatus.GRANTED),
                name="one_granted_waiver_per_membership",
            ),
            # Asking again replaces the draft (`request_waiver`): one per membership.
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status=WaiverStatus.REQUESTED),
                name="one_draft_waiver_per_membership",
            ),
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status=WaiverStatus.SIGNED),
                name="one_waiver_to_check_per_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_case_code_display()} — {self.employee}"

    @property
    def awaits_signature(self) -> bool:
        return self.status == WaiverStatus.REQUESTED

    @property
    def awaits_review(self) -> bool:
        return self.status == WaiverStatus.SIGNED


def renewal_proof_path(renewal: WaiverRenewal, filename: str) -> str:
    return _random_name("renewals", filename)


class RenewalStatus(models.TextChoices):
    SUBMITTED = "submitted", "Envoyé, à vérifier"
    ACCEPTED = "accepted", "Accepté"
    REFUSED = "refused", "Refusé"
    WITHDRAWN = "withdrawn", "Retiré : le salarié a choisi d'adhérer"


class WaiverRenewal(models.Model):
    """A new proof sent by a waived employee before the waiver's end, to keep it (R2.11):
    checked by the insurer like the first one, through its own "Dispense" request."""

    waiver = models.ForeignKey(
        Waiver, on_delete=models.PROTECT, related_name="renewals", verbose_name="dispense"
    )
    status = models.CharField(
        "statut", max_length=10, choices=RenewalStatus.choices, default=RenewalStatus.SUBMITTED
    )
    # The new last day typed from the proof (cases with a given end); None: computed.
    end_date = models.DateField("nouvelle date de fin", null=True, blank=True)
    previous_end = models.DateField("fin précédente")
    proof = models.FileField("justificatif", upload_to=renewal_proof_path)
    proof_content_type = models.CharField("type du justificatif", max_length=30)
    proof_name = models.CharField("nom du fichier déposé", max_length=200, blank=True)
    proof_sha256 = models.CharField("empreinte SHA-256 du justificatif", max_length=64)
    submitted_at = models.DateTimeField("envoyé le", default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="envoyé par",
    )
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="décidé par",
    )
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)
    request = models.OneToOneField(
        Request,
        on_delete=models.PROTECT,
        related_name="waiver_renewal",
        verbose_name="demande",
    )

    class Meta:
        verbose_name = "nouveau justificatif de dispense"
        verbose_name_plural = "nouveaux justificatifs de dispense"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RenewalStatus.values), name="renewal_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status=RenewalStatus.SUBMITTED, decided_at=None)
                | (~models.Q(status=RenewalStatus.SUBMITTED) & models.Q(decided_at__isnull=False)),
                name="renewal_decided_when_not_submitted",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RenewalStatus.REFUSED) | ~models.Q(refusal_reason=""),
                name="renewal_refusal_has_reason",
            ),
            # One proof checked at a time: a second "Envoyer" while the first waits is refused.
            models.UniqueConstraint(
                fields=["waiver"],
                condition=models.Q(status=RenewalStatus.SUBMITTED),
                name="one_renewal_to_check_per_waiver",
            ),
        ]

    def __str__(self) -> str:
        return f"Nouveau justificatif — {self.waiver}"
