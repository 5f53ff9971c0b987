"""The company set-up's problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class CompanyError(ErrorCode):
    """The insurer's set-up of companies and their logins."""

    LOGIN_EMAIL_TAKEN = (
        "login_email_taken",
        "Cette adresse e-mail a déjà un identifiant : ajoutez-lui des entreprises au lieu d'en "
        "créer un second (1 e-mail = 1 identifiant).",
    )
