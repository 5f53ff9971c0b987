from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from stdnum.fr.nir import calc_check_digits

from portal.companies.models import Beneficiary, EmployeeShare, Scheme
from portal.core.errors import Problem
from portal.enrollment.models import Civility
from portal.enrollment.rules import (
    ALSACE_MOSELLE,
    CHILD,
    CIVILITY_LABELS,
    DEPENDANT_KIND_CHOICES,
    EMPLOYEE_PAYS_DEPENDANTS_AND_OPTIONS,
    EMPLOYEE_PAYS_OPTIONS,
    GENERAL,
    MEMBER,
    SPOUSE,
    SPOUSE_TYPES,
    Costs,
    DependantFacts,
    DependantKind,
    MissingRateError,
    PersonCost,
    RateTable,
    age_on,
    attachment_nir,
    birthday,
    check_dependant,
    dependant_warnings,
    monthly_costs,
    needs_bank_details,
    normalise_dependant,
)

TODAY = date(2025, 6, 15)
K = DependantKind


def with_key(nir13: str) -> str:
    return nir13 + calc_check_digits(nir13)


MEMBER_NIR = with_key("1850575056123")  # a man born in May 1985
OTHER_PARENT_NIR = with_key("2870675056124")  # a woman born in June 1987
SPOUSE_NIR = with_key("2870675056124")
CHILD_NIR = with_key("2150475056001")  # a girl born in April 2015


def spouse(**changes: Any) -> DependantFacts:
    facts = DependantFacts(
        kind=K.SPOUSE,
        civility="MME",
        last_name="BLANCHET",
        first_name="Julie",
        birth_date=date(1987, 6, 3),
        twin_rank=1,
        nir=SPOUSE_NIR,
        fund_code="011242242",
    )
    return dataclasses.replace(facts, **changes)


def child(**changes: Any) -> DependantFacts:
    facts = DependantFacts(
        kind=K.CHILD,
        civility="MME",
        last_name="BLANCHET",
        first_name="Léa",
        birth_date=date(2015, 4, 12),
        twin_rank=1,
    )
    return dataclasses.replace(facts, **changes)


def check(
    facts: DependantFacts,
    *,
    others: list[DependantFacts] | None = None,
    member_nir: str = MEMBER_NIR,
    child_max_age: int = 21,
    child_max_age_extended: int = 26,
    today: date = TODAY,
) -> list[Problem]:
    return check_dependant(
        facts,
        others=others or [],
        member_nir=member_nir,
        child_max_age=child_max_age,
        child_max_age_extended=child_max_age_extended,
        today=today,
    )


def found(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(problem.field, problem.code) for problem in problems]


# --- Kinds and constants ----------------------------------------------------------------------


def test_kinds_have_the_guides_labels() -> None:
    assert DEPENDANT_KIND_CHOICES == [
        ("spouse", "Conjoint"),
        ("pacs_partner", "Partenaire de PACS"),
        ("cohabitant", "Concubin"),
        ("child", "Enfant"),
    ]
    assert K.PACS_PARTNER.label == "Partenaire de PACS"
    assert {K.SPOUSE, K.PACS_PARTNER, K.COHABITANT} == SPOUSE_TYPES


def test_plain_values_match_the_models_choices() -> None:
    # This module may not import the models; their values must not drift apart.
    assert dict(CIVILITY_LABELS) == dict(Civility.choices)
    assert {MEMBER, SPOUSE, CHILD} == set(Beneficiary.values)
    assert {GENERAL, ALSACE_MOSELLE} == set(Scheme.values)
    assert {EMPLOYEE_PAYS_OPTIONS, EMPLOYEE_PAYS_DEPENDANTS_AND_OPTIONS} == set(
        EmployeeShare.values
    )


# --- Valid dependants -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "others"),
    [
        (spouse(), []),
        (spouse(kind=K.PACS_PARTNER, nir="", fund_code=""), []),
        (spouse(kind=K.COHABITANT, civility="M", nir=""), [child()]),
        (spouse(birth_date=date(2009, 6, 15), nir=""), []),  # 16 today
        (child(), []),  # attached to the member's NIR
        (child(nir=CHILD_NIR), []),
        (child(parent_nir=OTHER_PARENT_NIR), []),
        (child(nir=CHILD_NIR, parent_nir=MEMBER_NIR), []),
        (child(birth_date=TODAY), []),  # born today
        (child(birth_date=date(1900, 1, 1), disabled=True), []),
        (child(birth_date=date(2004, 6, 16)), []),  # 21 tomorrow
        (child(birth_date=date(1999, 6, 16), studying_or_apprentice=True), []),  # 26 tomorrow
        (child(birth_date=date(1965, 6, 15), disabled=True), []),  # disabled: no age limit
        (child(fund_code="01 224 2242"), []),  # spaces as on the attestation
        (child(twin_rank=2), [child(first_name="Léo", twin_rank=1)]),  # twins
        (child(twin_rank=9), []),
        (child(), [child(first_name="Léo", birth_date=date(2015, 4, 13))]),  # not twins
        # Step-siblings born the same day, each attached to their own parent: both of rank 1.
        (child(parent_nir=OTHER_PARENT_NIR), [child(first_name="Léo")]),
        # An edited spouse is not among the others.
        (spouse(first_name="Julia"), [child()]),
    ],
)
def test_accepts_valid_dependant(facts: DependantFacts, others: list[DependantFacts]) -> None:
    assert check(facts, others=others) == []


# --- Required fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": None}, "kind"),
        ({"civility": ""}, "civility"),
        ({"last_name": ""}, "last_name"),
        ({"last_name": "   "}, "last_name"),
        ({"first_name": ""}, "first_name"),
        ({"birth_date": None}, "birth_date"),
        ({"twin_rank": None}, "twin_rank"),
    ],
)
def test_rejects_missing_required_field(changes: dict[str, Any], field: str) -> None:
    assert found(check(child(**changes))) == [(field, "dependant_required")]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            "kind",
            "Le champ « Type de bénéficiaire » est obligatoire : choisissez Conjoint, "
            "Partenaire de PACS, Concubin ou Enfant.",
        ),
        ("civility", "Le champ « Civilité » est obligatoire : choisissez Madame ou Monsieur."),
        ("last_name", "Le champ « Nom » est obligatoire : saisissez le nom du bénéficiaire."),
        (
            "first_name",
            "Le champ « Prénom » est obligatoire : saisissez le prénom du bénéficiaire.",
        ),
        (
            "birth_date",
            "Le champ « Date de naissance » est obligatoire : saisissez-la au format JJ/MM/AAAA.",
        ),
        (
            "twin_rank",
            "Le champ « Rang gémellaire » est obligatoire : saisissez 1, ou le rang de "
            "naissance pour des jumeaux (1, 2…).",
        ),
    ],
)
def test_required_messages_use_the_guides_labels(field: str, message: str) -> None:
    empty = DependantFacts(
        kind=None,
        civility="",
        last_name="",
        first_name="",
        birth_date=None,
        twin_rank=None,
    )
    problems = {p.field: p.message for p in check(empty)}
    assert problems[field] == message


def test_reports_every_missing_field_in_form_order() -> None:
    empty = DependantFacts(
        kind=None, civility="", last_name="", first_name="", birth_date=None, twin_rank=None
    )
    # Without a kind, nothing says that a NIR of attachment is needed.
    assert found(check(empty, member_nir="")) == [
        ("kind", "dependant_required"),
        ("civility", "dependant_required"),
        ("last_name", "dependant_required"),
        ("first_name", "dependant_required"),
        ("birth_date", "dependant_required"),
        ("twin_rank", "dependant_required"),
    ]


@pytest.mark.parametrize("civility", ["MR", "Mlle", "X"])
def test_rejects_unknown_civility(civility: str) -> None:
    problems = check(child(civility=civility))
    assert found(problems) == [("civility", "civility_invalid")]
    assert problems[0].message == "Choisissez Madame ou Monsieur."


def test_accepts_civility_in_any_case() -> None:
    assert check(child(civility=" mme ")) == []


# --- One spouse, partner or cohabitant --------------------------------------------------------


@pytest.mark.parametrize("kind", [K.SPOUSE, K.PACS_PARTNER, K.COHABITANT])
@pytest.mark.parametrize("existing", [K.SPOUSE, K.PACS_PARTNER, K.COHABITANT])
def test_rejects_second_spouse_type_dependant(kind: DependantKind, existing: DependantKind) -> None:
    others = [child(), spouse(kind=existing, nir="")]
    problems = check(spouse(kind=kind), others=others)
    assert found(problems) == [("kind", "spouse_already_declared")]
    assert problems[0].message == (
        "Un seul conjoint, partenaire de PACS ou concubin peut être couvert, et vous en avez déjà "
        "déclaré un. Modifiez ce bénéficiaire dans la liste au lieu d'en ajouter un autre."
    )


def test_accepts_children_next_to_a_spouse() -> None:
    others = [spouse(nir=""), child(first_name="Léo", birth_date=date(2017, 1, 2))]
    assert check(child(), others=others) == []


# --- Birth date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (child(birth_date=date(2025, 6, 16)), "dependant_birth_date_future"),
        (spouse(birth_date=date(2030, 1, 1), nir=""), "dependant_birth_date_future"),
        (child(birth_date=date(1899, 12, 31), disabled=True), "birth_date_before_1900"),
        (spouse(birth_date=date(1899, 12, 31), nir=""), "birth_date_before_1900"),
        (spouse(birth_date=date(2009, 6, 16), nir=""), "spouse_too_young"),  # 16 tomorrow
        (spouse(kind=K.PACS_PARTNER, birth_date=date(2015, 4, 12), nir=""), "spouse_too_young"),
        (spouse(kind=K.COHABITANT, birth_date=date(2012, 1, 1), nir=""), "spouse_too_young"),
    ],
)
def test_rejects_impossible_birth_date(facts: DependantFacts, code: str) -> None:
    assert found(check(facts)) == [("birth_date", code)]


@pytest.mark.parametrize(
    ("code", "facts", "message"),
    [
        (
            "dependant_birth_date_future",
            child(birth_date=date(2025, 7, 1)),
            "La « Date de naissance » est dans le futur : vérifiez le jour, le mois et l'année. "
            "Un enfant à naître s'ajoute après sa naissance.",
        ),
        (
            "birth_date_before_1900",
            spouse(birth_date=date(1890, 1, 1), nir=""),
            "La « Date de naissance » ne peut pas être antérieure au 01/01/1900 : "
            "vérifiez l'année.",
        ),
        (
            "spouse_too_young",
            spouse(birth_date=date(2015, 4, 12), nir=""),
            "Un conjoint, partenaire de PACS ou concubin a au moins 16 ans : vérifiez l'année "
            "de la « Date de naissance », ou choisissez « Enfant » comme « Type de "
            "bénéficiaire » s'il s'agit d'un enfant.",
        ),
    ],
)
def test_birth_date_messages(code: str, facts: DependantFacts, message: str) -> None:
    problems = check(facts)
    assert [p.code for p in problems] == [code]
    assert problems[0].message == message


# --- Children's age limits (R4.1) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "today", "studying", "disabled", "expected"),
    [
        # The limit is reached on the birthday: covered until the day before.
        (date(2004, 6, 16), TODAY, False, False, []),
        (date(2004, 6, 15), TODAY, False, False, ["child_too_old"]),
        (date(2004, 6, 14), TODAY, False, False, ["child_too_old"]),
        (date(2004, 6, 15), TODAY, True, False, []),
        (date(2004, 6, 15), TODAY, False, True, []),
        (date(1999, 6, 16), TODAY, True, False, []),
        (date(1999, 6, 15), TODAY, True, False, ["child_too_old_extended"]),
        (date(1999, 6, 15), TODAY, True, True, []),
        (date(1999, 6, 15), TODAY, False, False, ["child_too_old"]),
        (date(1930, 6, 15), TODAY, False, True, []),
        # Born on 29 February: 21 on 1 March in a common year.
        (date(2004, 2, 29), date(2025, 2, 28), False, False, []),
        (date(2004, 2, 29), date(2025, 3, 1), False, False, ["child_too_old"]),
        (date(2004, 2, 29), date(2024, 2, 29), False, False, []),  # 20 that day
    ],
)
def test_applies_child_age_limits(
    birth_date: date, today: date, studying: bool, disabled: bool, expected: list[str]
) -> None:
    facts = child(birth_date=birth_date, studying_or_apprentice=studying, disabled=disabled)
    assert [p.code for p in check(facts, today=today)] == expected


@pytest.mark.parametrize(
    ("child_max_age", "child_max_age_extended", "birth_date", "expected"),
    [
        (18, 25, date(2007, 6, 16), []),
        (18, 25, date(2007, 6, 15), ["child_too_old"]),
        (20, 28, date(2005, 6, 15), ["child_too_old"]),
        (21, 21, date(2004, 6, 15), ["child_too_old_extended"]),  # no extension by studies
    ],
)
def test_uses_the_contracts_age_limits(
    child_max_age: int, child_max_age_extended: int, birth_date: date, expected: list[str]
) -> None:
    studying = child_max_age == child_max_age_extended
    problems = check(
        child(birth_date=birth_date, studying_or_apprentice=studying),
        child_max_age=child_max_age,
        child_max_age_extended=child_max_age_extended,
    )
    assert [p.code for p in problems] == expected


def test_age_limits_do_not_apply_to_a_spouse() -> None:
    assert check(spouse(birth_date=date(1940, 1, 1), nir="")) == []


def test_child_too_old_message_names_the_limits_and_what_to_do() -> None:
    problems = check(child(birth_date=date(2003, 9, 1)))
    assert problems == [
        Problem(
            "birth_date",
            "child_too_old",
            "Un enfant est couvert jusqu'à la veille de ses 21 ans ; cet enfant a eu 21 ans le "
            "01/09/2024. S'il poursuit des études ou est apprenti, cochez « Étudiant ou "
            "apprenti » (il est alors couvert jusqu'à la veille de ses 26 ans) ; s'il est en "
            "situation de handicap, cochez « En situation de handicap » (pas de limite d'âge). "
            "Sinon, il ne peut pas être couvert comme enfant à charge.",
        )
    ]


def test_child_too_old_extended_message_names_the_limit_and_what_to_do() -> None:
    problems = check(child(birth_date=date(1998, 9, 1), studying_or_apprentice=True))
    assert problems == [
        Problem(
            "birth_date",
            "child_too_old_extended",
            "Un enfant étudiant ou apprenti est couvert jusqu'à la veille de ses 26 ans ; cet "
            "enfant a eu 26 ans le 01/09/2024. S'il est en situation de handicap, cochez « En "
            "situation de handicap » : il n'y a alors pas de limite d'âge. Sinon, il ne peut "
            "plus être couvert comme enfant à charge.",
        )
    ]


@pytest.mark.parametrize(
    ("birth_date", "day", "age"),
    [
        (date(2000, 6, 15), date(2025, 6, 14), 24),
        (date(2000, 6, 15), date(2025, 6, 15), 25),
        (date(2000, 2, 29), date(2025, 2, 28), 24),
        (date(2000, 2, 29), date(2025, 3, 1), 25),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
        (date(2025, 6, 15), date(2025, 6, 15), 0),
    ],
)
def test_age_on(birth_date: date, day: date, age: int) -> None:
    assert age_on(birth_date, day) == age


@pytest.mark.parametrize(
    ("birth_date", "age", "expected"),
    [
        (date(2004, 4, 12), 21, date(2025, 4, 12)),
        (date(2004, 2, 29), 21, date(2025, 3, 1)),
        (date(2004, 2, 29), 4, date(2008, 2, 29)),
    ],
)
def test_birthday(birth_date: date, age: int, expected: date) -> None:
    assert birthday(birth_date, age) == expected


# --- Twin rank (R1.8) -------------------------------------------------------------------------


@pytest.mark.parametrize("rank", [0, -1, 10, 99])
def test_rejects_twin_rank_out_of_range(rank: int) -> None:
    problems = check(child(twin_rank=rank))
    assert found(problems) == [("twin_rank", "twin_rank_range")]
    assert problems[0].message == (
        "Le « Rang gémellaire » est un chiffre de 1 à 9 : saisissez 1, sauf pour des jumeaux "
        "(1 pour l'un, 2 pour l'autre…)."
    )


@pytest.mark.parametrize(
    ("facts", "others"),
    [
        (child(), [child(first_name="Léo")]),  # both attached to the member's NIR
        (child(twin_rank=2), [child(first_name="Léo", twin_rank=2)]),
        (child(parent_nir=MEMBER_NIR), [child(first_name="Léo")]),  # the member's, explicitly
        (
            child(parent_nir=OTHER_PARENT_NIR),
            [child(first_name="Léo", parent_nir=OTHER_PARENT_NIR)],
        ),
        (child(nir=CHILD_NIR), [child(first_name="Léo")]),  # own NIR, same family
    ],
)
def test_rejects_twins_with_the_same_rank(
    facts: DependantFacts, others: list[DependantFacts]
) -> None:
    problems = check(facts, others=others)
    assert found(problems) == [("twin_rank", "twin_rank_duplicate")]


def test_twin_rank_duplicate_message_tells_to_set_1_and_2() -> None:
    problems = check(child(), others=[spouse(), child(first_name="Léo")])
    assert problems[0].message == (
        "Léo est né(e) le même jour (12/04/2015) avec le même « Rang gémellaire ». Pour des "
        "jumeaux, saisissez 1 pour l'un et 2 pour l'autre, comme sur l'attestation de droits."
    )


def test_twin_rank_does_not_compare_a_child_with_a_spouse() -> None:
    others = [spouse(birth_date=date(2009, 4, 12), nir="", kind=K.COHABITANT)]
    assert check(child(birth_date=date(2009, 4, 12)), others=others) == []


# --- NIR, attachment and fund code ------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (child(nir="215047505600199"), [("nir", "nir_key")]),
        (child(nir="2150475"), [("nir", "nir_format")]),
        (child(nir=CHILD_NIR, civility="M"), [("nir", "nir_civility_mismatch")]),
        (
            child(nir=CHILD_NIR, birth_date=date(2016, 4, 12)),
            [("nir", "nir_birth_year_mismatch")],
        ),
        (
            child(nir=CHILD_NIR, birth_date=date(2015, 5, 12)),
            [("nir", "nir_birth_month_mismatch")],
        ),
        (
            spouse(nir=MEMBER_NIR, civility="M", birth_date=date(1985, 5, 2)),
            [("nir", "nir_same_as_member")],
        ),
        (
            spouse(nir=MEMBER_NIR[:13] + "00", civility="M", birth_date=date(1985, 5, 2)),
            [("nir", "nir_key"), ("nir", "nir_same_as_member")],
        ),
        (child(parent_nir="123"), [("parent_nir", "nir_format")]),
        (child(parent_nir=OTHER_PARENT_NIR[:13] + "00"), [("parent_nir", "nir_key")]),
        (child(nir=CHILD_NIR, parent_nir=CHILD_NIR), [("parent_nir", "parent_nir_same_as_nir")]),
        (child(fund_code="12 242 242"), [("fund_code", "dependant_fund_code_format")]),
        (child(fund_code="01124224A"), [("fund_code", "dependant_fund_code_format")]),
        (child(fund_code="0112422421"), [("fund_code", "dependant_fund_code_format")]),
    ],
)
def test_rejects_invalid_identifiers(
    facts: DependantFacts, expected: list[tuple[str, str]]
) -> None:
    assert found(check(facts)) == expected


def test_nir_same_as_member_message() -> None:
    problems = check(child(nir=MEMBER_NIR, civility="M", birth_date=date(1985, 5, 1)))
    assert [p.message for p in problems if p.code == "nir_same_as_member"] == [
        "Ce numéro de sécurité sociale est le vôtre : saisissez celui du bénéficiaire. Un "
        "enfant qui n'a pas encore son propre numéro est rattaché au vôtre : laissez alors ce "
        "champ vide."
    ]


def test_rejects_nir_of_another_dependant() -> None:
    others = [
        child(
            first_name="Léo",
            birth_date=date(2016, 1, 1),
            nir="2 15 04 75 056 001 " + CHILD_NIR[13:],
        )
    ]
    problems = check(child(nir=CHILD_NIR, birth_date=date(2015, 4, 12)), others=others)
    assert problems == [
        Problem(
            "nir",
            "nir_same_as_other_dependant",
            "Ce numéro de sécurité sociale est déjà celui de Léo : chaque bénéficiaire a le "
            "sien. Vérifiez-le sur sa carte Vitale ou son attestation de droits.",
        )
    ]


@pytest.mark.parametrize(
    ("facts", "member_nir", "expected"),
    [
        (child(), "", [("parent_nir", "parent_nir_required")]),
        (child(nir=CHILD_NIR), "", []),
        (child(parent_nir=OTHER_PARENT_NIR), "", []),
        (child(), MEMBER_NIR, []),  # attached to the member by default
        (spouse(nir=""), "", []),  # only a child is attached to a parent
    ],
)
def test_child_without_nir_is_attached_to_a_parent(
    facts: DependantFacts, member_nir: str, expected: list[tuple[str, str]]
) -> None:
    assert found(check(facts, member_nir=member_nir)) == expected


def test_parent_nir_required_message() -> None:
    problems = check(child(), member_nir="")
    assert problems[0].message == (
        "Un enfant qui n'a pas son propre numéro de sécurité sociale est rattaché à celui "
        "d'un parent : saisissez le numéro de l'enfant, ou celui du parent auquel il est "
        "rattaché (il figure sur l'attestation de droits)."
    )


def test_fund_code_message() -> None:
    problems = check(child(fund_code="12 242 242"))
    assert problems[0].message == (
        "L'« Organisme de sécurité sociale » compte 9 chiffres (régime, caisse, centre) : "
        "recopiez-le depuis l'attestation de droits du bénéficiaire."
    )


@pytest.mark.parametrize(
    ("facts", "member_nir", "expected"),
    [
        (child(), MEMBER_NIR, MEMBER_NIR),
        (child(), "1 85 05 75 056 123 " + MEMBER_NIR[13:], MEMBER_NIR),
        (child(parent_nir=OTHER_PARENT_NIR), MEMBER_NIR, OTHER_PARENT_NIR),
        (child(nir=CHILD_NIR), MEMBER_NIR, ""),
        (child(), "", ""),
        (spouse(nir=""), MEMBER_NIR, ""),
    ],
)
def test_attachment_nir(facts: DependantFacts, member_nir: str, expected: str) -> None:
    assert attachment_nir(facts, member_nir=member_nir) == expected


def test_reports_problems_of_several_fields_together() -> None:
    facts = child(
        civility="M",
        birth_date=date(2000, 1, 1),
        twin_rank=0,
        nir=CHILD_NIR,
        fund_code="1",
    )
    assert found(check(facts, others=[spouse()])) == [
        ("birth_date", "child_too_old"),
        ("twin_rank", "twin_rank_range"),
        ("nir", "nir_civility_mismatch"),
        ("nir", "nir_birth_year_mismatch"),
        ("nir", "nir_birth_month_mismatch"),
        ("fund_code", "dependant_fund_code_format"),
    ]


def test_normalises_what_people_type() -> None:
    facts = DependantFacts(
        kind="child",  # type: ignore[arg-type]  # as a form may hand it over
        civility=" mme",
        last_name="  de  la   FONTAINE ",
        first_name=" Léa ",
        birth_date=date(2015, 4, 12),
        twin_rank=1,
        nir="2 15 04 75 056 001 " + CHILD_NIR[13:],
        parent_nir="1.85.05.75.056.123." + MEMBER_NIR[13:],
        fund_code=" 01 124 2242 ",
    )
    assert normalise_dependant(facts) == dataclasses.replace(
        facts,
        kind=K.CHILD,
        civility="MME",
        last_name="de la FONTAINE",
        first_name="Léa",
        nir=CHILD_NIR,
        parent_nir=MEMBER_NIR,
        fund_code="011242242",
    )
    assert check(facts) == []


# --- Warnings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "member_birth_date", "expected"),
    [
        (child(), date(1985, 5, 2), []),
        (child(), None, []),
        (
            child(birth_date=date(1984, 1, 1), disabled=True),
            date(1985, 5, 2),
            [("birth_date", "child_older_than_member")],
        ),
        (spouse(birth_date=date(1980, 1, 1), nir=""), date(1985, 5, 2), []),
        (child(nir=with_key("8150499123001")), None, [("nir", "nir_provisional")]),
        (child(nir="215047505600199"), None, []),  # an error, not a warning
    ],
)
def test_dependant_warnings(
    facts: DependantFacts, member_birth_date: date | None, expected: list[tuple[str, str]]
) -> None:
    assert found(dependant_warnings(facts, member_birth_date=member_birth_date)) == expected


def test_child_older_than_member_message() -> None:
    warnings = dependant_warnings(child(), member_birth_date=date(2016, 1, 1))
    assert warnings[0].message == (
        "Cet enfant serait né avant vous : vérifiez l'année de sa « Date de naissance »."
    )


# --- Prices -----------------------------------------------------------------------------------

D = Decimal
BASE: RateTable = {
    (MEMBER, GENERAL): D("40.00"),
    (SPOUSE, GENERAL): D("45.50"),
    (CHILD, GENERAL): D("20.25"),
    (MEMBER, ALSACE_MOSELLE): D("30.00"),
    (SPOUSE, ALSACE_MOSELLE): D("34.10"),
    (CHILD, ALSACE_MOSELLE): D("15.15"),
}
OPTIONS: dict[str, RateTable] = {
    "OPT1": {
        (MEMBER, GENERAL): D("12.00"),
        (SPOUSE, GENERAL): D("12.00"),
        (CHILD, GENERAL): D("6.50"),
        (MEMBER, ALSACE_MOSELLE): D("10.00"),
        (SPOUSE, ALSACE_MOSELLE): D("10.00"),
        (CHILD, ALSACE_MOSELLE): D("5.40"),
    },
    "OPT2": {  # never chosen below unless said: checks that only the chosen option counts
        (MEMBER, GENERAL): D("99.00"),
        (SPOUSE, GENERAL): D("99.00"),
        (CHILD, GENERAL): D("99.00"),
        (MEMBER, ALSACE_MOSELLE): D("99.00"),
        (SPOUSE, ALSACE_MOSELLE): D("99.00"),
        (CHILD, ALSACE_MOSELLE): D("99.00"),
    },
}
OPTS = EMPLOYEE_PAYS_OPTIONS
DEPS = EMPLOYEE_PAYS_DEPENDANTS_AND_OPTIONS
AM = ALSACE_MOSELLE


def costs(
    employee_pays: str,
    scheme: str,
    option: str | None,
    kinds: list[DependantKind],
    *,
    base: RateTable = BASE,
    options: dict[str, RateTable] = OPTIONS,
) -> Costs:
    return monthly_costs(
        base_rates=base,
        option_rates=options,
        chosen_option=option,
        scheme=scheme,
        dependants_kinds=kinds,
        employee_pays=employee_pays,
    )


@pytest.mark.parametrize(
    ("employee_pays", "scheme", "option", "kinds", "member", "dependants", "total"),
    [
        # The employer pays the dependants' base: the employee pays only the option, for all.
        (OPTS, GENERAL, None, [], "0.00", "0.00", "0.00"),
        (OPTS, GENERAL, None, [K.SPOUSE, K.CHILD], "0.00", "0.00", "0.00"),
        (OPTS, GENERAL, "OPT1", [], "12.00", "0.00", "12.00"),
        (OPTS, GENERAL, "OPT1", [K.SPOUSE], "12.00", "12.00", "24.00"),
        (OPTS, GENERAL, "OPT1", [K.CHILD, K.CHILD], "12.00", "13.00", "25.00"),
        (OPTS, AM, None, [], "0.00", "0.00", "0.00"),
        (OPTS, AM, None, [K.COHABITANT, K.CHILD, K.CHILD], "0.00", "0.00", "0.00"),
        (OPTS, AM, "OPT1", [], "10.00", "0.00", "10.00"),
        (OPTS, AM, "OPT1", [K.PACS_PARTNER, K.CHILD], "10.00", "15.40", "25.40"),
        # The employee pays the dependants' base and the option, never the member's base.
        (DEPS, GENERAL, None, [], "0.00", "0.00", "0.00"),
        (DEPS, GENERAL, None, [K.SPOUSE], "0.00", "45.50", "45.50"),
        (DEPS, GENERAL, None, [K.CHILD, K.CHILD, K.CHILD], "0.00", "60.75", "60.75"),
        (DEPS, GENERAL, "OPT1", [], "12.00", "0.00", "12.00"),
        (DEPS, GENERAL, "OPT1", [K.PACS_PARTNER], "12.00", "57.50", "69.50"),
        (DEPS, GENERAL, "OPT1", [K.SPOUSE, K.CHILD], "12.00", "84.25", "96.25"),
        (DEPS, AM, None, [], "0.00", "0.00", "0.00"),
        (DEPS, AM, None, [K.SPOUSE, K.CHILD], "0.00", "49.25", "49.25"),
        (DEPS, AM, "OPT1", [], "10.00", "0.00", "10.00"),
        (DEPS, AM, "OPT1", [K.COHABITANT, K.CHILD, K.CHILD], "10.00", "85.20", "95.20"),
    ],
)
def test_monthly_costs(
    employee_pays: str,
    scheme: str,
    option: str | None,
    kinds: list[DependantKind],
    member: str,
    dependants: str,
    total: str,
) -> None:
    result = costs(employee_pays, scheme, option, kinds)
    assert (result.member_total, result.dependants_total, result.total) == (
        D(member),
        D(dependants),
        D(total),
    )
    assert needs_bank_details(result) is (D(total) > 0)


def test_breakdown_per_person_in_the_order_given() -> None:
    result = costs(DEPS, AM, "OPT1", [K.CHILD, K.COHABITANT, K.CHILD])
    assert result.people == (
        PersonCost("Adhérent", MEMBER, D("0.00"), D("10.00")),
        PersonCost("Enfant 1", CHILD, D("15.15"), D("5.40")),
        PersonCost("Concubin", SPOUSE, D("34.10"), D("10.00")),
        PersonCost("Enfant 2", CHILD, D("15.15"), D("5.40")),
    )
    assert [(p.label, p.amount) for p in result.people] == [
        ("Adhérent", D("10.00")),
        ("Enfant 1", D("20.55")),
        ("Concubin", D("44.10")),
        ("Enfant 2", D("20.55")),
    ]


def test_employer_covered_dependants_appear_at_zero() -> None:
    result = costs(OPTS, GENERAL, None, [K.PACS_PARTNER, K.CHILD])
    assert [(p.label, p.base, p.option) for p in result.people] == [
        ("Adhérent", D("0.00"), D("0.00")),
        ("Partenaire de PACS", D("0.00"), D("0.00")),
        ("Enfant 1", D("0.00"), D("0.00")),
    ]
    assert needs_bank_details(result) is False


def test_rounds_each_price_to_the_cent_half_up() -> None:
    base = {**BASE, (SPOUSE, GENERAL): D("10.125"), (CHILD, GENERAL): D("3.344")}
    options: dict[str, RateTable] = {"OPT1": {**OPTIONS["OPT1"], (MEMBER, GENERAL): D("7.005")}}
    result = costs(DEPS, GENERAL, "OPT1", [K.SPOUSE, K.CHILD], base=base, options=options)
    assert [(p.base, p.option) for p in result.people] == [
        (D("0.00"), D("7.01")),  # half up, where half even would give 7.00
        (D("10.13"), D("12.00")),
        (D("3.34"), D("6.50")),
    ]
    assert result.total == D("38.98")
    assert result.total.as_tuple().exponent == -2


def test_costs_are_decimals_with_cents_even_from_integer_rates() -> None:
    base = {key: D(int(value)) for key, value in BASE.items()}
    result = costs(DEPS, GENERAL, None, [K.SPOUSE], base=base)
    assert str(result.total) == "45.00"


def test_missing_rate_is_a_configuration_error() -> None:
    base = {key: value for key, value in BASE.items() if key != (CHILD, AM)}
    with pytest.raises(MissingRateError, match="'child' under scheme 'alsace_moselle'"):
        costs(DEPS, AM, None, [K.CHILD], base=base)
    # Not needed when the employer pays the dependants' base.
    assert costs(OPTS, AM, None, [K.CHILD], base=base).total == 0


def test_missing_option_rate_is_a_configuration_error() -> None:
    options: dict[str, RateTable] = {
        "OPT1": {key: v for key, v in OPTIONS["OPT1"].items() if key[0] != SPOUSE}
    }
    with pytest.raises(MissingRateError, match="option OPT1"):
        costs(OPTS, GENERAL, "OPT1", [K.SPOUSE], options=options)


@pytest.mark.parametrize(
    ("employee_pays", "scheme", "option", "kinds"),
    [
        ("everything", GENERAL, None, []),
        (OPTS, "local", None, []),
        (OPTS, GENERAL, "OPT9", []),
        (OPTS, GENERAL, None, ["grandparent"]),
    ],
)
def test_rejects_unknown_values(
    employee_pays: str, scheme: str, option: str | None, kinds: list[DependantKind]
) -> None:
    with pytest.raises(ValueError, match=r"unknown|not offered"):
        costs(employee_pays, scheme, option, kinds)


@pytest.mark.parametrize(
    ("amounts", "needed"),
    [
        (["0.00"], False),
        (["0.00", "0.00", "0.00"], False),
        (["0.01"], True),
        (["0.00", "20.25"], True),
    ],
)
def test_needs_bank_details(amounts: list[str], needed: bool) -> None:
    people = [PersonCost("x", CHILD, D("0.00"), D(amount)) for amount in amounts]
    assert needs_bank_details(Costs(people[0], tuple(people[1:]))) is needed
