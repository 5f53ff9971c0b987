"""The signatures' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class SignatureError(ErrorCode):
    """Envelopes, one-time codes, the phone that receives them, the staff's decisions."""

    CLOSE_NOT_SIGNED = (
        "close_not_signed",
        "Seule une adhésion signée par le salarié peut être clôturée.",
    )
    ALREADY_DECIDED = (
        "already_decided",
        "Ce dossier vient d'être mis en gestion par un autre gestionnaire : aucune autre "
        "décision n'a été enregistrée.",
    )
    CORRECTION_REASON_REQUIRED = (
        "correction_reason_required",
        "Indiquez au salarié ce qu'il doit corriger.",
    )
    RETURN_NOT_SIGNED = (
        "return_not_signed",
        "Seule une adhésion signée par le salarié peut lui être renvoyée.",
    )
    ENVELOPE_SIGNED = (
        "envelope_signed",
        "Ce dossier est déjà signé.",
    )
    ENVELOPE_ABANDONED = (
        "envelope_abandoned",
        "Ce dossier a été remplacé par un dossier plus récent : reprenez la signature depuis "
        "le récapitulatif.",
    )
    ALREADY_SIGNED = (
        "already_signed",
        "Ce dossier est déjà signé : il ne peut pas être signé une deuxième fois.",
    )
    CONSENT_MISSING = (
        "consent_missing",
        "Veuillez cocher les cases d'acceptation avant de signer.",
    )
    CODE_NOT_SENT = (
        "code_not_sent",
        "Demandez d'abord l'envoi du code par SMS.",
    )
    CODE_MALFORMED = (
        "code_malformed",
        "Saisissez les 6 chiffres du code reçu par SMS.",
    )
    CODE_USED = (
        "code_used",
        "Ce code a déjà été utilisé.",
    )
    PHONE_MISSING = (
        "phone_missing",
        "Saisissez votre numéro de téléphone portable.",
    )
    PHONE_NOT_MOBILE = (
        "phone_not_mobile",
        "Saisissez un numéro de téléphone portable français (commençant par 06 ou 07) : le "
        "code vous est envoyé par SMS.",
    )
    TOO_MANY_CODES = (
        "too_many_codes",
        "Vous avez déjà demandé le nombre maximal de codes. {advice}",
    )
    CODE_EXPIRED = "code_expired", "Ce code a expiré (il est valable 10 minutes). {advice}"
    TOO_MANY_ATTEMPTS = (
        "too_many_attempts",
        "Vous avez saisi {attempts} codes incorrects : ce code n'est plus valable. {advice}",
    )
    TOO_MANY_CODES_TODAY = (
        "too_many_codes_today",
        "Vous avez reçu le nombre maximal de codes pour aujourd'hui. Réessayez demain. {advice}",
    )
    TOO_MANY_WRONG_CODES_TODAY = (
        "too_many_wrong_codes_today",
        "Vous avez saisi trop de codes incorrects aujourd'hui : la signature est bloquée "
        "jusqu'à demain. {advice}",
    )
    CONTENT_CHANGED = (
        "content_changed",
        "Vos informations ont été modifiées depuis la préparation de vos documents (dans un "
        "autre onglet ou une autre fenêtre) : rien n'a été signé. Voici vos documents à jour : "
        "relisez-les et signez-les à nouveau.",
    )
    CODE_WRONG = "code_wrong", "Code incorrect : il vous reste {tries_left} essai(s)."
    PHONE_INVALID = (
        "phone_invalid",
        "Ce numéro de téléphone n'est pas valide. Saisissez votre numéro de portable, "
        "par exemple {example}.",
    )
    ENROLLMENT_NOT_SIGNABLE = (
        "enrollment_not_signable",
        "Votre adhésion ne peut plus être signée : elle a été signée, remplacée par une "
        "dispense ou résiliée entre-temps. Adressez-vous à votre service des ressources "
        "humaines.",
    )
