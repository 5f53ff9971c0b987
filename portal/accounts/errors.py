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
