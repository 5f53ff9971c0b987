"""The remote assistance's problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class AssistanceError(ErrorCode):
    """Asking for a code, entering it, ending the assistance."""

    NOTHING_TO_ASSIST = (
        "nothing_to_assist",
        "Vous n'avez pas d'adhésion en ligne à finaliser : l'assistance à distance sert à "
        "vous accompagner pendant votre adhésion.",
    )
    ASSISTANCE_CODE_INVALID = (
        "assistance_code_invalid",
        "Ce code d'assistance n'est pas valable : il est erroné, expiré (15 minutes) ou déjà "
        "utilisé. Vérifiez les 6 chiffres avec le salarié, ou demandez-lui d'obtenir un "
        "nouveau code depuis son espace.",
    )
    THROTTLED = (
        "throttled",
        "Trop de codes d'assistance erronés : réessayez dans 15 minutes.",
    )
    STAFF_ONLY = (
        "staff_only",
        "Seuls les conseillers de la mutuelle peuvent prendre la main à distance.",
    )
    NOT_YOURS = (
        "not_yours",
        "Cette assistance n'est pas la vôtre : elle n'a pas été modifiée.",
    )
