"""The back office's problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class BackofficeError(ErrorCode):
    """The decisions taken on a dossier's page."""

    NOT_AN_AFFILIATION = (
        "not_an_affiliation",
        "Cette décision ne concerne que les demandes d'affiliation.",
    )
    NOT_A_WAIVER = (
        "not_a_waiver",
        "Cette décision ne concerne que les demandes de dispense.",
    )
    CANNOT_CANCEL = (
        "cannot_cancel",
        "Seule une demande de résiliation ou de décès peut être annulée depuis ce dossier.",
    )
    UNKNOWN_SEND_BACK_REASON = (
        "unknown_send_back_reason",
        "Choisissez les motifs dans la liste proposée.",
    )
    SEND_BACK_REASON_REQUIRED = (
        "send_back_reason_required",
        "Cochez au moins un motif ou précisez ce que le salarié doit corriger.",
    )
    NOT_FOR_BULK = (
        "not_for_bulk",
        "{name} : ce dossier présente une différence ou une pièce à examiner ; "
        "ouvrez-le pour décider.",
    )
