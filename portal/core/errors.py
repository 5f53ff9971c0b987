"""Business errors: one code, one French message, raised by services and shown by interfaces."""

from __future__ import annotations

from collections.abc import Mapping


class BusinessError(Exception):
    """A rule refused the operation. `code` is stable; `message` is the French text for users."""

    messages: Mapping[str, str] = {}

    def __init__(self, code: str, message: str | None = None, *, field: str | None = None) -> None:
        self.code = code
        self.field = field
        self.message = message or ERROR_MESSAGES.get(code, code)
        super().__init__(self.message)


ERROR_MESSAGES: dict[str, str] = {
    "link_invalid": "Ce lien n'est pas valide. Vérifiez que vous avez copié l'adresse complète "
    "reçue par e-mail, ou demandez un nouveau lien.",
    "link_used": "Ce lien a déjà été utilisé. Connectez-vous avec votre mot de passe, "
    "ou demandez un nouveau lien.",
    "link_expired": "Ce lien a expiré. Demandez un nouveau lien.",
    "account_inactive": "Ce compte est désactivé. Contactez votre chargé d'affaires.",
}
