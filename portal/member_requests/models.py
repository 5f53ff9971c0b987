"""A member's requests to the insurer during the contract's life: add or remove a dependant
after a life event, send a document; each with its proof and its timeline."""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.core.crypto import EncryptedCharField
from portal.enrollment.choices import Civility, DependantKind
from portal.enrollment.models import Dependant, Employee, Membership
from portal.member_requests.choices import DocumentType, EventKind, RequestKind, RequestState
from portal.member_requests.rules import LIFE_EVENTS

LIFE_EVENT_CHOICES = [(event.code, event.label) for event in LIFE_EVENTS]
PENDING = RequestState.SUBMITTED


def proof_path(member_request: MemberRequest, filename: str) -> str:
    # Never the uploaded name in the path ("acte de naissance Lou Simon.pdf"): the row keeps
    # it for the download. The storage encrypts the content (portal/core/files.py).
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"member_requests/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class MemberRequest(models.Model):
    """A member's request ("Ajout de bénéficiaire", "Radiation de bénéficiaire", "Envoi de
    justificatif") for the insurer to decide; its state moves only in `services`."""

    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="member_requests", verbose_name="salarié"
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="member_requests",
        verbose_name="adhésion",
    )
    kind = models.CharField("motif", max_length=20, choices=RequestKind.choices)
    state = models.CharField(
        "état", max_length=10, choices=RequestState.choices, default=RequestState.SUBMITTED
    )
    submitted_at = models.DateTimeField("envoyée le", default=timezone.now)
    state_changed_at = models.DateTimeField("état depuis le", default=timezone.now)
    # A dependant's addition or removal: the life event and the dates it gives.
    life_event = models.CharField(
        "événement", max_length=30, choices=LIFE_EVENT_CHOICES, blank=True
    )
    event_date = models.DateField("date de l'événement", null=True, blank=True)
    effective_date = models.DateField("date d'effet", null=True, blank=True)
    # The removal's dependant; the addition's once accepted.
    dependant = models.ForeignKey(
        Dependant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member_requests",
        verbose_name="bénéficiaire",
    )
    # An addition: the dependant as the member described them (the journey's fields).
    dependant_kind = models.CharField(
        "type de bénéficiaire", max_length=12, choices=DependantKind.choices, blank=True
    )
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices, blank=True)
    last_name = models.CharField("nom", max_length=80, blank=True)
    first_name = models.CharField("prénom", max_length=80, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    twin_rank = models.PositiveSmallIntegerField("rang gémellaire", null=True, blank=True)
    nir = EncryptedCharField("N° de sécurité sociale", blank=True)
    parent_nir = EncryptedCharField("N° de sécurité sociale de rattachement", blank=True)
    fund_code = models.CharField("organisme de sécurité sociale", max_length=9, blank=True)
    alsace_moselle = models.BooleanField("régime local Alsace Moselle", default=False)
    studying = models.BooleanField("étudiant ou apprenti", default=False)
    disabled = models.BooleanField("en situation de handicap", default=False)
    # "Envoyer un justificatif".
    document_type = models.CharField(
        "type de document", max_length=12, choices=DocumentType.choices, blank=True
    )
    note = models.TextField("message", blank=True)
    proof = models.FileField("justificatif", upload_to=proof_path, blank=True)
    proof_content_type = models.CharField("type du justificatif", max_length=30, blank=True)
    proof_name = models.CharField("nom du fichier déposé", max_length=200, blank=True)
    proof_sha256 = models.CharField("empreinte SHA-256 du justificatif", max_length=64, blank=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="décidée par",
    )
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)

    class Meta:
        verbose_name = "demande d'adhérent"
        verbose_name_plural = "demandes d'adhérents"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["employee", "-submitted_at"]),
            models.Index(fields=["state", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RequestKind.values), name="member_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=RequestState.values),
                name="member_request_state_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=RequestState.REFUSED) | ~models.Q(refusal_reason=""),
                name="member_request_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=RequestKind.DOCUMENT)
                | (
                    ~models.Q(life_event="")
                    & models.Q(event_date__isnull=False, effective_date__isnull=False)
                ),
                name="member_request_life_event_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(proof="")
                | (~models.Q(proof_content_type="") & ~models.Q(proof_sha256="")),
                name="member_request_proof_described",
            ),
            # One removal of a dependant waiting for the insurer at a time.
            models.UniqueConstraint(
                fields=["dependant"],
                condition=models.Q(kind=RequestKind.REMOVE_DEPENDANT, state=PENDING),
                name="one_pending_removal_per_dependant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} n° {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.state == RequestState.SUBMITTED

    @property
    def dependant_name(self) -> str:
        """Who the request is about (the member's and staff's screens only, never the
        employer's)."""
        if self.kind == RequestKind.ADD_DEPENDANT:
            return f"{self.first_name} {self.last_name.upper()}"
        if self.dependant is not None:
            return self.dependant.full_name
        return ""


class MemberRequestEvent(models.Model):
    """One step of a member request's timeline: sent, accepted, refused, cancelled."""

    request = models.ForeignKey(
        MemberRequest, on_delete=models.CASCADE, related_name="events", verbose_name="demande"
    )
    kind = models.CharField("étape", max_length=12, choices=EventKind.choices)
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="par",
    )
    note = models.CharField("précision", max_length=300, blank=True)

    class Meta:
        verbose_name = "étape de demande d'adhérent"
        verbose_name_plural = "étapes de demandes d'adhérents"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%d/%m/%Y})"
