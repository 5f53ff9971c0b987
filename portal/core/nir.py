"""Checks of the NIR (numéro de sécurité sociale) and of the dates declared with it.

Pure functions over plain values: no ORM, no clock (callers pass `today`). Rules cite
shared/docs/rules.md §1 (R1.1–R1.7, R1.10) and R8.1 for masking.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, date

from stdnum.fr import nir as stdnum_nir

from portal.core.errors import CoreError, Problem

__all__ = ["Problem"]  # re-exported: the one problem type, kept importable from here


MINIMUM_WORKING_AGE = 14  # Code du travail L4153-1: no work before 16, with exceptions from 14.
MAXIMUM_PLAUSIBLE_AGE = 100
CORSICA_SPLIT_YEAR = 1976  # 2A/2B replace "20" for births from 1 January 1976 (rules.md §1.1).

# \s covers the no-break spaces (U+00A0, U+202F) pasted from documents; U+2010–U+2015 are the
# hyphens and dashes that word processors substitute for "-".
_SEPARATORS_RE = re.compile(r"[\s.\-\u2010-\u2015]")
# Letters are only possible in the département of Corsica (positions 6–7).
_FORMAT_RE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}")

_MONTH_NAMES = (
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

NIR_FORMAT = Problem.of(CoreError.NIR_FORMAT)
NIR_SEX = Problem.of(CoreError.NIR_SEX)
NIR_MONTH = Problem.of(CoreError.NIR_MONTH)
NIR_PLACE = Problem.of(CoreError.NIR_PLACE)
NIR_ORDER = Problem.of(CoreError.NIR_ORDER)
NIR_KEY = Problem.of(CoreError.NIR_KEY)
NIR_PROVISIONAL = Problem.of(CoreError.NIR_PROVISIONAL)
BIRTH_DATE_FUTURE = Problem.of(CoreError.BIRTH_DATE_FUTURE)
BIRTH_DATE_IMPLAUSIBLE = Problem.of(CoreError.BIRTH_DATE_IMPLAUSIBLE, age=MAXIMUM_PLAUSIBLE_AGE)
BIRTH_DATE_TOO_YOUNG = Problem.of(CoreError.BIRTH_DATE_TOO_YOUNG, age=MINIMUM_WORKING_AGE)


def normalise_nir(raw: str) -> str:
    """Remove spaces (including no-break spaces), dots and dashes, and uppercase (R1.1)."""
    return _SEPARATORS_RE.sub("", raw).upper()


def check_nir(
    raw: str, *, birth_date: date | None = None, civility: str | None = None
) -> tuple[list[Problem], list[Problem]]:
    """Return (errors, warnings) for a 15-character NIR and, when given, the declared data.

    `civility` is "M" or "MME". Errors block the form; warnings go to back-office review.
    """
    if civility not in (None, "M", "MME"):
        raise ValueError(f"civility must be 'M', 'MME' or None, not {civility!r}")
    nir = normalise_nir(raw)
    if not _FORMAT_RE.fullmatch(nir):
        return [NIR_FORMAT], []

    sex, year, month, place, order = nir[0], nir[1:3], int(nir[3:5]), nir[5:10], nir[10:13]
    errors: list[Problem] = []
    warnings: list[Problem] = []

    # R1.2 structure. stdnum checks only the key (R1.5), so the rest is ours.
    if sex not in "1278":
        errors.append(NIR_SEX)
    if not _is_valid_month(month):
        errors.append(NIR_MONTH)
    if not _is_valid_place(place):
        errors.append(NIR_PLACE)
    if order == "000":
        errors.append(NIR_ORDER)
    # stdnum replaces 2A→19 and 2B→18 before the mod 97 (localflavor wrongly uses 20, R1.6).
    if stdnum_nir.calc_check_digits(nir) != nir[13:]:
        errors.append(NIR_KEY)

    # Consistency with the declared data: in an employer's form a mismatch is nearly always a
    # typo, so it blocks here although rules.md R1.3 only warns (back-office imports may differ).
    if civility is not None and (sex, civility) in (("1", "MME"), ("2", "M")):
        errors.append(_civility_mismatch(sex, civility))
    if birth_date is not None:
        if int(year) != birth_date.year % 100:
            errors.append(_birth_year_mismatch(year, birth_date))
        nir_month = _known_birth_month(month)
        if nir_month is not None and nir_month != birth_date.month:
            errors.append(_birth_month_mismatch(nir[3:5], nir_month, birth_date))

    if sex in "78":  # NIA (R1.10a): accepted, but it will be replaced by the final NIR.
        warnings.append(NIR_PROVISIONAL)
    if birth_date is not None and _is_corsica_code_out_of_period(place[:2], birth_date.year):
        warnings.append(_corsica_date(place[:2]))
    return errors, warnings


def format_nir(nir15: str) -> str:
    """Display form "S YY MM DD CCC OOO KK", e.g. "2 95 10 99 126 111 93"."""
    nir = _require_length(nir15)
    return " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]))


def mask_nir(nir15: str) -> str:
    """Masked display form keeping sex, year and key, e.g. "2 95 ** ** *** *** 93" (R8.1)."""
    nir = _require_length(nir15)
    return f"{nir[0]} {nir[1:3]} ** ** *** *** {nir[13:]}"


def check_birth_date(birth: date, *, today: date) -> list[Problem]:
    """Errors for a birth date that cannot be an employee's: future, over 100, under 14."""
    if birth > today:
        return [BIRTH_DATE_FUTURE]
    if _birthday(birth, MAXIMUM_PLAUSIBLE_AGE) < today:
        return [BIRTH_DATE_IMPLAUSIBLE]
    if _birthday(birth, MINIMUM_WORKING_AGE) > today:
        return [BIRTH_DATE_TOO_YOUNG]
    return []


def check_employment_dates(
    *, hire_date: date, effective_date: date, contract_start: date, birth_date: date | None
) -> list[Problem]:
    """Errors in the order of the hire, the group contract, the cover and the birth dates."""
    problems: list[Problem] = []
    if effective_date < hire_date:
        problems.append(
            Problem.of(
                CoreError.EFFECTIVE_BEFORE_HIRE,
                effective_date=_dmy(effective_date),
                hire_date=_dmy(hire_date),
            )
        )
    if effective_date < contract_start:
        problems.append(
            Problem.of(CoreError.EFFECTIVE_BEFORE_CONTRACT, contract_start=_dmy(contract_start))
        )
    if birth_date is not None:
        fourteenth_birthday = _birthday(birth_date, MINIMUM_WORKING_AGE)
        # date.max: a birth year so far ahead that the birth date's own error says it all.
        if hire_date < fourteenth_birthday < date.max:
            problems.append(
                Problem.of(
                    CoreError.HIRE_BEFORE_14,
                    hire_date=_dmy(hire_date),
                    age=MINIMUM_WORKING_AGE,
                    birthday=_dmy(fourteenth_birthday),
                )
            )
    return problems


def _is_valid_month(month: int) -> bool:
    # 20–30 and 50–99: month unknown; 31–42: known month + 30 (INSEE, rules.md §1.1).
    return 1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99


def _known_birth_month(month: int) -> int | None:
    if 1 <= month <= 12:
        return month
    if 31 <= month <= 42:
        return month - 30
    return None


def _is_valid_place(place: str) -> bool:
    # R1.2: département 01–96 (91–96 also: North Africa before independence, R1.1),
    # 2A or 2B + commune; 97x/98x + commune; 99 + country.
    # The format regex already guarantees digits everywhere but in 2A/2B.
    department = place[:2]
    if department in ("2A", "2B", "97", "98", "99"):
        return True
    return 1 <= int(department) <= 96


def _is_corsica_code_out_of_period(department: str, birth_year: int) -> bool:
    if department in ("2A", "2B"):
        return birth_year < CORSICA_SPLIT_YEAR
    return department == "20" and birth_year >= CORSICA_SPLIT_YEAR


def _civility_mismatch(sex: str, civility: str) -> Problem:
    nir_says, form_says = ("homme", "Madame") if sex == "1" else ("femme", "Monsieur")
    return Problem.of(
        CoreError.NIR_CIVILITY_MISMATCH, sex=sex, nir_says=nir_says, form_says=form_says
    )


def _birth_year_mismatch(year: str, birth_date: date) -> Problem:
    return Problem.of(
        CoreError.NIR_BIRTH_YEAR_MISMATCH, year=year, birth_year=f"{birth_date.year % 100:02d}"
    )


def _birth_month_mismatch(digits: str, nir_month: int, birth_date: date) -> Problem:
    return Problem.of(
        CoreError.NIR_BIRTH_MONTH_MISMATCH,
        digits=digits,
        nir_month=_MONTH_NAMES[nir_month - 1],
        birth_month=_MONTH_NAMES[birth_date.month - 1],
    )


def _corsica_date(department: str) -> Problem:
    if department == "20":
        return Problem.of(CoreError.NIR_CORSICA_20_SINCE_1976)
    return Problem.of(CoreError.NIR_CORSICA_2AB_BEFORE_1976, department=department)


def _require_length(nir15: str) -> str:
    nir = normalise_nir(nir15)
    if len(nir) != 15:
        raise ValueError("a NIR with its key has 15 characters")
    return nir


def _birthday(birth: date, age: int) -> date:
    """The day a person turns `age`; someone born on 29 February has birthdays on 1 March."""
    if birth.year + age > MAXYEAR:
        # A typed birth year of 9986 or later: the birthday is after every date there is.
        return date.max
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return date(birth.year + age, 3, 1)


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
