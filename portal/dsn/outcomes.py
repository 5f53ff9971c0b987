"""What applying a DSN declaration did for each individual: the intake stores these, the staff
report and the compte rendu métier show them (one vocabulary for every reader)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OutcomeKind(StrEnum):
    AFFILIATION_CREATED = "affiliation_created"
    AFFILIATION_UNDONE = "affiliation_undone"  # withdrawn by an annule et remplace
    TERMINATION_CREATED = "termination_created"
    TERMINATION_UNDONE = "termination_undone"
    CHANGE = "change"  # a known affiliation whose option or population changed (reported)
    NO_CHANGE = "no_change"
    ANOMALY = "anomaly"  # for staff to look at; nothing applied automatically
    REJECTED = "rejected"  # the individual's data break a rule: nothing applied

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    OutcomeKind.AFFILIATION_CREATED: "Affiliation créée",
    OutcomeKind.AFFILIATION_UNDONE: "Affiliation annulée",
    OutcomeKind.TERMINATION_CREATED: "Résiliation créée",
    OutcomeKind.TERMINATION_UNDONE: "Résiliation annulée",
    OutcomeKind.CHANGE: "Changement signalé",
    OutcomeKind.NO_CHANGE: "Aucun changement",
    OutcomeKind.ANOMALY: "Anomalie à examiner",
    OutcomeKind.REJECTED: "Rejeté",
}


@dataclass(frozen=True)
class Outcome:
    """One individual's result. `code` is a stable code of `portal/dsn/errors.py` (its French
    `message` defined there once) or "" when all went well; `line`, `rubrique` and `value` point
    at what the result is about in the file; `request_id` is the request it opened, if any."""

    kind: OutcomeKind
    nir: str = ""
    name: str = ""
    code: str = ""
    message: str = ""
    line: int | None = None
    rubrique: str = ""
    value: str = ""
    request_id: int | None = None
