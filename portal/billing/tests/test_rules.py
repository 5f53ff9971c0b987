"""The period each debit covers, by frequency and day, and its amount (pure rules)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.billing import rules
from portal.billing.rules import Period

SIGNED = date(2026, 11, 20)
EFFECTIVE = date(2024, 3, 1)


@pytest.mark.parametrize(
    ("frequency", "day", "due", "until", "expected"),
    [
        # First debits: from the month of the signature to the end of the current block.
        ("monthly", 5, "2026-12-05", None, "2026-11-01/2026-12-31"),
        ("monthly", 20, "2026-11-20", None, None),  # the signature day itself: not yet
        ("monthly", 20, "2026-12-20", None, "2026-11-01/2026-12-31"),
        ("quarterly", 10, "2026-12-10", None, "2026-11-01/2026-12-31"),
        ("semiannual", 15, "2026-12-15", None, "2026-11-01/2026-12-31"),
        ("annual", 15, "2026-12-15", None, "2026-11-01/2026-12-31"),
        # Recurrent debits: each block's start, on the mandate's day.
        ("monthly", 5, "2027-01-05", "2026-12-31", "2027-01-01/2027-01-31"),
        ("monthly", 10, "2027-01-05", "2026-12-31", None),  # not its day
        ("quarterly", 10, "2027-01-10", "2026-12-31", "2027-01-01/2027-03-31"),
        ("quarterly", 10, "2027-02-10", "2027-03-31", None),  # inside the quarter
        ("quarterly", 10, "2027-04-10", "2027-03-31", "2027-04-01/2027-06-30"),
        ("semiannual", 15, "2027-01-15", "2026-12-31", "2027-01-01/2027-06-30"),
        ("semiannual", 15, "2027-04-15", "2027-06-30", None),
        ("semiannual", 15, "2027-07-15", "2027-06-30", "2027-07-01/2027-12-31"),
        ("annual", 20, "2027-01-20", "2026-12-31", "2027-01-01/2027-12-31"),
        ("annual", 20, "2027-07-20", "2027-12-31", None),
        # A missed run is caught up by the next block's debit.
        ("monthly", 5, "2027-03-05", "2027-01-31", "2027-02-01/2027-03-31"),
        # Already debited for this block (a second mandate, the same period): nothing.
        ("quarterly", 10, "2027-01-10", "2027-03-31", None),
    ],
)
def test_due_period_by_frequency_and_day(
    frequency: str, day: int, due: str, until: str | None, expected: str | None
) -> None:
    period = rules.due_period(
        frequency=frequency,
        debit_day=day,
        due_date=date.fromisoformat(due),
        effective_date=EFFECTIVE,
        signed_on=SIGNED,
        end_date=None,
        last_debited_until=date.fromisoformat(until) if until else None,
    )
    covered = None if period is None else f"{period.start}/{period.end}"
    assert covered == expected


def test_first_debit_starts_with_the_cover_when_it_starts_after_the_signature() -> None:
    period = rules.due_period(
        frequency="quarterly",
        debit_day=5,
        due_date=date(2027, 1, 5),
        effective_date=date(2027, 2, 1),
        signed_on=SIGNED,
        end_date=None,
        last_debited_until=None,
    )
    assert period == Period(date(2027, 2, 1), date(2027, 3, 31))


def test_first_debit_waits_when_the_cover_starts_after_the_block() -> None:
    period = rules.due_period(
        frequency="monthly",
        debit_day=5,
        due_date=date(2027, 1, 5),
        effective_date=date(2027, 2, 1),
        signed_on=SIGNED,
        end_date=None,
        last_debited_until=None,
    )
    assert period is None


@pytest.mark.parametrize(
    ("end_date", "expected"),
    [
        (date(2027, 2, 14), Period(date(2027, 1, 1), date(2027, 2, 28))),  # the month started
        (date(2026, 12, 31), None),  # ended before the period
        (date(2027, 3, 31), Period(date(2027, 1, 1), date(2027, 3, 31))),
    ],
)
def test_the_cover_ending_shortens_or_stops_the_debit(
    end_date: date, expected: Period | None
) -> None:
    period = rules.due_period(
        frequency="quarterly",
        debit_day=5,
        due_date=date(2027, 1, 5),
        effective_date=EFFECTIVE,
        signed_on=SIGNED,
        end_date=end_date,
        last_debited_until=date(2026, 12, 31),
    )
    assert period == expected


@pytest.mark.parametrize(
    ("start", "end", "months", "label"),
    [
        (date(2027, 1, 1), date(2027, 1, 31), 1, "janvier 2027"),
        (date(2027, 1, 1), date(2027, 3, 31), 3, "janvier à mars 2027"),
        (date(2026, 7, 1), date(2027, 6, 30), 12, "juillet 2026 à juin 2027"),
        (date(2026, 11, 1), date(2027, 2, 28), 4, "novembre 2026 à février 2027"),
    ],
)
def test_period_months_and_label(start: date, end: date, months: int, label: str) -> None:
    period = Period(start, end)
    assert (period.months, period.label) == (months, label)


@pytest.mark.parametrize(
    ("monthly", "months", "cents"),
    [("108.00", 1, 10800), ("108.00", 3, 32400), ("12.34", 12, 14808), ("0.00", 6, 0)],
)
def test_amount_in_cents(monthly: str, months: int, cents: int) -> None:
    start = date(2027, 1, 1)
    period = Period(start, rules.add_months(start, months) - timedelta(days=1))
    assert rules.amount_in_cents(Decimal(monthly), period) == cents


def test_due_dates_between_are_the_debit_days() -> None:
    assert rules.due_dates_between(date(2026, 12, 16), date(2027, 1, 10)) == [
        date(2026, 12, 20),
        date(2027, 1, 5),
        date(2027, 1, 10),
    ]


def test_sequence_first_then_recurrent() -> None:
    assert rules.sequence_type(first_debit=True) == "FRST"
    assert rules.sequence_type(first_debit=False) == "RCUR"
