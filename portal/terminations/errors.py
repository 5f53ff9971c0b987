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
        "Ce collaborateur est déjà radié : son contrat ne peut pas être résilié une seconde fois. "
        "Pour corriger la date ou le motif, contactez votre service relation entreprise.",
    )
    TERMINATION_FIELD_REQUIRED = (
        "termination_field_required",
        "Le champ « {label} » est obligatoire : {hint}",
    )
    MOTIF_INVALID = (
        "motif_invalid",
        "Ce motif de résiliation n'existe pas : choisissez-en un dans la liste.",
    )
    TERMINATION_BEFORE_HIRE = (
        "termination_before_hire",
        "La « Date de résiliation » ({termination_date}) est antérieure à la « Date "
        "d'embauche » ({hire_date}) : vérifiez les deux dates.",
    )
    HIRE_BEFORE_DECLARED = (
        "hire_before_declared",
        "La « Date d'embauche » ({hire_date}) est antérieure à celle déclarée à l'affiliation "
        "({declared_hire_date}) : la durée de la portabilité se compte depuis cette date. "
        "Vérifiez la date ; pour des contrats successifs antérieurs, contactez votre service "
        "relation entreprise.",
    )
    TERMINATION_BEFORE_EFFECTIVE_DATE = (
        "termination_before_effective_date",
        "La « Date de résiliation » ({termination_date}) est antérieure à la date d'effet de "
        "l'adhésion ({effective_date}) : la couverture n'a pas encore commencé. Vérifiez la "
        "date, ou contactez-nous pour annuler l'affiliation.",
    )
    DEATH_IN_FUTURE = (
        "death_in_future",
        "Pour un décès, la « Date de résiliation » est la date du décès : elle ne peut pas être "
        "postérieure à aujourd'hui ({today}).",
    )
    TERMINATION_TOO_FAR_AHEAD = (
        "termination_too_far_ahead",
        "La « Date de résiliation » ne peut pas dépasser le {latest} ({days} jours après "
        "aujourd'hui). Saisissez la résiliation plus près de la fin du contrat de travail.",
    )


class PortabilityError(ErrorCode):
    """A running portability: its proofs of unemployment benefits and its early end."""

    EARLY_END_REASON_INVALID = (
        "early_end_reason_invalid",
        "Choisissez ce qui met fin à la portabilité : reprise d'un emploi, fin de "
        "l'indemnisation chômage, départ en retraite ou décès.",
    )
    EARLY_END_DATE_REQUIRED = (
        "early_end_date_required",
        "Le champ « {label} » est obligatoire : saisissez-le au format JJ/MM/AAAA.",
    )
    EARLY_END_DEATH_IN_FUTURE = (
        "early_end_death_in_future",
        "La date du décès ne peut pas être postérieure à aujourd'hui.",
    )
    EARLY_END_BEFORE_PORTABILITY = (
        "early_end_before_portability",
        "Cette date est antérieure ou égale à la fin du contrat de travail ({termination_date}) "
        ": la portabilité commence le lendemain. Vérifiez la date.",
    )
    EARLY_END_NOT_EARLIER = (
        "early_end_not_earlier",
        "La portabilité prend déjà fin le {end} : cette date ne l'avance pas.",
    )
    PORTABILITY_NOT_RUNNING = (
        "portability_not_running",
        "Cette portabilité n'est plus en cours : aucun justificatif ni fin anticipée ne peut "
        "plus y être enregistré.",
    )
    PORTABILITY_PROOF_NOT_AWAITED = (
        "portability_proof_not_awaited",
        "Ce justificatif a déjà été reçu ou accepté : vous n'avez pas à l'envoyer de nouveau.",
    )
    PROOF_FILE_REQUIRED = (
        "proof_file_required",
        "Joignez votre attestation France Travail (ex-Pôle emploi) : un PDF, une image JPEG ou "
        "PNG.",
    )
    PROOF_NOT_RECEIVED = (
        "proof_not_received",
        "Ce justificatif n'est pas (ou plus) à vérifier : il n'a pas été reçu, ou a déjà été "
        "traité.",
    )
    PROOF_REFUSAL_REASON_REQUIRED = (
        "proof_refusal_reason_required",
        "Indiquez à l'ancien salarié pourquoi le justificatif est refusé : il le lira dans "
        "l'e-mail qui lui demande d'en envoyer un autre.",
    )
