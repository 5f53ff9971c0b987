"""Rules of a termination ("Résilier son contrat"): the motif, the dates, portability, death.

Pure functions over plain values: no ORM, no clock (callers pass `today`). Sources:
shared/docs/rules.md §3 (R3.1–R3.8: portabilité L911-8 CSS, loi Evin art. 4), §5 (R5.2: the
cover runs from the effective date to the day the employment contract ends), and the user guide's
pages "Résilier un collaborateur" (guide-espace-entreprise-2022, "Les résiliations", 3/3).

Month arithmetic, used for every duration in months below:
- `add_months(day, n)` is the same day of the month n months later or, when that month is too
  short, its last day: 31 January + 1 month = 28 February (29 in a leap year), 29 February 2024
  + 12 months = 28 February 2025. This is the rule of the "quantième" (CPC art. 641 al. 2:
  "à défaut d'un quantième identique, le délai expire le dernier jour du mois").
- A period of n months that starts on `first_day` ends on `add_months(first_day, n)` minus one
  day (`period_end`): 1 March + 1 month ends on 31 March, 15 January + 1 month on 14 February.
- The length of a period in months (`months_spanned`) is the smallest n whose n-month period
  from the same first day reaches the last day: "whole months, plus one if any day remains"
  (R3.3). It is the exact inverse of `period_end`, so a contract of exactly n months gives a
  portability of exactly n months by the same yardstick.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum

from portal.core.errors import Problem
from portal.enrollment.rules import check_retroactivity
from portal.terminations.errors import TerminationError


class TerminationMotif(StrEnum):
    """The guide's "motif de résiliation" (page "Résilier un collaborateur", 3/3)."""

    END_OF_FIXED_TERM_OR_TRIAL = "end_of_fixed_term_or_trial"
    DISMISSAL_OR_MUTUAL_AGREEMENT = "dismissal_or_mutual_agreement"
    RESIGNATION = "resignation"
    RESIGNATION_WITH_PORTABILITY = "resignation_with_portability"
    RETIREMENT = "retirement"
    DEATH = "death"
    EXCEPTIONAL_OR_AFTER_WAIVER = "exceptional_or_after_waiver"
    PARENTAL_OR_SABBATICAL_LEAVE = "parental_or_sabbatical_leave"

    @property
    def label(self) -> str:
        return MOTIF_LABELS[self]


# Worded exactly as the guide's list, in the guide's order.
MOTIF_LABELS: Mapping[TerminationMotif, str] = {
    TerminationMotif.END_OF_FIXED_TERM_OR_TRIAL: (
        "Fin Contrat à Durée Déterminée / Fin de période d'essai"
    ),
    TerminationMotif.DISMISSAL_OR_MUTUAL_AGREEMENT: "Licenciement / Rupture conventionnelle",
    TerminationMotif.RESIGNATION: "Démission",
    TerminationMotif.RESIGNATION_WITH_PORTABILITY: "Démission ouvrant droit à la portabilité",
    TerminationMotif.RETIREMENT: "Départ en retraite",
    TerminationMotif.DEATH: "Décès",
    TerminationMotif.EXCEPTIONAL_OR_AFTER_WAIVER: (
        "Résiliation Exceptionnelle cours d'année / Suite dispense"
    ),
    TerminationMotif.PARENTAL_OR_SABBATICAL_LEAVE: "Congé parental / sabbatique",
}

# Guide: "Ces 3 motifs ouvrent le droit à la Portabilité". They are the terminations that open
# unemployment insurance (R3.2): end of a fixed-term contract or of the trial period, dismissal
# (except for faute lourde) or rupture conventionnelle, and a resignation France Travail deems
# légitime. An ordinary resignation, retirement, death (R3.6) and a suspension do not. The
# guide's first motif is coarser than R3.2: a trial period ended by the employee (DSN
# S21.G00.62.002 code 035) is a resignation and opens no unemployment rights.
PORTABILITY_MOTIFS = frozenset(
    {
        TerminationMotif.END_OF_FIXED_TERM_OR_TRIAL,
        TerminationMotif.DISMISSAL_OR_MUTUAL_AGREEMENT,
        TerminationMotif.RESIGNATION_WITH_PORTABILITY,
    }
)
DEATH = TerminationMotif.DEATH

FIELD_LABELS: Mapping[str, str] = {
    "hire_date": "Date d'embauche",
    "termination_date": "Date de résiliation",
    "motif": "Motif de résiliation",
}

# How far back an employer may date a termination in the portal (and an affiliation's effective
# date: one rule, settings.RETROACTIVE_MAX_DAYS, whose default this is). R3.8: the insurer must
# send the loi Evin offer within 2 months of the end of the contract, and R3.7: some agreements
# give the employer 1 month to send the portability form; the monthly DSN of month M, filed on
# the 5th or 15th of M+1, reports an end up to ~6 weeks late [knowledge]. Two months (62 days:
# two 31-day months) absorb that; an older end goes to the insurer's staff, who can weigh claims
# already paid after it. [verify]
MAX_RETROACTIVE_DAYS = 62
# How far ahead: the longest usual notice (préavis) — 1 or 2 months by law for a dismissal
# (C. trav. L1234-1), also applied to retirement (L1237-6, L1237-10), 3 months for executives in
# most branch agreements — so 3 months (92 days: 31 + 30 + 31). [knowledge, verify]
MAX_FUTURE_DAYS = 92

# R3.3: portability lasts as long as the last contract, in months rounded up, 12 at most.
PORTABILITY_MAX_MONTHS = 12
# R3.8 (loi Evin art. 4): the survivors of a deceased employee may ask, within 6 months of the
# death, to keep the health cover individually (at their cost) for at least 12 months.
EVIN_REQUEST_MONTHS = 6
EVIN_SURVIVORS_MINIMUM_MONTHS = 12
# Free continued cover of the dependants after the member's death is not in the law (§3, §4):
# only the contract grants it. Contract parameter `dependants_keep_cover_months`; the default
# grants none (the dependants' cover ends with the member's; loi Evin art. 4 remains open).
DEFAULT_DEPENDANTS_KEEP_COVER_MONTHS = 0


def motif_choices() -> list[tuple[str, str]]:
    """(value, label) pairs for a form's select, in the guide's order."""
    return [(motif.value, label) for motif, label in MOTIF_LABELS.items()]


def opens_portability(motif: TerminationMotif | str) -> bool:
    """Whether the motif opens portability (guide: "Ces 3 motifs…"; R3.2).

    The other conditions of R3.1 (no faute lourde, unemployment benefits actually paid, cover
    opened at this employer) are proven later and are not the motif's; the guide then asks the
    employer "Souhaitez-vous activer la portabilité ?".
    """
    return TerminationMotif(motif) in PORTABILITY_MOTIFS


def check_portability(motif: TerminationMotif | str, answer: bool | None) -> list[Problem]:
    """ "Souhaitez-vous activer la portabilité ?" is asked for the 3 motifs that open it, and
    for them only: it must be answered for those, and "Oui" is refused for any other motif
    (never silently dropped). `answer` is None when the question was not answered."""
    try:
        parsed = TerminationMotif(motif)
    except ValueError:
        return []  # the motif's own problem is reported by `check_termination`
    if parsed in PORTABILITY_MOTIFS:
        if answer is None:
            return [Problem.of(TerminationError.PORTABILITY_ANSWER_REQUIRED, "portability")]
        return []
    if answer:
        return [
            Problem.of(TerminationError.PORTABILITY_NOT_OPEN, "portability", motif=parsed.label)
        ]
    return []


# --- Dates --------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day if it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(*, first_day: date, months: int) -> date:
    """The last day of a period of `months` months that starts on `first_day` (inclusive)."""
    if months < 1:
        raise ValueError(f"a period lasts at least one month, not {months}")
    return add_months(first_day, months) - timedelta(days=1)


def months_spanned(*, first_day: date, last_day: date) -> int:
    """The length of [first_day, last_day] in months, rounded up (R3.3: "appréciée en mois, le
    cas échéant arrondie au nombre supérieur"): 2 months and 3 days count 3 months."""
    if last_day < first_day:
        raise ValueError(f"the period ends ({last_day}) before it starts ({first_day})")
    # A first estimate from the calendar months, then the exact count (at most a step or two).
    months = max(1, (last_day.year - first_day.year) * 12 + last_day.month - first_day.month)
    while months > 1 and period_end(first_day=first_day, months=months - 1) >= last_day:
        months -= 1
    while period_end(first_day=first_day, months=months) < last_day:
        months += 1
    return months


def portability_start(*, contract_end: date) -> date:
    """R3.4: the first day of portability is the day after the last day of the contract."""
    return contract_end + timedelta(days=1)


def portability_months(*, contract_start: date, contract_end: date) -> int:
    """R3.3: the length of the last contract in months rounded up, capped at 12.

    `contract_start` is the first day of the last contract, or of the last consecutive contracts
    with the same employer; `contract_end` its last day (the termination date). The cap on the
    unemployment benefits actually paid is checked later, on the France Travail proofs (R3.6).
    """
    months = months_spanned(first_day=contract_start, last_day=contract_end)
    return min(PORTABILITY_MAX_MONTHS, months)


def portability_end(*, contract_start: date, contract_end: date) -> date:
    """The last day of portability (R3.3, R3.4), unless it ends early (R3.6)."""
    return period_end(
        first_day=portability_start(contract_end=contract_end),
        months=portability_months(contract_start=contract_start, contract_end=contract_end),
    )


def dependants_cover_end(death_date: date, months: int) -> date | None:
    """The last day the dependants stay covered, free of charge, after the member's death.

    `months` is the contract's `dependants_keep_cover_months`. None when the contract grants no
    such period: the dependants' cover ends with the member's, on the day of the death.
    """
    if months < 0:
        raise ValueError(f"dependants_keep_cover_months cannot be negative: {months}")
    if months == 0:
        return None
    return period_end(first_day=death_date + timedelta(days=1), months=months)


def evin_request_deadline(event_date: date) -> date:
    """R3.8: the last day to ask for loi Evin art. 4 cover, 6 months after the death, the end
    of the contract or the end of portability."""
    return period_end(first_day=event_date + timedelta(days=1), months=EVIN_REQUEST_MONTHS)


# --- The form -----------------------------------------------------------------------------------


def check_termination(
    *,
    hire_date: date | None,
    effective_date: date | None,
    termination_date: date | None,
    motif: TerminationMotif | str | None,
    already_terminated: bool,
    today: date,
    max_retroactive_days: int = MAX_RETROACTIVE_DAYS,
    max_future_days: int = MAX_FUTURE_DAYS,
    declared_hire_date: date | None = None,
) -> list[Problem]:
    """Errors that prevent sending the termination; an empty list means it may be sent.

    `effective_date` is the membership's (None if unknown); `termination_date` is the last
    covered day, the last day of the employment contract (R5.2). `declared_hire_date` is the
    employee's as declared: the portability lasts as long as the contract (R3.3), so a hire
    date typed now may not be earlier than it (a later one, e.g. a new contract, may).
    """
    if already_terminated:
        # Nothing else is worth checking: the membership has already ended.
        return [_ALREADY_TERMINATED]
    problems: list[Problem] = []
    for name, value in (
        ("hire_date", hire_date),
        ("termination_date", termination_date),
        ("motif", motif),
    ):
        if value is None or value == "":
            problems.append(_required(name))
    parsed_motif: TerminationMotif | None = None
    if motif:
        try:
            parsed_motif = TerminationMotif(motif)
        except ValueError:
            problems.append(_MOTIF_INVALID)
    if hire_date is not None and declared_hire_date is not None and hire_date < declared_hire_date:
        problems.append(
            Problem.of(
                TerminationError.HIRE_BEFORE_DECLARED,
                "hire_date",
                hire_date=_dmy(hire_date),
                declared_hire_date=_dmy(declared_hire_date),
            )
        )
    if termination_date is None:
        return problems
    if hire_date is not None and termination_date < hire_date:
        problems.append(
            Problem.of(
                TerminationError.TERMINATION_BEFORE_HIRE,
                "termination_date",
                termination_date=_dmy(termination_date),
                hire_date=_dmy(hire_date),
            )
        )
    elif effective_date is not None and termination_date < effective_date:
        # R5.2: the cover starts on the effective date; ending it earlier would mean it never
        # existed, which is a cancellation of the affiliation, not a termination.
        problems.append(
            Problem.of(
                TerminationError.TERMINATION_BEFORE_EFFECTIVE_DATE,
                "termination_date",
                termination_date=_dmy(termination_date),
                effective_date=_dmy(effective_date),
            )
        )
    if parsed_motif == DEATH and termination_date > today:
        problems.append(
            Problem.of(TerminationError.DEATH_IN_FUTURE, "termination_date", today=_dmy(today))
        )
    elif termination_date > today + timedelta(days=max_future_days):
        latest = today + timedelta(days=max_future_days)
        problems.append(
            Problem.of(
                TerminationError.TERMINATION_TOO_FAR_AHEAD,
                "termination_date",
                latest=_dmy(latest),
                days=max_future_days,
            )
        )
    # The same retroactivity rule as an affiliation's effective date (settings
    # RETROACTIVE_MAX_DAYS).
    problems += check_retroactivity(
        termination_date,
        today=today,
        max_days=max_retroactive_days,
        field="termination_date",
        label=FIELD_LABELS["termination_date"],
    )
    return problems


_ALREADY_TERMINATED = Problem.of(TerminationError.ALREADY_TERMINATED, "termination_date")
_MOTIF_INVALID = Problem.of(TerminationError.MOTIF_INVALID, "motif")
_REQUIRED_HINTS: Mapping[str, str] = {
    "hire_date": "saisissez-la au format JJ/MM/AAAA.",
    "termination_date": "saisissez le dernier jour du contrat de travail, au format JJ/MM/AAAA.",
    "motif": "choisissez-en un dans la liste.",
}


def _required(name: str) -> Problem:
    return Problem.of(
        TerminationError.TERMINATION_FIELD_REQUIRED,
        name,
        label=FIELD_LABELS[name],
        hint=_REQUIRED_HINTS[name],
    )


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
