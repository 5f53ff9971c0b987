"""Rules of a running portability: its end (computed or early), the proofs of unemployment
benefits it asks for, and what the register shows.

Pure functions over plain values: no ORM, no clock (callers pass `today`). Sources:
shared/docs/rules.md §3 — R3.1 (the former employee proves the unemployment benefits at the
start and during the period), R3.3/R3.4 (the computed end: `rules.portability_end`), R3.6 (the
early end: portability ends at the earliest of its computed end, the end of unemployment
benefits, a new job, a retirement pension, death; "require periodic proof … and store the proof
dates"), R3.8 (after portability, the loi Evin art. 4 offer within 6 months).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.core.errors import Problem
from portal.terminations.errors import PortabilityError
from portal.terminations.rules import add_months

# R3.6 asks for "periodic proof (e.g. monthly or quarterly France Travail statements)"; the
# member space already tells the former employee "chaque mois". One month per proof. [verify]
PROOF_PERIOD_MONTHS = 1
# The proof of a period is asked on its first day and is due this many days later: the
# France Travail "attestation de paiement" of the past month is available in the first days of
# the month [knowledge]; 15 days leave time to download and send it. [verify]
PROOF_DUE_DAYS = 15
# The register's "ending within 30 days" filter (issue 17 item 6).
ENDING_SOON_DAYS = 30


class EarlyEndReason(StrEnum):
    """R3.6: what ends a portability before its computed end (the termination of the group
    contract is the insurer's own event, handled with the contract, not here)."""

    NEW_JOB = "new_job"
    END_OF_BENEFITS = "end_of_benefits"
    RETIREMENT = "retirement"
    DEATH = "death"

    @property
    def label(self) -> str:
        return EARLY_END_LABELS[self]

    @property
    def date_label(self) -> str:
        """What the date given with the reason is (the form's label)."""
        return EARLY_END_DATE_LABELS[self]


EARLY_END_LABELS: Mapping[EarlyEndReason, str] = {
    EarlyEndReason.NEW_JOB: "Reprise d'un emploi",
    EarlyEndReason.END_OF_BENEFITS: "Fin de l'indemnisation chômage",
    EarlyEndReason.RETIREMENT: "Départ en retraite",
    EarlyEndReason.DEATH: "Décès",
}
EARLY_END_DATE_LABELS: Mapping[EarlyEndReason, str] = {
    EarlyEndReason.NEW_JOB: "Date de début du nouveau contrat de travail",
    EarlyEndReason.END_OF_BENEFITS: "Dernier jour indemnisé par France Travail",
    EarlyEndReason.RETIREMENT: "Date de début de la pension de retraite",
    EarlyEndReason.DEATH: "Date du décès",
}


class EarlyEndSource(StrEnum):
    """Who told us: the former employee (their space), a DSN, the insurer's staff."""

    MEMBER = "member"
    DSN = "dsn"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {
            EarlyEndSource.MEMBER: "Déclaré par l'ancien salarié",
            EarlyEndSource.DSN: "DSN d'un nouvel employeur",
            EarlyEndSource.STAFF: "Enregistré par nos services",
        }[self]


def early_end_date(reason: EarlyEndReason | str, event_date: date) -> date:
    """The last day of portability for an early end of `reason` whose event is `event_date`.

    - a new job starting on `event_date`: the day before (the new employer's cover, or its
      waiver, starts with the contract);
    - the end of benefits: `event_date` is the last indemnified day, the last day of cover;
    - retirement: `event_date` is the pension's first day, the cover stops the day before;
    - death: the day of the death.
    """
    match EarlyEndReason(reason):
        case EarlyEndReason.NEW_JOB | EarlyEndReason.RETIREMENT:
            return event_date - timedelta(days=1)
        case EarlyEndReason.END_OF_BENEFITS | EarlyEndReason.DEATH:
            return event_date


def effective_end(computed_end: date, ended_early_on: date | None) -> date:
    """The last day of cover: the earliest of the computed end and the early end (R3.6)."""
    if ended_early_on is None:
        return computed_end
    return min(computed_end, ended_early_on)


@dataclass(frozen=True)
class EndDecision:
    """What an early end changes: `applies` when it ends the cover earlier than now."""

    applies: bool
    last_day: date


def decide_early_end(
    *,
    termination_date: date,
    computed_end: date,
    ended_early_on: date | None,
    reason: EarlyEndReason | str,
    event_date: date,
) -> EndDecision:
    """Which date wins (R3.6 "the earliest of"): an early end applies when it falls before the
    current end (computed, or an earlier early end). It cannot end the cover before the
    portability's first day's eve (the termination date): a new job starting the day after the
    contract leaves no portability at all, ending on the termination date."""
    last_day = max(early_end_date(reason, event_date), termination_date)
    current = effective_end(computed_end, ended_early_on)
    return EndDecision(applies=last_day < current, last_day=last_day)


def check_early_end(
    *,
    reason: str,
    event_date: date | None,
    termination_date: date,
    computed_end: date,
    ended_early_on: date | None,
    today: date,
) -> list[Problem]:
    """Problems of an early end declared from a form (the member's or staff's)."""
    try:
        parsed = EarlyEndReason(reason)
    except ValueError:
        return [Problem.of(PortabilityError.EARLY_END_REASON_INVALID, "reason")]
    if event_date is None:
        return [
            Problem.of(
                PortabilityError.EARLY_END_DATE_REQUIRED, "event_date", label=parsed.date_label
            )
        ]
    if parsed == EarlyEndReason.DEATH and event_date > today:
        return [Problem.of(PortabilityError.EARLY_END_DEATH_IN_FUTURE, "event_date")]
    if event_date <= termination_date:
        return [
            Problem.of(
                PortabilityError.EARLY_END_BEFORE_PORTABILITY,
                "event_date",
                termination_date=_dmy(termination_date),
            )
        ]
    decision = decide_early_end(
        termination_date=termination_date,
        computed_end=computed_end,
        ended_early_on=ended_early_on,
        reason=parsed,
        event_date=event_date,
    )
    if not decision.applies:
        return [
            Problem.of(
                PortabilityError.EARLY_END_NOT_EARLIER,
                "event_date",
                end=_dmy(effective_end(computed_end, ended_early_on)),
            )
        ]
    return []


# --- Proofs of unemployment benefits ------------------------------------------------------------


@dataclass(frozen=True)
class ProofPeriod:
    """The n-th period (0: the opening) whose unemployment benefits a proof shows."""

    number: int
    first_day: date
    last_day: date
    ask_on: date
    due_on: date


def proof_period(*, start: date, end: date, number: int) -> ProofPeriod | None:
    """Period `number` of a portability running [start, end]; None once past its end."""
    if number < 0:
        raise ValueError(f"no period {number}")
    first_day = add_months(start, number * PROOF_PERIOD_MONTHS)
    if first_day > end:
        return None
    # The eve of the next period's first day, both counted from the start (31 January, 28
    # February, 31 March…): a period never overlaps or misses a day.
    next_first_day = add_months(start, (number + 1) * PROOF_PERIOD_MONTHS)
    last_day = min(end, next_first_day - timedelta(days=1))
    return ProofPeriod(
        number=number,
        first_day=first_day,
        last_day=last_day,
        ask_on=first_day,
        due_on=first_day + timedelta(days=PROOF_DUE_DAYS),
    )


def proof_periods(*, start: date, end: date) -> list[ProofPeriod]:
    """Every period of a portability running [start, end] (end: the effective end)."""
    periods: list[ProofPeriod] = []
    while (period := proof_period(start=start, end=end, number=len(periods))) is not None:
        periods.append(period)
    return periods


def proofs_to_ask(
    *, start: date, end: date, today: date, asked: set[int] | frozenset[int]
) -> list[ProofPeriod]:
    """The periods whose proof is due to be asked by `today` and was not yet (R3.1: at the
    opening, then periodically). A period that starts after the end is never asked."""
    return [
        p
        for p in proof_periods(start=start, end=end)
        if p.ask_on <= today and p.number not in asked
    ]


def is_overdue(due_on: date, today: date) -> bool:
    """A proof asked and not received is late the day after its due date."""
    return today > due_on


def ends_soon(end: date, today: date, days: int = ENDING_SOON_DAYS) -> bool:
    """The register's filter: a running portability whose last day is within `days`."""
    return today <= end <= today + timedelta(days=days)


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
