"""The debit runs' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class BillingError(ErrorCode):
    """Preparing the SEPA direct debits and their file."""

    NOT_A_DEBIT_DAY = (
        "not_a_debit_day",
        "Les prélèvements ont lieu le 5, le 10, le 15 ou le 20 du mois : choisissez l'une de ces "
        "dates.",
    )
    NOTICE_TOO_SHORT = (
        "notice_too_short",
        "Le prélèvement du {due_date} ne peut plus être préparé : chaque salarié doit être "
        "prévenu du montant et de la date au moins {days} jours avant (pré-notification SEPA). "
        "Choisissez une date à partir du {earliest}.",
    )
    RUN_ALREADY_SENT = (
        "run_already_sent",
        "Le fichier du prélèvement du {due_date} a déjà été téléchargé pour la banque : il ne "
        "peut plus changer.",
    )
    RUN_EMPTY = (
        "run_empty",
        "Ce prélèvement ne compte aucune ligne : il n'y a pas de fichier à transmettre.",
    )
