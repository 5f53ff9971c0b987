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


class AccessError(ErrorCode):
    """ "Mes accès": giving, changing and withdrawing a person's access to a company."""

    RIGHT_MISSING = (
        "access_right_missing",
        "Votre accès à cette entreprise ne permet pas de « {right} ». Demandez-le à son "
        "correspondant principal.",
    )
    INVITEE_EMAIL_INVALID = ("access_email_invalid", "Saisissez une adresse e-mail valide.")
    NAME_REQUIRED = ("access_name_required", "Saisissez le nom et le prénom de la personne.")
    EMAIL_REFUSED = (
        "access_email_refused",
        "Cette adresse ne peut pas recevoir d'accès à l'Espace entreprise : utilisez l'adresse "
        "professionnelle de la personne.",
    )
    ALREADY = (
        "access_already",
        "Cette personne a déjà accès à {company} : retirez son accès pour en donner un autre.",
    )
    COMPANIES_REQUIRED = ("access_companies_required", "Choisissez au moins une entreprise.")
    RIGHTS_BEYOND_OWN = (
        "access_rights_beyond_own",
        "Vous ne pouvez donner que les droits que vous avez vous-même.",
    )
    EXPIRY_PAST = (
        "access_expiry_past",
        "Le dernier jour de l'accès doit être aujourd'hui ou plus tard.",
    )
    ALREADY_REVOKED = ("access_already_revoked", "Cet accès est déjà retiré.")
