"""Writing the audit log, and the one list of its action names."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from portal.core.models import AuditEvent


class AuditAction(models.TextChoices):
    """Every action the audit log records, for every app (core is the lowest app)."""

    # accounts
    LOGIN = "login", "Connexion"
    LOGIN_FAILED = "login_failed", "Connexion refusée"
    LOGIN_LOCKED = "login_locked", "Compte verrouillé"
    LOGOUT = "logout", "Déconnexion"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Réinitialisation demandée"
    PASSWORD_SET = "password_set", "Mot de passe choisi"
    WELCOME_LINK_SENT = "welcome_link_sent", "Lien de bienvenue envoyé"
    LOGIN_DEACTIVATED = "login_deactivated", "Identifiant désactivé"
    LOGIN_REACTIVATED = "login_reactivated", "Identifiant réactivé"
    LOGIN_THROTTLED = "login_throttled", "Connexion refusée : trop d'échecs depuis cette adresse"
    PASSWORD_RESET_THROTTLED = "password_reset_throttled", "Réinitialisation refusée : limite"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Double authentification activée"
    SECOND_FACTOR_VERIFIED = "second_factor_verified", "Code de vérification accepté"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Code de vérification refusé"
    RECOVERY_CODE_USED = "recovery_code_used", "Code de secours utilisé"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", "Codes de secours renouvelés"
    SECOND_FACTOR_RESET = "second_factor_reset", "Double authentification réinitialisée"
    # companies
    CORRESPONDENT_CREATED = "correspondent_created", "Correspondant créé"
    CORRESPONDENT_COMPANIES_CHANGED = (
        "correspondent_companies_changed",
        "Entreprises du correspondant modifiées",
    )
    ACCESS_GRANTED = "access_granted", "Accès à l'entreprise donné"
    ACCESS_REVOKED = "access_revoked", "Accès à l'entreprise retiré"
    COVERAGE_TABLE_DOWNLOADED = "coverage_table_downloaded", "Tableau de garanties téléchargé"
    # enrollment
    EMPLOYEES_PRE_ENROLLED = "employees_pre_enrolled", "Salariés pré-affiliés"
    MEMBERSHIP_MOVED = "membership_moved", "Statut d'adhésion modifié"
    MEMBERSHIP_COVER_END_CHANGED = "membership_cover_end_changed", "Fin de couverture modifiée"
    ACCOUNT_ACTIVATED = "account_activated", "Compte activé"
    PROFILE_SAVED = "profile_saved", "Profil enregistré"
    EMPLOYEE_CORRECTED = "employee_corrected", "Salarié corrigé par nos services"
    DEPENDANT_SAVED = "dependant_saved", "Bénéficiaire enregistré"
    DEPENDANT_REMOVED = "dependant_removed", "Bénéficiaire supprimé"
    DEPENDANTS_CONFIRMED = "dependants_confirmed", "Bénéficiaires confirmés"
    BANK_DETAILS_SAVED = "bank_details_saved", "Coordonnées bancaires enregistrées"
    BANK_DETAILS_SKIPPED = "bank_details_skipped", "Coordonnées bancaires non saisies"
    COVERAGE_CHOSEN = "coverage_chosen", "Garanties choisies"
    SUMMARY_CONFIRMED = "summary_confirmed", "Récapitulatif confirmé"
    CONTACT_DETAILS_SAVED = "contact_details_saved", "Coordonnées modifiées par l'adhérent"
    EMAIL_CHANGE_REQUESTED = "email_change_requested", "Changement d'e-mail demandé"
    EMAIL_CHANGED = "email_changed", "E-mail modifié (nouvelle adresse confirmée)"
    MEMBER_DOCUMENT_DOWNLOADED = "member_document_downloaded", "Document téléchargé par l'adhérent"
    # tracking
    REQUEST_OPENED = "request_opened", "Demande ouverte"
    REQUEST_MOVED = "request_moved", "État de demande modifié"
    AFFILIATIONS_DECLARED = "affiliations_declared", "Affiliations déclarées"
    REMINDER_SENT = "reminder_sent", "Relance envoyée"
    LINK_RENEWAL_CODE_SENT = "link_renewal_code_sent", "Code de nouveau lien envoyé au salarié"
    LINK_SELF_RENEWED = "link_self_renewed", "Nouveau lien obtenu par le salarié"
    DECLARATION_CANCELLED = "declaration_cancelled", "Déclaration annulée"
    AFFILIATION_CANCELLED = "affiliation_cancelled", "Affiliation annulée par nos services"
    DSN_ANOMALY_HANDLED = "dsn_anomaly_handled", "Anomalie DSN traitée"
    EMPLOYEE_VIEWED = "employee_viewed", "Fiche salarié consultée"
    EMPLOYEES_EXPORTED = "employees_exported", "Liste des salariés exportée"
    REQUEST_TAKEN = "request_taken", "Demande prise en charge"
    REQUEST_TAKEN_OVER = "request_taken_over", "Demande reprise à un autre gestionnaire"
    REQUEST_RELEASED = "request_released", "Demande libérée"
    # imports
    IMPORT_STARTED = "import_started", "Import démarré"
    IMPORT_FINISHED = "import_finished", "Import terminé"
    IMPORT_ROWS_CORRECTED = "import_rows_corrected", "Lignes en erreur d'un import corrigées"
    # dsn
    DSN_FILE_RECEIVED = "dsn_file_received", "Fichier DSN reçu"
    DSN_FILE_PROCESSED = "dsn_file_processed", "Fichier DSN traité"
    DSN_CRM_DOWNLOADED = "dsn_crm_downloaded", "Compte rendu métier DSN téléchargé"
    # signatures
    SIGNATURE_ENVELOPE_PREPARED = "signature_envelope_prepared", "Dossier de signature préparé"
    SIGNATURE_CONSENT_RECORDED = "signature_consent_recorded", "Consentement à la signature"
    SIGNATURE_CODE_SENT = "signature_code_sent", "Code de signature envoyé"
    SIGNATURE_CODE_REFUSED = "signature_code_refused", "Code de signature refusé"
    SIGNATURE_SIGNED = "signature_signed", "Dossier signé"
    SIGNATURE_EFFECT_REFUSED = (
        "signature_effect_refused",
        "Signature annulée : son effet a été refusé",
    )
    SIGNATURE_EVIDENCE_DOWNLOADED = (
        "signature_evidence_downloaded",
        "Fichier de preuve téléchargé",
    )
    ENROLLMENT_SIGNED = "enrollment_signed", "Adhésion signée"
    ENROLLMENT_CLOSED = "enrollment_closed", "Adhésion mise en gestion"
    ENROLLMENT_SENT_BACK = "enrollment_sent_back", "Adhésion renvoyée au salarié"
    # backoffice
    DOSSIER_VIEWED = "dossier_viewed", "Dossier consulté par nos services"
    DOSSIER_DOCUMENT_VIEWED = "dossier_document_viewed", "Document du dossier consulté"
    STAFF_RECORD_VIEWED = (
        "staff_record_viewed",
        "Fiche consultée par nos services (NIR, IBAN ou document)",
    )
    # terminations
    MEMBERSHIP_TERMINATED = "membership_terminated", "Adhésion résiliée"
    TERMINATION_UNDONE = "termination_undone", "Résiliation annulée par l'employeur"
    TERMINATION_CLOSED = "termination_closed", "Résiliation clôturée"
    TERMINATION_CANCELLED = "termination_cancelled", "Résiliation annulée par nos services"
    PORTABILITY_PROOF_ASKED = "portability_proof_asked", "Justificatif de portabilité demandé"
    PORTABILITY_PROOF_RECEIVED = "portability_proof_received", "Justificatif de portabilité reçu"
    PORTABILITY_PROOF_DECIDED = "portability_proof_decided", "Justificatif de portabilité vérifié"
    PORTABILITY_PROOF_VIEWED = "portability_proof_viewed", "Justificatif de portabilité consulté"
    PORTABILITY_ENDED_EARLY = "portability_ended_early", "Portabilité arrêtée avant son terme"
    PORTABILITY_FINISHED = "portability_finished", "Portabilité terminée"
    PORTABILITY_REGISTER_VIEWED = (
        "portability_register_viewed",
        "Registre des portabilités consulté",
    )
    # waivers
    WAIVER_REQUESTED = "waiver_requested", "Dispense demandée"
    WAIVER_SIGNED = "waiver_signed", "Dispense signée, à vérifier"
    WAIVER_GRANTED = "waiver_granted", "Dispense accordée"
    WAIVER_REFUSED = "waiver_refused", "Dispense refusée"
    WAIVER_END_NOTICE_SENT = "waiver_end_notice_sent", "Fin de dispense annoncée au salarié"
    WAIVER_RENEWAL_SENT = "waiver_renewal_sent", "Nouveau justificatif de dispense envoyé"
    WAIVER_RENEWED = "waiver_renewed", "Dispense prolongée"
    WAIVER_RENEWAL_REFUSED = "waiver_renewal_refused", "Nouveau justificatif de dispense refusé"
    WAIVER_ENDED = "waiver_ended", "Dispense terminée : adhésion obligatoire"
    WAIVER_DOCUMENT_DOWNLOADED = "waiver_document_downloaded", "Pièce de dispense téléchargée"
    # billing
    DEBIT_RUN_PREPARED = "debit_run_prepared", "Prélèvement préparé"
    DEBIT_FILE_DOWNLOADED = "debit_file_downloaded", "Fichier de prélèvement SEPA téléchargé"
    MANDATE_REVOKED = "mandate_revoked", "Mandat de prélèvement SEPA révoqué"
    # cards
    CARD_ISSUED = "card_issued", "Carte mutualiste émise"
    CARD_DOWNLOADED = "card_downloaded", "Carte mutualiste téléchargée"
    # api
    API_KEY_CREATED = "api_key_created", "Clé d'API créée"
    API_KEY_REVOKED = "api_key_revoked", "Clé d'API révoquée"
    API_CALL = "api_call", "Appel de l'API"
    # webhooks
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint_created", "Adresse de notification ajoutée"
    WEBHOOK_ENDPOINT_CHANGED = "webhook_endpoint_changed", "Adresse de notification modifiée"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint_deleted", "Adresse de notification supprimée"
    WEBHOOK_ENDPOINT_DISABLED = (
        "webhook_endpoint_disabled",
        "Adresse de notification désactivée après des échecs répétés",
    )
    WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated", "Secret de signature renouvelé"
    WEBHOOK_DELIVERY_REPLAYED = "webhook_delivery_replayed", "Notification renvoyée"
    # core: stored files
    FILE_DELETED = "file_deleted", "Fichier supprimé (conservation écoulée ou orphelin)"
    FILE_KEYS_ROTATED = (
        "file_keys_rotated",
        "Fichiers chiffrés à nouveau sous la clé la plus récente",
    )
    # member_requests
    MEMBER_REQUEST_SUBMITTED = "member_request_submitted", "Demande d'adhérent envoyée"
    MEMBER_REQUEST_ACCEPTED = "member_request_accepted", "Demande d'adhérent acceptée"
    MEMBER_REQUEST_REFUSED = "member_request_refused", "Demande d'adhérent refusée"
    MEMBER_REQUEST_WITHDRAWN = "member_request_withdrawn", "Demande d'adhérent annulée"
    MEMBER_REQUEST_PROOF_VIEWED = (
        "member_request_proof_viewed",
        "Justificatif d'une demande d'adhérent consulté",
    )
    # mandates
    MANDATE_CHANGE_STARTED = (
        "mandate_change_started",
        "Nouveau compte de prélèvement proposé (mandat à signer)",
    )
    MANDATE_CHANGED = (
        "mandate_changed",
        "Nouveau mandat de prélèvement SEPA signé, l'ancien révoqué",
    )
    BENEFITS_ACCOUNT_CHANGED = (
        "benefits_account_changed",
        "Compte de remboursement des prestations modifié par l'adhérent",
    )
    # assistance
    ASSISTANCE_CODE_ISSUED = "assistance_code_issued", "Code d'assistance à distance obtenu"
    ASSISTANCE_CODE_REFUSED = "assistance_code_refused", "Code d'assistance à distance refusé"
    ASSISTANCE_CODE_THROTTLED = (
        "assistance_code_throttled",
        "Code d'assistance refusé : trop de codes erronés",
    )
    ASSISTANCE_STARTED = "assistance_started", "Prise en main à distance commencée"
    ASSISTANCE_ENDED = "assistance_ended", "Prise en main à distance terminée"


AuditListener = Callable[[AuditEvent], None]
_listeners: list[AuditListener] = []


def subscribe(listener: AuditListener) -> None:
    """Have `listener` called with every audit event as it is written, inside the business
    event's transaction: an upper app hears of what happened (webhooks) without a lower app
    knowing it exists. Register once, from the upper app's `AppConfig.ready`."""
    if listener not in _listeners:
        _listeners.append(listener)


# What every event recorded meanwhile adds to its details (see `acting_for`).
_acting_for: ContextVar[dict[str, Any] | None] = ContextVar("audit_acting_for", default=None)


@contextmanager
def acting_for(user: Any, **details: Any) -> Iterator[None]:
    """Every audit event recorded inside the block is its actor's action for `user`: its
    details name them (`on_behalf_of`, the user's id, with `details`). The assisted mode wraps
    each request of an adviser in it, so that the services it calls, which take the adviser as
    `by`, write "staff X for employee Y" without each needing a parameter for it."""
    token = _acting_for.set({"on_behalf_of": user.pk, **details})
    try:
        yield
    finally:
        _acting_for.reset(token)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: for the audit, and for the limits per address (logins, password
    resets), which must never count every user behind a proxy as one.

    Behind `settings.TRUSTED_PROXIES` reverse proxies, each appending the address it saw to
    X-Forwarded-For, it is the entry the outermost of them appended (the n-th from the right):
    whatever a client writes in the header itself sits to the left and is ignored. Without
    trusted proxies (the default), or when the header does not hold that entry (a request that
    did not come through them), it is REMOTE_ADDR."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [part for part in chain if part]
        if len(chain) >= proxies:
            try:
                return str(ipaddress.ip_address(chain[-proxies]))
            except ValueError:
                pass  # not an address: the proxies are not configured as declared
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: AuditAction,
    *,
    by: Any = None,
    target: models.Model | None = None,
    company_id: int | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one audit event; `by` is a user or None for the system."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action must be an AuditAction, not {action!r}")
    actor = by if getattr(by, "pk", None) else None
    event = AuditEvent.objects.create(
        actor=actor,
        action=action.value,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        company_id=company_id,
        ip_address=client_ip(request),
        details={**(_acting_for.get() or {}), **details},
    )
    for listener in _listeners:
        listener(event)
    return event
