from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from portal.core.errors import Problem
from portal.terminations.rules import (
    DEATH,
    DEFAULT_DEPENDANTS_KEEP_COVER_MONTHS,
    MAX_FUTURE_DAYS,
    MAX_RETROACTIVE_DAYS,
    MOTIF_LABELS,
    PORTABILITY_MAX_MONTHS,
    PORTABILITY_MOTIFS,
    TerminationMotif,
    add_months,
    check_portability,
    check_termination,
    dependants_cover_end,
    evin_request_deadline,
    months_spanned,
    motif_choices,
    opens_portability,
    period_end,
    portability_end,
    portability_months,
    portability_start,
)

M = TerminationMotif
TODAY = date(2025, 6, 15)
HIRE = date(2020, 3, 2)
EFFECTIVE = date(2020, 4, 1)


def check(**changes: Any) -> list[Problem]:
    arguments: dict[str, Any] = {
        "hire_date": HIRE,
        "effective_date": EFFECTIVE,
        "termination_date": date(2025, 6, 30),
        "motif": M.DISMISSAL_OR_MUTUAL_AGREEMENT,
        "already_terminated": False,
        "today": TODAY,
        "max_retroactive_days": MAX_RETROACTIVE_DAYS,
        "max_future_days": MAX_FUTURE_DAYS,
    }
    arguments.update(changes)
    return check_termination(**arguments)


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(problem.field, problem.code) for problem in problems]


# --- Motifs -------------------------------------------------------------------------------------


def test_motif_labels_are_the_guides_words_in_the_guides_order() -> None:
    assert motif_choices() == [
        ("end_of_fixed_term_or_trial", "Fin Contrat à Durée Déterminée / Fin de période d'essai"),
        ("dismissal_or_mutual_agreement", "Licenciement / Rupture conventionnelle"),
        ("resignation", "Démission"),
        ("resignation_with_portability", "Démission ouvrant droit à la portabilité"),
        ("retirement", "Départ en retraite"),
        ("death", "Décès"),
        (
            "exceptional_or_after_waiver",
            "Résiliation Exceptionnelle cours d'année / Suite dispense",
        ),
        ("parental_or_sabbatical_leave", "Congé parental / sabbatique"),
    ]


def test_every_motif_has_a_label_that_fits_a_database_column() -> None:
    assert set(MOTIF_LABELS) == set(TerminationMotif)
    assert all(len(motif.value) <= 30 for motif in TerminationMotif)
    assert M.RETIREMENT.label == "Départ en retraite"


@pytest.mark.parametrize(
    ("motif", "expected"),
    [
        (M.END_OF_FIXED_TERM_OR_TRIAL, True),
        (M.DISMISSAL_OR_MUTUAL_AGREEMENT, True),
        (M.RESIGNATION, False),
        (M.RESIGNATION_WITH_PORTABILITY, True),
        (M.RETIREMENT, False),
        (M.DEATH, False),
        (M.EXCEPTIONAL_OR_AFTER_WAIVER, False),
        (M.PARENTAL_OR_SABBATICAL_LEAVE, False),
    ],
)
def test_opens_portability(motif: TerminationMotif, expected: bool) -> None:
    assert opens_portability(motif) is expected
    assert opens_portability(motif.value) is expected  # as a form hands it over
    assert (motif in PORTABILITY_MOTIFS) is expected


def test_exactly_three_motifs_open_portability_and_death_is_not_one() -> None:
    assert len(PORTABILITY_MOTIFS) == 3
    assert DEATH is M.DEATH
    assert DEATH not in PORTABILITY_MOTIFS


def test_opens_portability_rejects_an_unknown_motif() -> None:
    with pytest.raises(ValueError):
        opens_portability("faute_lourde")


# --- Month arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 15), 1, date(2025, 2, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2025, 1, 1), 0, date(2025, 1, 1)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last_day(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("first_day", "months", "expected"),
    [
        (date(2025, 3, 1), 1, date(2025, 3, 31)),
        (date(2025, 1, 15), 1, date(2025, 2, 14)),
        (date(2025, 2, 1), 1, date(2025, 2, 28)),
        (date(2024, 2, 1), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 27)),
        (date(2024, 3, 1), 12, date(2025, 2, 28)),
        (date(2025, 7, 1), 12, date(2026, 6, 30)),
    ],
)
def test_period_end(first_day: date, months: int, expected: date) -> None:
    assert period_end(first_day=first_day, months=months) == expected


def test_period_end_needs_at_least_one_month() -> None:
    with pytest.raises(ValueError):
        period_end(first_day=date(2025, 1, 1), months=0)


@pytest.mark.parametrize(
    ("first_day", "last_day", "expected"),
    [
        (date(2025, 1, 10), date(2025, 1, 10), 1),  # one day
        (date(2025, 1, 1), date(2025, 1, 31), 1),  # one calendar month
        (date(2025, 1, 15), date(2025, 2, 14), 1),  # one month, mid-month
        (date(2025, 1, 15), date(2025, 2, 15), 2),  # one month and one day
        (date(2025, 2, 1), date(2025, 2, 28), 1),
        (date(2024, 2, 1), date(2024, 2, 29), 1),
        (date(2024, 2, 1), date(2024, 3, 1), 2),
        (date(2025, 1, 31), date(2025, 2, 27), 1),
        (date(2025, 1, 31), date(2025, 2, 28), 2),  # 31 January, then all of February
        (date(2025, 1, 1), date(2025, 3, 3), 3),  # R3.3's example: 2 months + 3 days
        (date(2022, 1, 1), date(2024, 12, 31), 36),
    ],
)
def test_months_spanned_rounds_up(first_day: date, last_day: date, expected: int) -> None:
    assert months_spanned(first_day=first_day, last_day=last_day) == expected


def test_months_spanned_refuses_a_period_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError):
        months_spanned(first_day=date(2025, 1, 2), last_day=date(2025, 1, 1))


@pytest.mark.parametrize("months", range(1, 40))
@pytest.mark.parametrize(
    "first_day",
    [date(2024, 1, 31), date(2024, 2, 29), date(2025, 1, 1), date(2025, 8, 30), date(2025, 5, 17)],
)
def test_months_spanned_is_the_inverse_of_period_end(first_day: date, months: int) -> None:
    last_day = period_end(first_day=first_day, months=months)
    assert months_spanned(first_day=first_day, last_day=last_day) == months
    assert months_spanned(first_day=first_day, last_day=last_day + timedelta(days=1)) == (
        months + 1
    )


# --- Portability (R3.3, R3.4) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contract_start", "contract_end", "months", "end"),
    [
        # 1 day
        (date(2025, 3, 10), date(2025, 3, 10), 1, date(2025, 4, 10)),
        # 1 month exactly
        (date(2025, 3, 1), date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 1, 15), date(2025, 2, 14), 1, date(2025, 3, 14)),
        # 1 month + 1 day
        (date(2025, 3, 1), date(2025, 4, 1), 2, date(2025, 6, 1)),
        # 11 months + 1 day
        (date(2024, 7, 1), date(2025, 6, 1), 12, date(2026, 6, 1)),
        # 11 months exactly
        (date(2024, 7, 1), date(2025, 5, 31), 11, date(2026, 4, 30)),
        # 12 months exactly
        (date(2024, 7, 1), date(2025, 6, 30), 12, date(2026, 6, 30)),
        # 12 months + 1 day: capped
        (date(2024, 7, 1), date(2025, 7, 1), 12, date(2026, 7, 1)),
        # 3 years: capped
        (date(2022, 7, 1), date(2025, 6, 30), 12, date(2026, 6, 30)),
        # ends on 31 January: portability from 1 February
        (date(2024, 11, 1), date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2024, 11, 15), date(2025, 1, 31), 3, date(2025, 4, 30)),
        # ends on 28 February of a common year: from 1 March
        (date(2024, 12, 1), date(2025, 2, 28), 3, date(2025, 5, 31)),
        (date(2025, 2, 1), date(2025, 2, 28), 1, date(2025, 3, 31)),
        # ends on 28 February of a leap year: from 29 February
        (date(2024, 1, 29), date(2024, 2, 28), 1, date(2024, 3, 28)),
        # ends on 29 February of a leap year: from 1 March
        (date(2024, 2, 1), date(2024, 2, 29), 1, date(2024, 3, 31)),
        (date(2023, 3, 1), date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2020, 1, 6), date(2024, 2, 29), 12, date(2025, 2, 28)),
        # ends on 31 January with 1 month: February is short
        (date(2025, 1, 1), date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 1), date(2024, 1, 31), 1, date(2024, 2, 29)),
        # ends on 30 January: portability starts on 31 January, its month ends on 27 February
        (date(2025, 1, 1), date(2025, 1, 30), 1, date(2025, 2, 27)),
    ],
)
def test_portability(contract_start: date, contract_end: date, months: int, end: date) -> None:
    assert portability_months(contract_start=contract_start, contract_end=contract_end) == months
    assert portability_start(contract_end=contract_end) == contract_end + timedelta(days=1)
    assert portability_end(contract_start=contract_start, contract_end=contract_end) == end


def test_portability_never_exceeds_twelve_months() -> None:
    start = date(2010, 1, 1)
    for years in range(1, 16):
        end = add_months(start, 12 * years) - timedelta(days=1)
        assert portability_months(contract_start=start, contract_end=end) == 12
    assert PORTABILITY_MAX_MONTHS == 12


def test_portability_refuses_a_contract_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError):
        portability_end(contract_start=date(2025, 2, 1), contract_end=date(2025, 1, 31))


# --- Death (R3.6, R3.8) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("death_date", "months", "expected"),
    [
        (date(2025, 6, 15), 0, None),
        (date(2025, 6, 15), 1, date(2025, 7, 15)),
        (date(2025, 6, 30), 3, date(2025, 9, 30)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 5, 10), 12, date(2026, 5, 10)),
    ],
)
def test_dependants_cover_end(death_date: date, months: int, expected: date | None) -> None:
    assert dependants_cover_end(death_date, months) == expected


def test_by_default_the_dependants_cover_ends_with_the_members() -> None:
    assert DEFAULT_DEPENDANTS_KEEP_COVER_MONTHS == 0
    assert dependants_cover_end(date(2025, 6, 15), DEFAULT_DEPENDANTS_KEEP_COVER_MONTHS) is None


def test_dependants_cover_months_cannot_be_negative() -> None:
    with pytest.raises(ValueError):
        dependants_cover_end(date(2025, 6, 15), -1)


@pytest.mark.parametrize(
    ("event_date", "deadline"),
    [
        (date(2025, 6, 15), date(2025, 12, 15)),
        (date(2025, 8, 31), date(2026, 2, 28)),
        (date(2023, 8, 31), date(2024, 2, 29)),
    ],
)
def test_evin_request_deadline_is_six_months_later(event_date: date, deadline: date) -> None:
    assert evin_request_deadline(event_date) == deadline


def test_death_does_not_open_portability() -> None:
    assert not opens_portability(DEATH)


# --- check_termination --------------------------------------------------------------------------


@pytest.mark.parametrize("motif", list(TerminationMotif))
def test_accepts_every_motif(motif: TerminationMotif) -> None:
    assert check(motif=motif, termination_date=TODAY) == []
    assert check(motif=motif.value, termination_date=TODAY) == []


def test_accepts_a_valid_termination() -> None:
    assert check() == []


@pytest.mark.parametrize(
    ("field", "empty"),
    [("hire_date", None), ("termination_date", None), ("motif", None), ("motif", "")],
)
def test_rejects_a_missing_field(field: str, empty: Any) -> None:
    problems = check(**{field: empty})
    assert codes(problems) == [(field, "termination_field_required")]
    assert "est obligatoire" in problems[0].message


def test_rejects_all_missing_fields_at_once() -> None:
    problems = check(hire_date=None, termination_date=None, motif=None)
    assert codes(problems) == [
        ("hire_date", "termination_field_required"),
        ("termination_date", "termination_field_required"),
        ("motif", "termination_field_required"),
    ]
    assert problems[0].message == (
        "Le champ « Date d'embauche » est obligatoire : saisissez-la au format JJ/MM/AAAA."
    )


def test_rejects_an_unknown_motif() -> None:
    assert codes(check(motif="faute_lourde")) == [("motif", "motif_invalid")]


def test_effective_date_may_be_unknown() -> None:
    assert check(effective_date=None) == []


def test_rejects_a_termination_of_a_terminated_membership_and_nothing_else() -> None:
    problems = check(already_terminated=True, hire_date=None, motif=None)
    assert codes(problems) == [("termination_date", "already_terminated")]
    assert "déjà radié" in problems[0].message


@pytest.mark.parametrize(
    ("hire_date", "effective_date", "termination_date", "expected"),
    [
        # the day of hiring and of the effective date: one covered day
        (TODAY, TODAY, TODAY, []),
        (
            TODAY,
            TODAY,
            TODAY - timedelta(days=1),
            [("termination_date", "termination_before_hire")],
        ),
        # the effective date is after the hiring (a waiting period, a later plan)
        (
            TODAY - timedelta(days=10),
            TODAY,
            TODAY - timedelta(days=1),
            [("termination_date", "termination_before_effective_date")],
        ),
        (TODAY - timedelta(days=10), TODAY, TODAY, []),
        # the effective date is before the hiring (the hire date governs)
        (
            TODAY,
            TODAY - timedelta(days=10),
            TODAY - timedelta(days=1),
            [("termination_date", "termination_before_hire")],
        ),
    ],
)
def test_termination_date_against_hire_and_effective_dates(
    hire_date: date, effective_date: date, termination_date: date, expected: list[Any]
) -> None:
    problems = check(
        hire_date=hire_date, effective_date=effective_date, termination_date=termination_date
    )
    assert codes(problems) == expected


def test_termination_before_hire_message_quotes_both_dates() -> None:
    [problem] = check(hire_date=date(2025, 6, 1), termination_date=date(2025, 5, 31))
    assert problem.message == (
        "La « Date de résiliation » (31/05/2025) est antérieure à la « Date d'embauche » "
        "(01/06/2025) : vérifiez les deux dates."
    )


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-MAX_RETROACTIVE_DAYS - 1, [("termination_date", "too_retroactive")]),
        (-MAX_RETROACTIVE_DAYS, []),
        (0, []),
        (MAX_FUTURE_DAYS, []),
        (MAX_FUTURE_DAYS + 1, [("termination_date", "termination_too_far_ahead")]),
    ],
)
def test_date_windows_at_their_edges(offset: int, expected: list[Any]) -> None:
    assert codes(check(termination_date=TODAY + timedelta(days=offset))) == expected


@pytest.mark.parametrize(
    ("retroactive", "future", "offset", "expected"),
    [
        (10, 5, -10, []),
        (10, 5, -11, [("termination_date", "too_retroactive")]),
        (10, 5, 5, []),
        (10, 5, 6, [("termination_date", "termination_too_far_ahead")]),
        (0, 0, 0, []),
        (0, 0, -1, [("termination_date", "too_retroactive")]),
        (0, 0, 1, [("termination_date", "termination_too_far_ahead")]),
    ],
)
def test_date_windows_come_from_the_arguments(
    retroactive: int, future: int, offset: int, expected: list[Any]
) -> None:
    problems = check(
        termination_date=TODAY + timedelta(days=offset),
        max_retroactive_days=retroactive,
        max_future_days=future,
    )
    assert codes(problems) == expected


def test_window_messages_give_the_limit_dates() -> None:
    [too_old] = check(termination_date=date(2025, 1, 1))
    assert too_old.message == (
        "La « Date de résiliation » (01/01/2025) ne peut pas être antérieure au 14/04/2025 : "
        "la rétroactivité est limitée à 62 jours avant aujourd'hui. Vérifiez l'année ; pour une "
        "date plus ancienne, contactez votre service relation entreprise."
    )
    [too_far] = check(termination_date=date(2026, 1, 1))
    assert "dépasser le 15/09/2025 (92 jours après aujourd'hui)" in too_far.message


def test_default_windows() -> None:
    assert (MAX_RETROACTIVE_DAYS, MAX_FUTURE_DAYS) == (62, 92)
    assert (
        check_termination(
            hire_date=HIRE,
            effective_date=EFFECTIVE,
            termination_date=TODAY + timedelta(days=MAX_FUTURE_DAYS),
            motif=M.RESIGNATION,
            already_terminated=False,
            today=TODAY,
        )
        == []
    )


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-1, []),
        (0, []),
        (1, [("termination_date", "death_in_future")]),
        (MAX_FUTURE_DAYS + 1, [("termination_date", "death_in_future")]),
        (-MAX_RETROACTIVE_DAYS - 1, [("termination_date", "too_retroactive")]),
    ],
)
def test_death_date_cannot_be_in_the_future(offset: int, expected: list[Any]) -> None:
    assert codes(check(motif=DEATH, termination_date=TODAY + timedelta(days=offset))) == expected


@pytest.mark.parametrize("motif", [m for m in TerminationMotif if m != DEATH])
def test_other_motifs_may_be_dated_ahead(motif: TerminationMotif) -> None:
    assert check(motif=motif, termination_date=TODAY + timedelta(days=1)) == []


def test_several_date_problems_are_reported_together() -> None:
    problems = check(
        hire_date=date(2025, 6, 1),
        termination_date=date(2025, 1, 1),
        motif="unknown",
    )
    assert codes(problems) == [
        ("motif", "motif_invalid"),
        ("termination_date", "termination_before_hire"),
        ("termination_date", "too_retroactive"),
    ]


@pytest.mark.parametrize(
    ("motif", "answer", "expected"),
    [
        (M.DISMISSAL_OR_MUTUAL_AGREEMENT, None, [("portability", "portability_answer_required")]),
        (M.END_OF_FIXED_TERM_OR_TRIAL, True, []),
        (M.RESIGNATION_WITH_PORTABILITY, False, []),
        (M.RESIGNATION, True, [("portability", "portability_not_open")]),
        (M.RETIREMENT, True, [("portability", "portability_not_open")]),
        (M.RESIGNATION, None, []),
        (M.DEATH, False, []),
        ("unknown", True, []),
    ],
)
def test_portability_is_answered_for_the_three_motifs_and_refused_for_the_others(
    motif: str, answer: bool | None, expected: list[tuple[str, str]]
) -> None:
    assert codes(check_portability(motif, answer)) == expected
