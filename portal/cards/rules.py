"""The card's rules: its validity period, who it lists, what its verification page answers.

Pure functions over plain values (no ORM, no clock: `today` is passed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.enrollment.rules import age_on

# The card is valid for a calendar year at most (issue 13: "effective date to 31 December,
# renewed each year").


def card_year(*, effective_date: date, today: date) -> int:
    """The year a card issued today is for: this year, or the year cover starts."""
    return max(today.year, effective_date.year)


def card_period(*, effective_date: date, year: int) -> tuple[date, date]:
    """From the effective date (or 1 January) to 31 December of `year`."""
    return max(effective_date, date(year, 1, 1)), date(year, 12, 31)


def child_covered(
    *,
    birth_date: date,
    studying: bool,
    disabled: bool,
    day: date,
    max_age: int,
    max_age_extended: int,
) -> bool:
    """rules.md R4.1: a child is covered while younger than the contract's age limit, or the
    extended one when studying or an apprentice; a disabled child has no limit."""
    if disabled:
        return True
    return age_on(birth_date, day) < (max_age_extended if studying else max_age)


@dataclass(frozen=True)
class Verdict:
    """What the public verification page says of a card on a day."""

    valid: bool
    day: date  # valid on this day, or not valid since this day
    since: bool = True  # not valid since `day` (False: not valid yet, on `day`)

    @property
    def sentence(self) -> str:
        if self.valid:
            return f"Carte valide le {self.day:%d/%m/%Y}"
        if not self.since:
            return f"Carte non valide le {self.day:%d/%m/%Y}"
        return f"Carte non valide depuis le {self.day:%d/%m/%Y}"


def verdict(
    *,
    valid_from: date,
    printed_until: date,
    superseded_on: date | None,
    today: date,
) -> Verdict:
    """Valid today, or since when it is not: replaced by a newer card, past its last day
    (31 December or the end of cover). A card not valid yet (next year's, issued in December)
    is "not valid" today, without its start: nothing else about it is disclosed."""
    if superseded_on is not None and superseded_on <= today:
        return Verdict(valid=False, day=superseded_on)
    if today > printed_until:
        return Verdict(valid=False, day=printed_until + timedelta(days=1))
    if today < valid_from:
        return Verdict(valid=False, day=today, since=False)
    return Verdict(valid=True, day=today)
