"""Which period a debit on a due date covers, and for how much: pure functions (pass `today`).

The contributions the employee pays (options, dependants: rules.md R5.5) are debited in
advance ("à terme à échoir") for calendar blocks aligned on January: every month (monthly),
January/April/July/October (quarterly), January/July (semi-annual) or January (annual), on the
day of the month the employee chose (5, 10, 15 or 20; guide, "Mes coordonnées bancaires").

Our choices, where neither the guide nor the rules say:
- a started month is due in full (R5.3: "prorated or for the whole month as the contract
  says"; the options start on the 1st of a month in practice), so amounts are whole months;
- the first debit of a mandate falls on the first due date with its day after the signature
  and covers from the month of the later of the effective date and the signature (the employee
  is not charged for months before they chose and signed) to the end of the current block:
  then each block start. A run that was missed is caught up by the next one (it starts the day
  after the last period debited), never charged twice;
- the cover ending (termination) shortens the last period to the month of the end date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal.enrollment.choices import DEBIT_MONTHS, DebitFrequency

DEBIT_DAYS = (5, 10, 15, 20)  # guide: "la date de prélèvement (5, 10, 15 ou 20)"
FIRST = "FRST"
RECURRENT = "RCUR"
MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Period:
    """The months of contributions one debit collects (first to last day)."""

    start: date
    end: date

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def label(self) -> str:
        """ "janvier 2027", "janvier à mars 2027", "juillet 2026 à juin 2027"."""
        first = MONTH_NAMES[self.start.month - 1]
        last = MONTH_NAMES[self.end.month - 1]
        if self.months == 1:
            return f"{first} {self.start.year}"
        if self.start.year == self.end.year:
            return f"{first} à {last} {self.end.year}"
        return f"{first} {self.start.year} à {last} {self.end.year}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def block_of(frequency: str, day: date) -> Period:
    """The calendar block of `frequency` that holds `day` (monthly: its month, quarterly: its
    quarter, semi-annual: its half-year, annual: its year)."""
    months = DEBIT_MONTHS[DebitFrequency(frequency)]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return Period(start, add_months(start, months) - timedelta(days=1))


def due_period(
    *,
    frequency: str,
    debit_day: int,
    due_date: date,
    effective_date: date,
    signed_on: date,
    end_date: date | None,
    last_debited_until: date | None,
) -> Period | None:
    """The period a debit on `due_date` collects for one mandate, or None when nothing is due
    that day. `last_debited_until` is the end of the last period already debited (None before
    the first debit)."""
    if due_date.day != debit_day:
        return None
    block = block_of(frequency, due_date)
    if last_debited_until is None:
        # The first debit: on the first due date after the signature.
        if due_date <= signed_on:
            return None
        start = month_start(max(effective_date, signed_on))
    else:
        if block.start != month_start(due_date):
            return None  # a recurrent debit only at the start of a block
        start = last_debited_until + timedelta(days=1)
    end = block.end
    if end_date is not None:
        end = min(end, month_end(end_date))
    if start > end:
        return None
    return Period(start, end)


def amount_in_cents(monthly: Decimal, period: Period) -> int:
    """The debit's amount: the monthly contributions times the period's months, in cents."""
    total = (monthly * period.months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(total * 100)


def earliest_due_date(today: date, notice_days: int) -> date:
    """R6.6: the debtor must be told at least `notice_days` calendar days before the debit."""
    return today + timedelta(days=notice_days)


def due_dates_between(first: date, last: date) -> list[date]:
    """The debit days (5, 10, 15, 20) from `first` to `last`, both included."""
    dates: list[date] = []
    month = month_start(first)
    while month <= last:
        dates += [month.replace(day=d) for d in DEBIT_DAYS if first <= month.replace(day=d) <= last]
        month = add_months(month, 1)
    return dates


def sequence_type(*, first_debit: bool) -> str:
    """R6.7: the first debit of a mandate is FRST, the next ones RCUR."""
    return FIRST if first_debit else RECURRENT


def end_to_end_id(member_number: str, due_date: date) -> str:
    """The transaction's id the debtor's bank returns (≤ 35 SEPA characters)."""
    return f"COT-{member_number}-{due_date:%Y%m%d}"
