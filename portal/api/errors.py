"""The API's own problem codes, each with its one French message (RFC 9457 problem details
carry them; a declaration's or a termination's problems keep their apps' codes)."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class ApiError(ErrorCode):
    AUTHENTICATION_REQUIRED = (
        "authentication_required",
        "Présentez votre clé d'API dans l'en-tête « Authorization: Bearer <clé> ».",
    )
    KEY_INVALID = (
        "api_key_invalid",
        "Cette clé d'API n'est pas reconnue. Vérifiez-la, ou créez-en une dans « Accès API ».",
    )
    KEY_REVOKED = (
        "api_key_revoked",
        "Cette clé d'API a été révoquée. Créez-en une nouvelle dans « Accès API ».",
    )
    KEY_EXPIRED = (
        "api_key_expired",
        "Cette clé d'API a expiré. Créez-en une nouvelle dans « Accès API ».",
    )
    SCOPE_MISSING = (
        "api_scope_missing",
        "Cette clé d'API n'a pas le droit « {scope} » : créez une clé avec ce droit.",
    )
    RATE_LIMITED = (
        "api_rate_limited",
        "Trop d'appels avec cette clé : au plus {limit} par minute. Réessayez dans {seconds} s.",
    )
    NOT_FOUND = (
        "not_found",
        "{what} introuvable pour votre entreprise.",
    )
    INVALID_REQUEST = (
        "invalid_request",
        "La requête n'est pas conforme au schéma de l'API : {detail}",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        "Cette clé d'idempotence a déjà servi pour un autre appel : utilisez-en une nouvelle "
        "pour chaque opération.",
    )
    IDEMPOTENCY_KEY_INVALID = (
        "idempotency_key_invalid",
        "L'en-tête « Idempotency-Key » doit faire de 1 à 255 caractères imprimables.",
    )
    BATCH_TOO_LARGE = (
        "batch_too_large",
        "Au plus {limit} salariés par appel : répartissez-les en plusieurs appels.",
    )
    BATCH_EMPTY = (
        "batch_empty",
        "La liste « employees » est vide : déclarez au moins un salarié.",
    )
    CURSOR_INVALID = (
        "cursor_invalid",
        "Le curseur « cursor » n'est pas reconnu : reprenez la valeur « next_cursor » de la "
        "page précédente.",
    )
    KEY_NAME_REQUIRED = ("api_key_name_required", "Donnez un nom à la clé.")
    KEY_SCOPES_REQUIRED = ("api_key_scopes_required", "Choisissez au moins un droit.")
    KEY_EXPIRY_PAST = (
        "api_key_expiry_past",
        "La date d'expiration doit être postérieure à aujourd'hui.",
    )
    KEY_ALREADY_REVOKED = ("api_key_already_revoked", "Cette clé est déjà révoquée.")
    SERVER_ERROR = (
        "server_error",
        "Une erreur inattendue nous empêche de répondre : réessayez plus tard. Si elle "
        "persiste, contactez votre chargé d'affaires.",
    )
