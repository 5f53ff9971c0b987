"""The webhooks' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class WebhookError(ErrorCode):
    """Registering a notification address (webhook endpoint) and replaying a delivery."""

    WEBHOOK_URL_INVALID = (
        "webhook_url_invalid",
        "L'adresse n'est pas une URL valide : saisissez-la en entier, par exemple "
        "https://rh.example.fr/webhooks.",
    )
    WEBHOOK_URL_NOT_HTTPS = (
        "webhook_url_not_https",
        "L'adresse doit commencer par https:// : les notifications ne sont envoyées que "
        "sur une connexion chiffrée.",
    )
    WEBHOOK_URL_CREDENTIALS = (
        "webhook_url_credentials",
        "L'adresse ne doit contenir ni identifiant ni mot de passe : vérifiez plutôt la "
        "signature de chaque notification avec le secret.",
    )
    WEBHOOK_URL_LOCAL = (
        "webhook_url_local",
        "L'adresse « {host} » est une adresse locale ou privée, injoignable depuis nos "
        "serveurs : indiquez l'adresse publique de votre logiciel.",
    )
    WEBHOOK_URL_TOO_LONG = (
        "webhook_url_too_long",
        "L'adresse dépasse {limit} caractères : raccourcissez-la.",
    )
    WEBHOOK_EVENTS_REQUIRED = (
        "webhook_events_required",
        "Cochez au moins un événement à recevoir.",
    )
    WEBHOOK_EVENT_UNKNOWN = (
        "webhook_event_unknown",
        "L'événement « {event} » n'existe pas : choisissez parmi les événements proposés.",
    )
    WEBHOOK_ENDPOINT_INACTIVE = (
        "webhook_endpoint_inactive",
        "Cette adresse est désactivée : réactivez-la avant de renvoyer une notification.",
    )
    WEBHOOK_ALREADY_ACTIVE = (
        "webhook_already_active",
        "Cette adresse est déjà active.",
    )
    WEBHOOK_ALREADY_INACTIVE = (
        "webhook_already_inactive",
        "Cette adresse est déjà désactivée.",
    )
