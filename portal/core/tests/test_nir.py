from __future__ import annotations

from datetime import date

import pytest
from stdnum.fr.nir import calc_check_digits

from portal.core.nir import (
    Problem,
    check_birth_date,
    check_employment_dates,
    check_nir,
    format_nir,
    mask_nir,
    normalise_nir,
)


def with_key(nir13: str) -> str:
    return nir13 + calc_check_digits(nir13)


def codes(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


@pytest.mark.parametrize(
    ("nir", "birth_date", "civility"),
    [
        ("185057800608491", date(1985, 5, 12), "M"),  # metropolitan, hard-coded key
        ("295109912611193", date(1995, 10, 3), "MME"),  # born abroad (99 + country 126)
        ("185052A12345633", date(1985, 5, 12), "M"),  # Corsica 2A, key computed with 19
        (with_key("290112B034012"), date(1990, 11, 30), "MME"),  # Corsica 2B, key with 18
        (with_key("1650320004123"), date(1965, 3, 1), "M"),  # Corsica "20" before 1976
        (with_key("2880197105123"), date(1988, 1, 20), "MME"),  # Guadeloupe 971
        (with_key("1920397611004"), date(1992, 3, 5), "M"),  # Mayotte 976
        (with_key("2000298801012"), date(2000, 2, 29), "MME"),  # COM 988
        (with_key("1852075056001"), date(1985, 7, 14), "M"),  # month 20: unknown month
        (with_key("1852675056001"), date(1985, 7, 14), "M"),  # month 26: unknown month
        (with_key("1853599123045"), date(1985, 5, 2), "M"),  # month 35: May, pseudo-fictif
        (with_key("1854299123045"), date(1985, 12, 2), "M"),  # month 42: December
        (with_key("2855099123045"), date(1985, 8, 2), "MME"),  # month 50: unknown month
        (with_key("2859999123045"), date(1985, 8, 2), "MME"),  # month 99: unknown month
        (with_key("1850195999999"), date(1985, 1, 2), "M"),  # département 95
        (with_key("1850101001001"), None, None),  # nothing declared to compare with
    ],
)
def test_accepts_valid_nir(nir: str, birth_date: date | None, civility: str | None) -> None:
    assert check_nir(nir, birth_date=birth_date, civility=civility) == ([], [])


@pytest.mark.parametrize(
    ("nir", "civility"),
    [
        (with_key("7850599123001"), "MME"),  # 7 with Madame: no civility check for a NIA
        (with_key("8920199350123"), "M"),
        (with_key("8920199350123"), None),
    ],
)
def test_accepts_provisional_number_with_warning(nir: str, civility: str | None) -> None:
    errors, warnings = check_nir(nir, civility=civility)
    assert codes(errors) == []
    assert codes(warnings) == ["nir_provisional"]


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1850578006084",  # 13 characters: the key is missing
        "18505780060849",
        "1850578006084911",
        "1A5057800608491",  # letter outside the département
        "185057800608A91",
        "185052C12345633",  # only 2A and 2B exist
        "1850A2012345633",  # 2A in the wrong place
        "185057800608 4X",
        "１85057800608491",  # full-width digit
        "185057800608491/",
    ],
)
def test_rejects_wrong_length_or_characters(raw: str) -> None:
    assert codes(check_nir(raw)[0]) == ["nir_format"]


@pytest.mark.parametrize(
    ("nir", "code"),
    [
        (with_key("3850578006084"), "nir_sex"),
        (with_key("5850578006084"), "nir_sex"),
        (with_key("0850578006084"), "nir_sex"),
        (with_key("1850078006084"), "nir_month"),
        (with_key("1851378006084"), "nir_month"),
        (with_key("1851978006084"), "nir_month"),
        (with_key("1854378006084"), "nir_month"),
        (with_key("1854978006084"), "nir_month"),
        (with_key("1850500006084"), "nir_place"),  # département 00
        (with_key("1850578006000"), "nir_order"),
        ("185057800608492", "nir_key"),
        ("185057800608400", "nir_key"),
        ("185057800608498", "nir_key"),
        ("185052A12345606", "nir_key"),  # key computed with 2A as 20 (localflavor's bug, R1.6)
        ("185052B12345606", "nir_key"),
    ],
)
def test_rejects_invalid_structure(nir: str, code: str) -> None:
    errors, warnings = check_nir(nir)
    assert codes(errors) == [code]
    assert warnings == []


def test_key_error_message() -> None:
    errors, _ = check_nir("185057800608492")
    assert errors[0].message == (
        "Le numéro de sécurité sociale est invalide : sa clé ne correspond pas. "
        "Vérifiez les 15 chiffres sur l'attestation de droits ou la carte Vitale."
    )


def test_reports_every_structural_error() -> None:
    errors, _ = check_nir("513130000000000")
    assert codes(errors) == ["nir_sex", "nir_month", "nir_place", "nir_order", "nir_key"]


@pytest.mark.parametrize(
    ("nir", "birth_date", "civility", "expected"),
    [
        ("185057800608491", None, "MME", ["nir_civility_mismatch"]),
        ("295109912611193", None, "M", ["nir_civility_mismatch"]),
        ("185057800608491", date(1986, 5, 12), "M", ["nir_birth_year_mismatch"]),
        ("185057800608491", date(1885, 5, 12), "M", []),  # the century is not in the NIR
        ("185057800608491", date(1985, 6, 12), "M", ["nir_birth_month_mismatch"]),
        (with_key("1853599123045"), date(1985, 6, 2), "M", ["nir_birth_month_mismatch"]),
        (with_key("1853199123045"), date(1985, 1, 2), "M", []),
        (
            "185057800608491",
            date(1984, 4, 12),
            "MME",
            ["nir_civility_mismatch", "nir_birth_year_mismatch", "nir_birth_month_mismatch"],
        ),
        ("185057800608492", date(1986, 5, 12), "M", ["nir_key", "nir_birth_year_mismatch"]),
    ],
)
def test_rejects_nir_inconsistent_with_declared_data(
    nir: str, birth_date: date | None, civility: str | None, expected: list[str]
) -> None:
    errors, warnings = check_nir(nir, birth_date=birth_date, civility=civility)
    assert codes(errors) == expected
    assert warnings == []


def test_birth_year_mismatch_message() -> None:
    errors, _ = check_nir("185057800608491", birth_date=date(1986, 5, 12))
    assert errors[0].message == (
        "Le numéro de sécurité sociale ne correspond pas à la « Date de naissance » : "
        "ses 2e et 3e chiffres (« 85 ») devraient être ceux de l'année de naissance (« 86 »). "
        "Corrigez le numéro ou la date de naissance."
    )


def test_provisional_number_is_still_compared_with_birth_date() -> None:
    errors, warnings = check_nir(with_key("7850599123001"), birth_date=date(1986, 5, 1))
    assert codes(errors) == ["nir_birth_year_mismatch"]
    assert codes(warnings) == ["nir_provisional"]


@pytest.mark.parametrize(
    ("nir13", "birth_date", "expected"),
    [
        ("275122A123456", date(1975, 12, 31), ["nir_corsica_2ab_before_1976"]),
        ("176012A123456", date(1976, 1, 1), []),
        ("175052B123456", date(1875, 5, 1), ["nir_corsica_2ab_before_1976"]),
        ("1760520123456", date(1976, 5, 1), ["nir_corsica_20_since_1976"]),
        ("1750520123456", date(1975, 5, 1), []),
        ("185052A123456", None, []),
    ],
)
def test_warns_about_corsica_code_outside_its_period(
    nir13: str, birth_date: date | None, expected: list[str]
) -> None:
    errors, warnings = check_nir(with_key(nir13), birth_date=birth_date)
    assert codes(errors) == []
    assert codes(warnings) == expected


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("1 85 05 2A 123 456 33", "185052A12345633"),
        ("1 85 05 2a 123 456 33", "185052A12345633"),
        ("1.85.05.2a.123.456.33", "185052A12345633"),
        ("1-85-05-2b-123-456-33", "185052B12345633"),
        ("1\u00a085\u202f05 2A\t123–456—33\n", "185052A12345633"),
        ("185052A12345633", "185052A12345633"),
    ],
)
def test_normalises_separators_and_case(raw: str, normalised: str) -> None:
    assert normalise_nir(raw) == normalised


def test_checks_the_normalised_number() -> None:
    assert check_nir(" 1 85 05 2a 123-456.33 ", birth_date=date(1985, 5, 1), civility="M") == (
        [],
        [],
    )


def test_refuses_unknown_civility() -> None:
    with pytest.raises(ValueError, match="civility"):
        check_nir("185057800608491", civility="Mme")


@pytest.mark.parametrize(
    ("nir", "formatted", "masked"),
    [
        ("295109912611193", "2 95 10 99 126 111 93", "2 95 ** ** *** *** 93"),
        ("185052a12345633", "1 85 05 2A 123 456 33", "1 85 ** ** *** *** 33"),
        ("2 95 10 99 126 111 93", "2 95 10 99 126 111 93", "2 95 ** ** *** *** 93"),
    ],
)
def test_formats_and_masks(nir: str, formatted: str, masked: str) -> None:
    assert format_nir(nir) == formatted
    assert mask_nir(nir) == masked


@pytest.mark.parametrize("nir", ["1850578006084", "18505780060849100"])
def test_format_and_mask_refuse_incomplete_number(nir: str) -> None:
    with pytest.raises(ValueError):
        format_nir(nir)
    with pytest.raises(ValueError):
        mask_nir(nir)


TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("birth", "today", "expected"),
    [
        (date(1990, 1, 1), TODAY, []),
        (date(2025, 6, 16), TODAY, ["birth_date_future"]),
        (date(2025, 6, 15), TODAY, ["birth_date_too_young"]),
        (date(2011, 6, 15), TODAY, []),  # 14 today
        (date(2011, 6, 16), TODAY, ["birth_date_too_young"]),
        (date(1925, 6, 15), TODAY, []),  # 100 today
        (date(1925, 6, 14), TODAY, ["birth_date_implausible"]),
        (date(1825, 6, 15), TODAY, ["birth_date_implausible"]),
        (date(2012, 2, 29), date(2026, 2, 28), ["birth_date_too_young"]),
        (date(2012, 2, 29), date(2026, 3, 1), []),
    ],
)
def test_check_birth_date(birth: date, today: date, expected: list[str]) -> None:
    assert codes(check_birth_date(birth, today=today)) == expected


@pytest.mark.parametrize(
    ("hire_date", "effective_date", "contract_start", "birth_date", "expected"),
    [
        (date(2025, 1, 10), date(2025, 1, 10), date(2025, 1, 1), date(1990, 4, 2), []),
        (date(2020, 9, 1), date(2025, 1, 1), date(2025, 1, 1), None, []),
        (
            date(2025, 2, 1),
            date(2025, 1, 15),
            date(2025, 1, 1),
            date(1990, 4, 2),
            ["effective_before_hire"],
        ),
        (
            date(2024, 9, 1),
            date(2024, 12, 1),
            date(2025, 1, 1),
            None,
            ["effective_before_contract"],
        ),
        (
            date(2025, 2, 1),
            date(2024, 12, 1),
            date(2025, 1, 1),
            None,
            ["effective_before_hire", "effective_before_contract"],
        ),
        (
            date(2025, 6, 30),
            date(2025, 7, 1),
            date(2025, 1, 1),
            date(2011, 7, 1),
            ["hire_before_14"],
        ),
        (date(2025, 7, 1), date(2025, 7, 1), date(2025, 1, 1), date(2011, 7, 1), []),
    ],
)
def test_check_employment_dates(
    hire_date: date,
    effective_date: date,
    contract_start: date,
    birth_date: date | None,
    expected: list[str],
) -> None:
    problems = check_employment_dates(
        hire_date=hire_date,
        effective_date=effective_date,
        contract_start=contract_start,
        birth_date=birth_date,
    )
    assert codes(problems) == expected


def test_effective_before_contract_message_names_the_contract_start() -> None:
    problems = check_employment_dates(
        hire_date=date(2024, 9, 1),
        effective_date=date(2024, 12, 1),
        contract_start=date(2025, 1, 1),
        birth_date=None,
    )
    assert problems[0].message == (
        "La « Date d'effet du contrat » ne peut pas précéder le début du contrat de "
        "l'entreprise, le 01/01/2025. Saisissez le 01/01/2025 ou une date postérieure."
    )
