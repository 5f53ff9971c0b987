"""The card's pure rules: its period, the children it lists, what verification answers."""

from __future__ import annotations

from datetime import date

import pytest

from portal.cards.rules import card_period, card_year, child_covered, verdict

D = date


@pytest.mark.parametrize(
    ("effective", "today", "period"),
    [
        (D(2024, 3, 1), D(2026, 6, 15), (D(2026, 1, 1), D(2026, 12, 31))),
        (D(2026, 3, 1), D(2026, 6, 15), (D(2026, 3, 1), D(2026, 12, 31))),
        (D(2027, 1, 1), D(2026, 12, 10), (D(2027, 1, 1), D(2027, 12, 31))),  # starts next year
    ],
)
def test_a_card_runs_from_the_effective_date_or_1_january_to_31_december(
    effective: date, today: date, period: tuple[date, date]
) -> None:
    year = card_year(effective_date=effective, today=today)
    assert card_period(effective_date=effective, year=year) == period


@pytest.mark.parametrize(
    ("birth", "studying", "disabled", "covered"),
    [
        (D(2005, 1, 2), False, False, True),  # 20 on 1 January 2026
        (D(2005, 1, 1), False, False, False),  # 21 that day: the limit
        (D(2001, 1, 2), True, False, True),  # 24, studying: under 26
        (D(2000, 1, 1), True, False, False),  # 26, studying
        (D(1990, 1, 1), False, True, True),  # disabled: no limit
    ],
)
def test_a_child_is_listed_while_under_the_contract_s_age_limit(
    birth: date, studying: bool, disabled: bool, covered: bool
) -> None:
    assert (
        child_covered(
            birth_date=birth,
            studying=studying,
            disabled=disabled,
            day=D(2026, 1, 1),
            max_age=21,
            max_age_extended=26,
        )
        is covered
    )


@pytest.mark.parametrize(
    ("superseded_on", "today", "sentence"),
    [
        (None, D(2026, 6, 15), "Carte valide le 15/06/2026"),
        (None, D(2026, 12, 31), "Carte valide le 31/12/2026"),
        (None, D(2027, 1, 1), "Carte non valide depuis le 01/01/2027"),
        (None, D(2025, 12, 31), "Carte non valide le 31/12/2025"),  # not valid yet
        (D(2026, 8, 10), D(2026, 8, 9), "Carte valide le 09/08/2026"),
        (D(2026, 8, 10), D(2026, 8, 10), "Carte non valide depuis le 10/08/2026"),
        (D(2026, 8, 10), D(2027, 3, 1), "Carte non valide depuis le 10/08/2026"),
    ],
)
def test_verification_says_valid_today_or_not_valid_since_a_day(
    superseded_on: date | None, today: date, sentence: str
) -> None:
    answer = verdict(
        valid_from=D(2026, 1, 1),
        printed_until=D(2026, 12, 31),
        superseded_on=superseded_on,
        today=today,
    )
    assert answer.sentence == sentence
