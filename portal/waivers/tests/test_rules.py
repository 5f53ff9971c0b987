from __future__ import annotations

import re
from datetime import date

import pytest

from portal.companies.models import ContractKind
from portal.waivers.rules import (
    CASES,
    CONSEQUENCES_STATEMENT,
    HEALTH,
    PROVIDENT,
    EndKind,
    WaiverCase,
    add_months,
    cases_for,
    check_waiver_request,
    get_case,
    next_proof_due,
    waiver_end,
)

TODAY = date(2024, 6, 1)


def case(code: str) -> WaiverCase:
    found = get_case(code)
    assert found is not None
    return found


def codes_for(kind: str, optional_enabled: bool) -> list[str]:
    return [c.code for c in cases_for(kind, optional_enabled)]


def test_contract_kinds_match_the_contract_model() -> None:
    assert {HEALTH, PROVIDENT} == set(ContractKind.values)


@pytest.mark.parametrize(
    ("kind", "optional_enabled", "expected"),
    [
        (
            HEALTH,
            False,
            [
                "due_before_plan",
                "short_fixed_term",
                "solidarity_health_cover",
                "individual_contract",
                "covered_elsewhere",
            ],
        ),
        (
            HEALTH,
            True,
            [
                "due_before_plan",
                "short_fixed_term",
                "solidarity_health_cover",
                "individual_contract",
                "covered_elsewhere",
                "long_fixed_term_with_cover",
                "fixed_term_under_12_months",
                "part_time_high_contribution",
            ],
        ),
        # R2.8: CSS, individual contract and "already covered" are health-only.
        (PROVIDENT, False, ["due_before_plan"]),
        (
            PROVIDENT,
            True,
            [
                "due_before_plan",
                "long_fixed_term_with_cover",
                "fixed_term_under_12_months",
                "part_time_high_contribution",
            ],
        ),
    ],
)
def test_cases_offered_by_contract_kind_and_facultative_flag(
    kind: str, optional_enabled: bool, expected: list[str]
) -> None:
    assert codes_for(kind, optional_enabled) == expected


@pytest.mark.parametrize(
    ("code", "requires_proof", "end_kind", "renewal_months", "optional"),
    [
        ("due_before_plan", False, EndKind.NONE, None, False),
        ("short_fixed_term", True, EndKind.GIVEN, None, False),
        ("solidarity_health_cover", True, EndKind.GIVEN, None, False),
        ("individual_contract", True, EndKind.GIVEN, None, False),
        ("covered_elsewhere", True, EndKind.COMPUTED, 12, False),
        ("long_fixed_term_with_cover", True, EndKind.GIVEN, None, True),
        ("fixed_term_under_12_months", False, EndKind.GIVEN, None, True),
        ("part_time_high_contribution", False, EndKind.NONE, None, True),
    ],
)
def test_case_table(
    code: str,
    requires_proof: bool,
    end_kind: EndKind,
    renewal_months: int | None,
    optional: bool,
) -> None:
    found = case(code)
    assert (found.requires_proof, found.end_kind, found.renewal_months, found.optional) == (
        requires_proof,
        end_kind,
        renewal_months,
        optional,
    )


@pytest.mark.parametrize("waiver_case", CASES, ids=lambda c: c.code)
def test_every_case_says_what_to_give(waiver_case: WaiverCase) -> None:
    assert waiver_case.label and waiver_case.explanation and waiver_case.legal_basis
    assert bool(waiver_case.proof_description) == waiver_case.requires_proof
    assert bool(waiver_case.end_date_label) == (waiver_case.end_kind is EndKind.GIVEN)
    if waiver_case.end_kind is EndKind.COMPUTED:
        assert waiver_case.renewal_months is not None


def test_codes_are_unique_and_fit_the_model_column() -> None:
    assert len({c.code for c in CASES}) == len(CASES)
    assert max(len(c.code) for c in CASES) <= 40


def test_unknown_code_is_no_case() -> None:
    assert get_case("nope") is None


def test_consequences_statement_wording() -> None:
    assert CONSEQUENCES_STATEMENT.startswith(
        "Je reconnais avoir été informé(e) par mon employeur des conséquences de ma demande de "
        "dispense d'adhésion : "
    )
    assert CONSEQUENCES_STATEMENT.endswith(
        "et je devrai y adhérer dès que ma situation ne justifiera plus la dispense."
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 6, 1), 12, date(2025, 6, 1)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 11, 15), 3, date(2025, 2, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 6, 1), 60, date(2029, 6, 1)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def problem_codes(code: str, **kwargs: object) -> list[tuple[str, str]]:
    values: dict[str, object] = {"end_date": None, "proof_present": False, "today": TODAY}
    values.update(kwargs)
    return [(p.field, p.code) for p in check_waiver_request(case(code), **values)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "kwargs", "expected"),
    [
        # DUE: nothing to give, nothing to type.
        ("due_before_plan", {}, []),
        ("due_before_plan", {"proof_present": True}, [("proof", "proof_not_expected")]),
        (
            "due_before_plan",
            {"end_date": date(2024, 12, 31)},
            [("end_date", "end_date_not_expected")],
        ),
        # CSS: proof and end date required, end within a year.
        ("solidarity_health_cover", {"proof_present": True, "end_date": date(2025, 3, 31)}, []),
        ("solidarity_health_cover", {"proof_present": True, "end_date": TODAY}, []),
        (
            "solidarity_health_cover",
            {"proof_present": False, "end_date": date(2025, 3, 31)},
            [("proof", "proof_required")],
        ),
        (
            "solidarity_health_cover",
            {"proof_present": True},
            [("end_date", "end_date_required")],
        ),
        (
            "solidarity_health_cover",
            {"proof_present": True, "end_date": date(2024, 5, 31)},
            [("end_date", "end_date_past")],
        ),
        ("solidarity_health_cover", {"proof_present": True, "end_date": date(2025, 6, 1)}, []),
        (
            "solidarity_health_cover",
            {"proof_present": True, "end_date": date(2025, 6, 2)},
            [("end_date", "end_date_too_far")],
        ),
        (
            "solidarity_health_cover",
            {},
            [("proof", "proof_required"), ("end_date", "end_date_required")],
        ),
        # Individual contract: the échéance, at most a year ahead.
        ("individual_contract", {"proof_present": True, "end_date": date(2024, 12, 31)}, []),
        (
            "individual_contract",
            {"proof_present": True, "end_date": date(2026, 1, 1)},
            [("end_date", "end_date_too_far")],
        ),
        # Already covered: proof only; the end follows from the yearly renewal.
        ("covered_elsewhere", {"proof_present": True}, []),
        (
            "covered_elsewhere",
            {"proof_present": True, "end_date": date(2025, 1, 1)},
            [("end_date", "end_date_not_expected")],
        ),
        # Short fixed-term: cover < 3 months from the start of the work contract (15 May).
        (
            "short_fixed_term",
            {"proof_present": True, "end_date": date(2024, 8, 13), "work_start": date(2024, 5, 15)},
            [],
        ),
        (
            "short_fixed_term",
            {"proof_present": True, "end_date": date(2024, 8, 14), "work_start": date(2024, 5, 15)},
            [("end_date", "contract_too_long")],
        ),
        # Without the start of the work contract, only the date itself is checked.
        ("short_fixed_term", {"proof_present": True, "end_date": date(2024, 12, 31)}, []),
        # Facultative fixed-term cases, either side of 12 months (contract from 1 March 2024).
        (
            "fixed_term_under_12_months",
            {"end_date": date(2025, 2, 27), "work_start": date(2024, 3, 1)},
            [],
        ),
        (
            "fixed_term_under_12_months",
            {"end_date": date(2025, 2, 28), "work_start": date(2024, 3, 1)},
            [("end_date", "contract_too_long")],
        ),
        (
            "long_fixed_term_with_cover",
            {"proof_present": True, "end_date": date(2025, 2, 28), "work_start": date(2024, 3, 1)},
            [],
        ),
        (
            "long_fixed_term_with_cover",
            {"proof_present": True, "end_date": date(2025, 2, 27), "work_start": date(2024, 3, 1)},
            [("end_date", "contract_too_short")],
        ),
        # The 5-year bound for fixed-term contracts (apprenticeships last up to 3-4 years).
        ("long_fixed_term_with_cover", {"proof_present": True, "end_date": date(2029, 6, 1)}, []),
        (
            "long_fixed_term_with_cover",
            {"proof_present": True, "end_date": date(2029, 6, 2)},
            [("end_date", "end_date_too_far")],
        ),
        ("part_time_high_contribution", {}, []),
    ],
)
def test_check_waiver_request(
    code: str, kwargs: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    assert problem_codes(code, **kwargs) == expected


def test_messages_are_french_and_name_what_to_do() -> None:
    problems = check_waiver_request(
        case("short_fixed_term"),
        end_date=date(2024, 8, 14),
        proof_present=False,
        today=TODAY,
        work_start=date(2024, 5, 15),
    )
    assert [p.message for p in problems] == [
        "Joignez votre justificatif : une attestation de votre complémentaire santé individuelle "
        "« contrat responsable », ou une déclaration sur l'honneur indiquant le nom de votre "
        "organisme complémentaire.",
        "Votre contrat, commencé le 15/05/2024, dure au moins 3 mois : ce cas de dispense ne vaut "
        "que pour un contrat qui se termine au plus tard le 13/08/2024. Vérifiez la date ou "
        "choisissez un autre cas.",
    ]


def test_end_date_required_message_names_the_date_to_type() -> None:
    (problem,) = check_waiver_request(
        case("solidarity_health_cover"), end_date=None, proof_present=True, today=TODAY
    )
    assert problem.message == (
        "Saisissez la date demandée : date de fin de vos droits à la Complémentaire santé "
        "solidaire."
    )


@pytest.mark.parametrize(
    ("code", "end_date", "expected_end", "expected_proof_due"),
    [
        ("due_before_plan", None, None, None),
        ("part_time_high_contribution", None, None, None),
        ("solidarity_health_cover", date(2025, 3, 31), date(2025, 3, 31), None),
        ("individual_contract", date(2024, 12, 31), date(2024, 12, 31), None),
        ("short_fixed_term", date(2024, 8, 13), date(2024, 8, 13), None),
        ("covered_elsewhere", None, date(2025, 6, 1), date(2025, 6, 1)),
    ],
)
def test_end_and_next_proof(
    code: str, end_date: date | None, expected_end: date | None, expected_proof_due: date | None
) -> None:
    assert waiver_end(case(code), end_date, TODAY) == expected_end
    assert next_proof_due(case(code), TODAY) == expected_proof_due


def test_end_of_a_given_case_needs_the_date() -> None:
    with pytest.raises(ValueError, match="solidarity_health_cover"):
        waiver_end(case("solidarity_health_cover"), None, TODAY)


@pytest.mark.parametrize("waiver_case", CASES, ids=lambda c: c.code)
def test_every_case_is_printed_on_the_request_in_the_employees_own_words(
    waiver_case: WaiverCase,
) -> None:
    assert re.match(r"(Je |J'|Mon |Ma )", waiver_case.statement), waiver_case.statement
    assert re.search(r"\b[Vv](ous|otre|os)\b", waiver_case.statement) is None
