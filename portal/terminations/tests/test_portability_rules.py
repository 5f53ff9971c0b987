"""The rules of a running portability, each as a table: its computed end, the early end of
each reason, which date wins, the proofs' periods and due dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from portal.terminations.portability import (
    EARLY_END_LABELS,
    PROOF_DUE_DAYS,
    EarlyEndReason,
    check_early_end,
    decide_early_end,
    early_end_date,
    effective_end,
    ends_soon,
    is_overdue,
    proof_period,
    proof_periods,
    proofs_to_ask,
)
from portal.terminations.rules import portability_end

R = EarlyEndReason


@pytest.mark.parametrize(
    ("hire", "termination", "computed_end"),
    [
        # R3.3/R3.4: as long as the contract in months rounded up, 12 at most, from the next day.
        (date(2025, 1, 1), date(2025, 3, 31), date(2025, 6, 30)),  # 3 months
        (date(2025, 1, 1), date(2025, 3, 3), date(2025, 6, 3)),  # 2 months 3 days → 3
        (date(2020, 3, 2), date(2025, 6, 30), date(2026, 6, 30)),  # years → 12
        (date(2025, 1, 31), date(2025, 1, 31), date(2025, 2, 28)),  # one day → 1 month
    ],
)
def test_the_computed_end(hire: date, termination: date, computed_end: date) -> None:
    assert portability_end(contract_start=hire, contract_end=termination) == computed_end


@pytest.mark.parametrize(
    ("reason", "event_date", "last_day"),
    [
        (R.NEW_JOB, date(2025, 9, 15), date(2025, 9, 14)),  # the new contract's eve
        (R.END_OF_BENEFITS, date(2025, 9, 15), date(2025, 9, 15)),  # last indemnified day
        (R.RETIREMENT, date(2025, 10, 1), date(2025, 9, 30)),  # the pension's eve
        (R.DEATH, date(2025, 9, 15), date(2025, 9, 15)),  # the day of the death
    ],
)
def test_the_early_end_date_by_reason(reason: R, event_date: date, last_day: date) -> None:
    assert early_end_date(reason, event_date) == last_day


@pytest.mark.parametrize(
    ("computed", "early", "last_day"),
    [
        (date(2026, 6, 30), None, date(2026, 6, 30)),
        (date(2026, 6, 30), date(2025, 9, 14), date(2025, 9, 14)),
        (date(2026, 6, 30), date(2026, 6, 30), date(2026, 6, 30)),
    ],
)
def test_the_effective_end_is_the_earliest(
    computed: date, early: date | None, last_day: date
) -> None:
    assert effective_end(computed, early) == last_day


TERMINATION = date(2025, 6, 30)
COMPUTED = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("ended_early_on", "reason", "event_date", "applies", "last_day"),
    [
        # Before the computed end: the early end wins.
        (None, R.NEW_JOB, date(2025, 9, 15), True, date(2025, 9, 14)),
        (None, R.END_OF_BENEFITS, date(2026, 3, 31), True, date(2026, 3, 31)),
        (None, R.RETIREMENT, date(2026, 1, 1), True, date(2025, 12, 31)),
        (None, R.DEATH, date(2025, 8, 2), True, date(2025, 8, 2)),
        # On or after the computed end: the computed end wins, nothing changes.
        (None, R.END_OF_BENEFITS, COMPUTED, False, COMPUTED),
        (None, R.NEW_JOB, date(2026, 7, 1), False, COMPUTED),
        (None, R.NEW_JOB, date(2026, 8, 1), False, date(2026, 7, 31)),
        # Already ended early: only an earlier date changes it (the same DSN again does not).
        (date(2025, 9, 14), R.NEW_JOB, date(2025, 9, 15), False, date(2025, 9, 14)),
        (date(2025, 9, 14), R.DEATH, date(2025, 8, 2), True, date(2025, 8, 2)),
        (date(2025, 9, 14), R.END_OF_BENEFITS, date(2025, 12, 31), False, date(2025, 12, 31)),
        # A new job the day after the contract leaves no portability: it ends on the contract's end.
        (None, R.NEW_JOB, date(2025, 7, 1), True, TERMINATION),
    ],
)
def test_which_date_wins(
    ended_early_on: date | None, reason: R, event_date: date, applies: bool, last_day: date
) -> None:
    decision = decide_early_end(
        termination_date=TERMINATION,
        computed_end=COMPUTED,
        ended_early_on=ended_early_on,
        reason=reason,
        event_date=event_date,
    )
    assert (decision.applies, decision.last_day) == (applies, last_day)


TODAY = date(2025, 9, 20)


@pytest.mark.parametrize(
    ("reason", "event_date", "ended_early_on", "expected"),
    [
        ("new_job", date(2025, 9, 15), None, []),
        ("end_of_benefits", date(2025, 12, 31), None, []),  # a known end, ahead: accepted
        ("death", date(2025, 9, 19), None, []),
        ("", date(2025, 9, 15), None, [("reason", "early_end_reason_invalid")]),
        ("chomage", date(2025, 9, 15), None, [("reason", "early_end_reason_invalid")]),
        ("new_job", None, None, [("event_date", "early_end_date_required")]),
        ("death", date(2025, 9, 21), None, [("event_date", "early_end_death_in_future")]),
        ("new_job", TERMINATION, None, [("event_date", "early_end_before_portability")]),
        ("new_job", date(2025, 3, 1), None, [("event_date", "early_end_before_portability")]),
        ("end_of_benefits", COMPUTED, None, [("event_date", "early_end_not_earlier")]),
        (
            "end_of_benefits",
            date(2025, 10, 31),
            date(2025, 9, 14),
            [("event_date", "early_end_not_earlier")],
        ),
    ],
)
def test_checking_an_early_end_from_a_form(
    reason: str, event_date: date | None, ended_early_on: date | None, expected: list[Any]
) -> None:
    problems = check_early_end(
        reason=reason,
        event_date=event_date,
        termination_date=TERMINATION,
        computed_end=COMPUTED,
        ended_early_on=ended_early_on,
        today=TODAY,
    )
    assert [(p.field, p.code) for p in problems] == expected


def test_the_not_earlier_message_names_the_current_end() -> None:
    (problem,) = check_early_end(
        reason="end_of_benefits",
        event_date=date(2025, 10, 31),
        termination_date=TERMINATION,
        computed_end=COMPUTED,
        ended_early_on=date(2025, 9, 14),
        today=TODAY,
    )
    assert (
        problem.message
        == "La portabilité prend déjà fin le 14/09/2025 : cette date ne l'avance pas."
    )


def test_every_reason_has_its_label() -> None:
    assert [reason.label for reason in R] == [
        "Reprise d'un emploi",
        "Fin de l'indemnisation chômage",
        "Départ en retraite",
        "Décès",
    ]
    assert set(EARLY_END_LABELS) == set(R)


# --- Proofs ---------------------------------------------------------------------------------------

START = date(2025, 1, 31)  # a month-end start: the periods follow the quantième rule


@pytest.mark.parametrize(
    ("number", "first_day", "last_day", "due_on"),
    [
        (0, date(2025, 1, 31), date(2025, 2, 27), date(2025, 2, 15)),  # the opening
        (1, date(2025, 2, 28), date(2025, 3, 30), date(2025, 3, 15)),
        (2, date(2025, 3, 31), date(2025, 4, 29), date(2025, 4, 15)),
        (3, date(2025, 4, 30), date(2025, 5, 10), date(2025, 5, 15)),  # cut at the end
    ],
)
def test_proof_periods_and_due_dates(
    number: int, first_day: date, last_day: date, due_on: date
) -> None:
    period = proof_period(start=START, end=date(2025, 5, 10), number=number)
    assert period is not None
    assert (period.first_day, period.last_day, period.ask_on, period.due_on) == (
        first_day,
        last_day,
        first_day,
        due_on,
    )
    assert (period.due_on - period.ask_on).days == PROOF_DUE_DAYS


def test_a_period_after_the_end_does_not_exist() -> None:
    assert proof_period(start=START, end=date(2025, 5, 10), number=4) is None
    assert [p.number for p in proof_periods(start=START, end=date(2025, 5, 10))] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("today", "asked", "expected"),
    [
        (date(2025, 1, 30), set(), []),  # before the start
        (date(2025, 1, 31), set(), [0]),  # the opening, on the first day
        (date(2025, 1, 31), {0}, []),  # asked: nothing again
        (date(2025, 3, 1), {0}, [1]),
        (date(2025, 3, 31), set(), [0, 1, 2]),  # a job that did not run: every period begun
        (date(2025, 12, 1), {0, 1, 2, 3}, []),  # past the end: nothing more
    ],
)
def test_which_proofs_to_ask(today: date, asked: set[int], expected: list[int]) -> None:
    periods = proofs_to_ask(start=START, end=date(2025, 5, 10), today=today, asked=asked)
    assert [p.number for p in periods] == expected


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(date(2025, 2, 14), False), (date(2025, 2, 15), False), (date(2025, 2, 16), True)],
)
def test_a_proof_is_late_the_day_after_its_due_date(today: date, overdue: bool) -> None:
    assert is_overdue(date(2025, 2, 15), today) is overdue


@pytest.mark.parametrize(
    ("end", "soon"),
    [
        (date(2025, 9, 19), False),  # over
        (date(2025, 9, 20), True),
        (date(2025, 10, 20), True),  # 30 days
        (date(2025, 10, 21), False),
    ],
)
def test_ending_within_30_days(end: date, soon: bool) -> None:
    assert ends_soon(end, TODAY) is soon
