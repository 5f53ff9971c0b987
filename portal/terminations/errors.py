"""The terminations' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class TerminationError(ErrorCode):
    """Terminating a membership and undoing it."""

    TERMINATION_FINAL = (
        "termination_final",
        "Cette résiliation ne peut plus être annulée : elle a déjà été traitée par nos "
        "services. Contactez votre chargé d'affaires.",
    )
    TERMINATION_NOT_IN_PROGRESS = (
        "termination_not_in_progress",
        "Cette résiliation n'est plus en cours de traitement.",
    )
    UNDO_REASON_REQUIRED = (
        "undo_reason_required",
        "Indiquez à l'employeur le motif de l'annulation.",
    )
    PORTABILITY_ANSWER_REQUIRED = (
        "portability_answer_required",
        "Indiquez si vous souhaitez activer la portabilité : ce motif y ouvre droit.",
    )
    PORTABILITY_NOT_OPEN = (
        "portability_not_open",
        "Le motif « {motif} » n'ouvre pas droit à la portabilité : seuls les motifs « Fin "
        "Contrat à Durée Déterminée / Fin de période d'essai », « Licenciement / Rupture "
        "conventionnelle » et « Démission ouvrant droit à la portabilité » y ouvrent droit. "
        "Choisissez l'un d'eux ou ne demandez pas la portabilité.",
    )
    ALREADY_TERMINATED = (
        "already_terminated",
        "Ce salarié est déjà radié : sa résiliation est en cours.",
    )
