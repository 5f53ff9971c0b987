"""The waivers' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class WaiverError(ErrorCode):
    """Asking for a waiver and granting it."""

    WAIVER_HEALTH_ONLY = (
        "waiver_health_only",
        "La dispense d'adhésion concerne la complémentaire santé seulement : l'adhésion au "
        "contrat de prévoyance est obligatoire.",
    )
    WAIVERS_DISABLED = (
        "waivers_disabled",
        "Votre employeur ne propose pas la demande de dispense en ligne : adressez-vous à "
        "votre service des ressources humaines.",
    )
    WAIVER_ALREADY_GRANTED = (
        "waiver_already_granted",
        "Vous êtes déjà dispensé(e) d'adhésion à ce contrat.",
    )
    MEMBERSHIP_NOT_PRE_ENROLLED = (
        "membership_not_pre_enrolled",
        "Une dispense ne peut être demandée qu'avant de signer votre adhésion. Votre adhésion"
        " est déjà signée, en gestion ou terminée : adressez-vous à votre service des "
        "ressources humaines.",
    )
    WAIVER_CASE_NOT_OFFERED = (
        "waiver_case_not_offered",
        "Ce cas de dispense n'est pas prévu par votre contrat : choisissez un autre cas ou "
        "adressez-vous à votre service des ressources humaines.",
    )
    WAIVER_NOT_REQUESTED = (
        "waiver_not_requested",
        "Cette demande de dispense a déjà été traitée.",
    )
    WAIVER_WITHOUT_MEMBERSHIP = (
        "waiver_without_membership",
        "Cette demande de dispense ne concerne aucune adhésion.",
    )
    SIGNED_REQUEST_INVALID = (
        "signed_request_invalid",
        "Le document signé n'est pas un PDF complet : recommencez la signature.",
    )
    PROOF_REQUIRED = "proof_required", "Joignez votre justificatif : {proof}"
    PROOF_NOT_EXPECTED = (
        "proof_not_expected",
        "Ce cas de dispense ne demande aucun justificatif : retirez le fichier joint.",
    )
    END_DATE_NOT_EXPECTED = (
        "end_date_not_expected",
        "Ce cas de dispense n'a pas de date de fin à saisir : effacez la date.",
    )
    END_DATE_REQUIRED = "end_date_required", "Saisissez la date demandée : {label}."
    END_DATE_PAST = (
        "end_date_past",
        "La date saisie ({end_date}) est passée : une dispense ne peut pas prendre fin avant "
        "votre demande. Vérifiez la date sur votre justificatif.",
    )
    END_DATE_TOO_FAR = (
        "end_date_too_far",
        "La date saisie ({end_date}) est postérieure au {latest}, au-delà de la durée possible "
        "pour ce cas de dispense. Vérifiez-la sur votre justificatif.",
    )
    CONTRACT_TOO_LONG = (
        "contract_too_long",
        "Votre contrat, commencé le {work_start}, dure au moins {months} mois : ce cas de "
        "dispense ne vaut que pour un contrat qui se termine au plus tard le {last}. Vérifiez "
        "la date ou choisissez un autre cas.",
    )
    CONTRACT_TOO_SHORT = (
        "contract_too_short",
        "Votre contrat, commencé le {work_start}, dure moins de {months} mois : ce cas de "
        "dispense ne vaut que pour un contrat qui se termine au plus tôt le {first}. Vérifiez "
        "la date ou choisissez un autre cas.",
    )
    WAIVER_NOT_TO_REVIEW = (
        "waiver_not_to_review",
        "Cette dispense n'est pas à vérifier : elle a déjà été accordée ou refusée, ou n'est "
        "pas encore signée.",
    )
    REFUSAL_REASON_REQUIRED = (
        "waiver_refusal_reason_required",
        "Indiquez le motif du refus : il est communiqué au salarié.",
    )
    WAIVER_NOT_RENEWABLE = (
        "waiver_not_renewable",
        "Ce cas de dispense ne peut pas être prolongé : à sa fin, vous devez adhérer au contrat.",
    )
    RENEWAL_NOT_LATER = (
        "renewal_not_later",
        "La nouvelle date de fin ({end_date}) doit être postérieure à la fin actuelle de votre "
        "dispense ({current_end}). Vérifiez-la sur votre justificatif.",
    )
    RENEWAL_ALREADY_SENT = (
        "renewal_already_sent",
        "Vous avez déjà envoyé un nouveau justificatif : nos services le vérifient. Vous serez "
        "prévenu(e) par e-mail de leur réponse.",
    )
    WAIVER_NOT_IN_FORCE = (
        "waiver_not_in_force",
        "Cette dispense n'est plus en cours : elle a pris fin ou a été remplacée.",
    )
    RENEWAL_NOT_TO_REVIEW = (
        "renewal_not_to_review",
        "Ce justificatif n'est pas à vérifier : il a déjà été accepté ou refusé.",
    )
