"""The accounts' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class AccountError(ErrorCode):
    """One-time links and logins."""

    LINK_INVALID = (
        "link_invalid",
        "Ce lien n'est pas valide. Vérifiez que vous avez copié l'adresse complète reçue par "
        "e-mail, ou demandez un nouveau lien.",
    )
    LINK_USED = (
        "link_used",
        "Ce lien a déjà été utilisé. Connectez-vous avec votre mot de passe, ou demandez un "
        "nouveau lien.",
    )
    LINK_EXPIRED = "link_expired", "Ce lien a expiré. Demandez un nouveau lien."
    ACCOUNT_INACTIVE = (
        "account_inactive",
        "Ce compte est désactivé. Contactez votre chargé d'affaires.",
    )
    PASSWORD_SAME_AS_PROVISIONAL = (
        "password_same_as_provisional",
        "Choisissez un mot de passe différent du mot de passe provisoire reçu par courrier.",
    )
    LOGIN_THROTTLED = (
        "login_throttled",
        "Trop de tentatives de connexion ont échoué depuis votre adresse. Réessayez dans "
        "{minutes} minutes.",
    )
    PASSWORD_RESET_THROTTLED = (
        "password_reset_throttled",
        "Trop de demandes de nouveau mot de passe depuis votre adresse. Réessayez dans "
        "{minutes} minutes.",
    )
    CODE_INVALID = (
        "code_invalid",
        "Ce code n'est pas valide. Saisissez le code à 6 chiffres affiché par votre application "
        "d'authentification, ou un de vos codes de secours.",
    )
    CODE_TOO_MANY_TRIES = (
        "code_too_many_tries",
        "Trop de codes erronés. Patientez quelques instants avant de réessayer.",
    )
    CODE_SESSION_CLOSED = (
        "code_session_closed",
        "Trop de codes erronés : pour votre sécurité, reconnectez-vous avec votre mot de passe.",
    )
    MEMBER_DOOR = (
        "member_door",
        "Cet identifiant est celui d'un espace entreprise ou de nos services : connectez-vous "
        "depuis la page de connexion de l'espace entreprise.",
    )
    BUSINESS_DOOR = (
        "business_door",
        "Cet identifiant est celui d'un espace perso d'adhérent : connectez-vous depuis la page "
        "« Mon espace perso ».",
    )
    ENROLMENT_EXPIRED = (
        "enrolment_expired",
        "La page d'activation a expiré. Scannez le nouveau QR code puis saisissez le code.",
    )
