"""Requests ("demandes") the employer follows in "Mes demandes", with their timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.companies.models import Company
from portal.enrollment.models import Employee, Membership


class Reason(models.TextChoices):
    AFFILIATION = "affiliation", "Affiliation"
    DEATH = "death", "Décès"
    TERMINATION = "termination", "Résiliation"
    WAIVER = "waiver", "Dispense"


class State(models.TextChoices):
    IN_PROGRESS = "in_progress", "En cours"
    WAITING = "waiting", "En attente"
    CANCELLED = "cancelled", "Annulée"
    CLOSED = "closed", "Clôturée"


class Source(models.TextChoices):
    FORM = "form", "Formulaire"
    FILE = "file", "Fichier"
    DSN = "dsn", "DSN"
    API = "api", "API"


class Request(models.Model):
    """A request about one employee: an affiliation, a termination, a death or a waiver."""

    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name="entreprise",
        db_index=False,  # the indexes below start with the company
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="requests", verbose_name="salarié"
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
        verbose_name="adhésion",
    )
    reason = models.CharField("motif", max_length=20, choices=Reason.choices)
    state = models.CharField("état", max_length=20, choices=State.choices)
    source = models.CharField("origine", max_length=10, choices=Source.choices)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    updated_at = models.DateTimeField("mise à jour le", default=timezone.now)
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créée par",
    )
    # Set by the form's "Valider" for each entered employee: a second submission of the same
    # list (double click, two tabs) cannot declare anyone twice.
    submission_key = models.CharField(
        max_length=40, null=True, blank=True, unique=True, editable=False
    )
    # Denormalised for "Rechercher par Nom / Prénom" on 100,000 requests (see Employee).
    search_name = models.CharField(max_length=170, editable=False)
    search_name_reversed = models.CharField(max_length=170, editable=False, default="")
    # The staff queue "À traiter": since when the request is "En cours" (set by `move_request`
    # and `open_requests`), and who holds it ("Je prends", `take_request` / `release_request`).
    in_progress_since = models.DateTimeField("en cours depuis le", null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="pris par",
    )
    assigned_at = models.DateTimeField("pris le", null=True, blank=True)

    class Meta:
        verbose_name = "demande"
        verbose_name_plural = "demandes"
        ordering = ["-created_at", "-id"]
        indexes = [
            # "Mes demandes" in its order (`queries.REQUEST_ORDER`), whole or by état or motif:
            # a page, first or 500th (keyset), is read on the index.
            models.Index(fields=["company", "-created_at", "search_name", "-id"]),
            models.Index(fields=["company", "state", "-created_at", "search_name", "-id"]),
            models.Index(fields=["company", "reason", "-created_at", "search_name", "-id"]),
            models.Index(fields=["company", "search_name"]),
            models.Index(fields=["company", "search_name_reversed"]),
            # The staff queue's counts per motif: an index-only scan of this small index
            # (its repeated keys deduplicated on PostgreSQL), not of the wider ones below.
            models.Index(fields=["state", "reason"], name="request_state_reason_idx"),
            # The staff queue, across companies: by state and motif, oldest first.
            models.Index(
                fields=["state", "reason", "in_progress_since", "id"], name="request_queue_idx"
            ),
            models.Index(
                fields=["state", "reason", "created_at", "id"], name="request_queue_created_idx"
            ),
            # Its name search across companies (prefix LIKE; the opclass on PostgreSQL).
            models.Index(
                fields=["search_name"],
                name="request_search_name_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["search_name_reversed"],
                name="request_search_reversed_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.employee}"


class EventKind(models.TextChoices):
    CREATED = "created", "Demande créée"
    INVITATION_SENT = "invitation_sent", "Lien d'affiliation envoyé"
    LETTERS_SENT = "letters_sent", "Courriers d'identifiant et de mot de passe envoyés"
    LINK_SMS_SENT = "link_sms_sent", "Lien d'affiliation envoyé par SMS"
    REMINDER_SENT = "reminder_sent", "Relance envoyée"
    AUTO_REMINDER_SENT = "auto_reminder_sent", "Relance automatique envoyée"
    LINK_RENEWED = "link_renewed", "Nouveau lien envoyé (60 jours)"
    LINK_SELF_RENEWED = "link_self_renewed", "Nouveau lien obtenu par le salarié (60 jours)"
    LINK_EXPIRED = "link_expired", "Lien d'affiliation expiré"
    ACCOUNT_ACTIVATED = "account_activated", "Compte activé par le salarié"
    SIGNED = "signed", "Adhésion signée par le salarié"
    SENT_BACK = "sent_back", "Adhésion renvoyée au salarié pour correction"
    CLOSED = "closed", "Demande clôturée"
    TERMINATION_UNDONE = "termination_undone", "Résiliation annulée par l'employeur"
    CANCELLED = "cancelled", "Demande annulée par nos services"
    DECLARATION_CANCELLED = "declaration_cancelled", "Déclaration annulée par l'employeur"
    WAIVER_SIGNED = "waiver_signed", "Demande de dispense signée par le salarié"
    WAIVER_GRANTED = "waiver_granted", "Dispense accordée par nos services"
    WAIVER_REFUSED = "waiver_refused", "Dispense refusée par nos services"
    MEMBER_TERMINATED = "member_terminated", "Demande annulée : le salarié a été radié"
    REOPENED = "reopened", "Résiliation annulée : de nouveau en attente du salarié"
    # The end of a waiver (R2.11), in the "Dispense" request's timeline and the new affiliation's.
    WAIVER_END_NOTICE = "waiver_end_notice", "Fin de la dispense annoncée au salarié"
    WAIVER_RENEWAL_SENT = "waiver_renewal_sent", "Nouveau justificatif envoyé par le salarié"
    WAIVER_RENEWED = "waiver_renewed", "Dispense prolongée par nos services"
    WAIVER_RENEWAL_REFUSED = (
        "waiver_renewal_refused",
        "Nouveau justificatif refusé par nos services",
    )
    WAIVER_LAPSED = "waiver_lapsed", "Dispense arrivée à son terme : adhésion obligatoire"
    WAIVER_GIVEN_UP = "waiver_given_up", "Le salarié renonce à sa dispense pour adhérer"
    PORTABILITY_PROOF_ASKED = "portability_proof_asked", "Justificatif France Travail demandé"
    PORTABILITY_PROOF_RECEIVED = "portability_proof_received", "Justificatif France Travail reçu"
    PORTABILITY_PROOF_ACCEPTED = "portability_proof_accepted", "Justificatif France Travail accepté"
    PORTABILITY_PROOF_REFUSED = "portability_proof_refused", "Justificatif France Travail refusé"
    PORTABILITY_ENDED_EARLY = "portability_ended_early", "Portabilité arrêtée avant son terme"
    PORTABILITY_FINISHED = "portability_finished", "Portabilité terminée"
    # Staff-internal steps ("À traiter"): kept out of the employer's timeline (STAFF_ONLY).
    TAKEN = "taken", "Prise en charge par un gestionnaire"
    TAKEN_OVER = "taken_over", "Reprise par un autre gestionnaire"
    RELEASED = "released", "Libérée par son gestionnaire"


# The timeline steps only staff see: who works a dossier is not the employer's business.
STAFF_ONLY_EVENTS = frozenset({EventKind.TAKEN, EventKind.TAKEN_OVER, EventKind.RELEASED})


class RequestEvent(models.Model):
    """One step in a request's timeline."""

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="events", verbose_name="demande"
    )
    kind = models.CharField("événement", max_length=30, choices=EventKind.choices)
    at = models.DateTimeField("le", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="par",
    )
    # A word for the employer, e.g. why the insurer cancelled the request.
    note = models.CharField("précision", max_length=300, blank=True)
    # The message this step sent (an invitation, a reminder): its delivery state shows beside.
    message = models.ForeignKey(
        "notifications.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="message",
    )

    class Meta:
        verbose_name = "étape de demande"
        verbose_name_plural = "étapes de demande"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class RenewalChannel(models.TextChoices):
    SMS = "sms", "Par SMS, au numéro de téléphone portable donné par mon employeur"
    EMAIL = "email", "Par e-mail, à l'adresse donnée par mon employeur"


class LinkRenewal(models.Model):
    """ "Obtenir un nouveau lien": the code sent to an employee who gave their NIR and birth
    date, to the phone or e-mail on file (`tracking/link_renewal.py`). The code is kept only as
    a salted keyed digest."""

    employee = models.ForeignKey(
        "enrollment.Employee", on_delete=models.CASCADE, related_name="+", verbose_name="salarié"
    )
    channel = models.CharField("envoyé", max_length=5, choices=RenewalChannel.choices)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu'au")
    attempts = models.PositiveSmallIntegerField("codes saisis", default=0)
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "demande de nouveau lien"
        verbose_name_plural = "demandes de nouveau lien"

    def __str__(self) -> str:
        return f"Nouveau lien ({self.created_at:%d/%m/%Y %H:%M})"
