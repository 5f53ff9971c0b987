"""The requests' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class TrackingError(ErrorCode):
    """Declaring, reminding and cancelling the employer's requests."""

    REMINDER_NOT_WAITING = (
        "reminder_not_waiting",
        "Seule une affiliation en attente du salarié peut être relancée.",
    )
    CANCELLATION_REASON_REQUIRED = (
        "cancellation_reason_required",
        "Indiquez pourquoi cette déclaration est annulée.",
    )
    NOT_WAITING = (
        "not_waiting",
        "Seule une affiliation en attente du salarié peut être annulée. Pour un salarié qui a"
        " quitté l'entreprise, utilisez « Résilier son contrat ».",
    )
    NOT_CANCELLABLE_BY_INSURER = (
        "not_cancellable_by_insurer",
        "Seule une affiliation en attente du salarié ou signée et pas encore mise en gestion"
        " peut être annulée.",
    )
    STAFF_ONLY_CANCELLATION = (
        "staff_only_cancellation",
        "Seuls nos services peuvent annuler une affiliation signée.",
    )
    REQUEST_MOVE_REFUSED = (
        "request_move_refused",
        "Cette demande est « {current} » : elle ne peut pas passer à « {wanted} ».",
    )
    REMINDER_TODAY = (
        "reminder_today",
        "Une relance a déjà été envoyée aujourd'hui à ce salarié. Vous pourrez le relancer à "
        "nouveau demain.",
    )
    REQUEST_TAKEN = (
        "request_taken",
        "Cette demande est déjà prise par {holder} depuis le {at}. Pour la traiter à sa place,"
        " utilisez « Reprendre ».",
    )
    NOT_IN_PROGRESS = (
        "not_in_progress",
        "Seule une demande « En cours » peut être prise en charge.",
    )
    NOT_THE_HOLDER = (
        "not_the_holder",
        "Seul le gestionnaire qui a pris cette demande peut la libérer.",
    )
    NOT_TAKEN = (
        "not_taken",
        "Cette demande n'est prise par personne.",
    )
    LINK_RENEWAL_THROTTLED = (
        "link_renewal_throttled",
        "Trop de demandes de nouveau lien depuis votre connexion ou pour ce numéro de sécurité "
        "sociale. Réessayez demain, ou appelez nos conseillers au {phone}.",
    )
    LINK_RENEWAL_CODE_INVALID = (
        "link_renewal_code_invalid",
        "Ce code n'est pas valable : il est erroné, expiré (15 minutes) ou déjà utilisé. "
        "Vérifiez les 6 chiffres, ou recommencez votre demande pour recevoir un nouveau code.",
    )
    LINK_RENEWAL_BIRTH_DATE = (
        "link_renewal_birth_date",
        "Champ « Date de naissance » obligatoire : indiquez-la au format jj/mm/aaaa.",
    )
    NOTHING_SELECTED = (
        "nothing_selected",
        "Cochez au moins un salarié à relancer, puis « Relancer la sélection ».",
    )
    REMINDER_NO_EMAIL = (
        "reminder_no_email",
        "Ce salarié n'a pas d'adresse e-mail : il est relancé par courrier.",
    )
    REMINDER_NO_MOBILE = (
        "reminder_no_mobile",
        "Ce salarié n'a pas de numéro de téléphone portable connu : il ne peut pas être relancé "
        "par SMS.",
    )
