"""The waivers' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class WaiverError(ErrorCode):
    """Asking for a waiver and granting it."""

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
    WAIVER_NOT_TO_REVIEW = (
        "waiver_not_to_review",
        "Cette dispense n'est pas à vérifier : elle a déjà été accordée ou refusée, ou n'est "
        "pas encore signée.",
    )
    REFUSAL_REASON_REQUIRED = (
        "waiver_refusal_reason_required",
        "Indiquez le motif du refus : il est communiqué au salarié.",
    )
