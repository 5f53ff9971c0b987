"""Rules of the employee's journey: the dependants they add and what they pay each month.

Pure functions over plain values and dataclasses: no ORM, no clock (callers pass `today`).
Sources: shared/docs/rules.md §1.2 (R1.8), §1.4 (R1.11), §4 (R4.1), §5 (R5.3, R5.5), and the
user guide's pages "L'ajout de bénéficiaires" and "Les garanties" (guide-espace-entreprise-2022).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal.core.charset import is_identity_text, to_norm_text
from portal.core.errors import Problem
from portal.core.nir import check_nir, normalise_nir
from portal.enrollment.choices import SPOUSE_KINDS, Civility
from portal.enrollment.choices import DependantKind as DependantKind  # re-exported
from portal.enrollment.errors import EnrollmentError

DEPENDANT_KIND_LABELS: Mapping[DependantKind, str] = {
    DependantKind.SPOUSE: "Conjoint",
    DependantKind.PACS_PARTNER: "Partenaire de PACS",
    DependantKind.COHABITANT: "Concubin",
    DependantKind.CHILD: "Enfant",
}
DEPENDANT_KIND_CHOICES: list[tuple[str, str]] = [
    (kind.value, label) for kind, label in DEPENDANT_KIND_LABELS.items()
]
# All three are priced with the "spouse" rate and only one of them may be covered (R4.1).
SPOUSE_TYPES = SPOUSE_KINDS

CIVILITY_LABELS: Mapping[str, str] = dict(Civility.choices)

# Labels of the guide's form "Bénéficiaire" (page "L'ajout de bénéficiaires"), by field name.
# The last three are not in the guide: they are the portal's own.
FIELD_LABELS: Mapping[str, str] = {
    "kind": "Type de bénéficiaire",
    "civility": "Civilité",
    "last_name": "Nom",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
    "twin_rank": "Rang gémellaire",
    "nir": "Numéro de sécurité sociale",
    "fund_code": "Organisme de sécurité sociale",
    "alsace_moselle": "Régime Alsace Moselle",
    "parent_nir": "Numéro de sécurité sociale de rattachement",
    "studying_or_apprentice": "Étudiant ou apprenti",
    "disabled": "En situation de handicap",
}

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# Marriage needs 18 years (C. civ. art. 144) unless the prosecutor grants a dispensation
# (art. 145), a PACS needs majority (art. 515-1) and concubinage has no minimum age. 16, the age
# from which a minor may be emancipated (art. 413-2), is a floor that catches a child's birth date
# typed on a spouse's line without refusing those rare lawful cases.
SPOUSE_MINIMUM_AGE = 16
MAXIMUM_TWIN_RANK = 9
FUND_CODE_RE = re.compile(r"\d{9}")  # régime (2) + caisse (3) + centre (4), R1.11


def check_retroactivity(
    day: date, *, today: date, max_days: int, field: str, label: str
) -> list[Problem]:
    """The one retroactivity rule (settings.RETROACTIVE_MAX_DAYS): an affiliation's effective
    date and a termination's date may be at most `max_days` before today; an older one is the
    insurer staff's to weigh (contributions and claims already settled)."""
    earliest = today - timedelta(days=max_days)
    if day >= earliest:
        return []
    return [
        Problem.of(
            EnrollmentError.TOO_RETROACTIVE,
            field,
            label=label,
            day=day.strftime("%d/%m/%Y"),
            earliest=earliest.strftime("%d/%m/%Y"),
            days=max_days,
        )
    ]


@dataclass(frozen=True)
class DependantFacts:
    """What the employee types about one dependant (guide: "L'ajout de bénéficiaires").

    Empty strings and None mean "not given". `parent_nir` is the NIR a child without a NIR of
    their own is attached to (the "NIR ouvrant droit", R1.8); empty means the member's.
    """

    kind: DependantKind | None
    civility: str
    last_name: str
    first_name: str
    birth_date: date | None
    twin_rank: int | None
    nir: str = ""
    parent_nir: str = ""
    fund_code: str = ""
    alsace_moselle: bool = False
    studying_or_apprentice: bool = False
    disabled: bool = False


def normalise_dependant(facts: DependantFacts) -> DependantFacts:
    """A copy with names trimmed, NIRs without separators and the fund code without spaces."""
    return dataclasses.replace(
        facts,
        # A form may hand over the kind's value as a plain string.
        kind=DependantKind(facts.kind) if facts.kind else None,
        civility=facts.civility.strip().upper(),
        last_name=to_norm_text(facts.last_name),
        first_name=to_norm_text(facts.first_name),
        # A door without the field (or an empty choice) gives no rank: "required" says so.
        twin_rank=facts.twin_rank if isinstance(facts.twin_rank, int) else None,
        nir=normalise_nir(facts.nir),
        parent_nir=normalise_nir(facts.parent_nir),
        fund_code="".join(facts.fund_code.split()),
    )


def attachment_nir(facts: DependantFacts, *, member_nir: str) -> str:
    """The NIR a child without a NIR of their own is identified by (R1.8): the given parent's,
    or the member's by default. Empty for a child with their own NIR and for a spouse."""
    if facts.kind != DependantKind.CHILD or normalise_nir(facts.nir):
        return ""
    return normalise_nir(facts.parent_nir) or normalise_nir(member_nir)


def check_dependant(
    facts: DependantFacts,
    *,
    others: Sequence[DependantFacts],
    member_nir: str,
    child_max_age: int,
    child_max_age_extended: int,
    today: date,
) -> list[Problem]:
    """Errors that prevent saving one dependant; an empty list means it may be saved.

    `others` are the membership's other dependants: when a dependant is edited, it must not be
    among them. `member_nir` is the member's NIR with its key ("" when unknown). The contract's
    `child_max_age` and `child_max_age_extended` are the children's age limits.
    """
    f = normalise_dependant(facts)
    others = [normalise_dependant(other) for other in others]
    problems: list[Problem] = []
    problems += _required(f)
    if f.civility and f.civility not in CIVILITY_LABELS:
        problems.append(Problem.of(EnrollmentError.CIVILITY_INVALID, "civility"))
    for name in ("last_name", "first_name"):
        value = getattr(f, name)
        if value and not is_identity_text(value):
            problems.append(
                Problem.of(EnrollmentError.NAME_INVALID, name, label=FIELD_LABELS[name])
            )
    if f.kind in SPOUSE_TYPES and any(other.kind in SPOUSE_TYPES for other in others):
        problems.append(_SPOUSE_ALREADY_DECLARED)
    if f.birth_date is not None:
        problems += _birth_date_problems(
            f,
            today=today,
            child_max_age=child_max_age,
            child_max_age_extended=child_max_age_extended,
        )
    if f.twin_rank is not None:
        problems += _twin_rank_problems(f, others, member_nir=member_nir)
    problems += _nir_problems(f, others, member_nir=member_nir)
    if f.fund_code and not FUND_CODE_RE.fullmatch(f.fund_code):
        problems.append(_FUND_CODE_FORMAT)
    return problems


def dependant_warnings(facts: DependantFacts, *, member_birth_date: date | None) -> list[Problem]:
    """Findings that do not block saving but deserve a second look (back-office review)."""
    f = normalise_dependant(facts)
    warnings: list[Problem] = []
    if (
        f.kind == DependantKind.CHILD
        and f.birth_date is not None
        and member_birth_date is not None
        and f.birth_date < member_birth_date
    ):
        # The spouse's or partner's children are covered too (R4.1), so a child older than the
        # member is possible; it is far more often a typo.
        warnings.append(_CHILD_OLDER_THAN_MEMBER)
    if f.nir:
        civility = f.civility if f.civility in CIVILITY_LABELS else None
        _errors, nir_warnings = check_nir(f.nir, birth_date=f.birth_date, civility=civility)
        warnings += _on("nir", nir_warnings)
    return warnings


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on `day`; someone born on 29 February ages on 1 March."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def birthday(birth_date: date, age: int) -> date:
    """The day a person turns `age` (1 March for someone born on 29 February, in common years)."""
    if birth_date.year + age > MAXYEAR:
        # A typed birth year near 9999: the birthday is after every date there is.
        return date.max
    try:
        return birth_date.replace(year=birth_date.year + age)
    except ValueError:
        return date(birth_date.year + age, 3, 1)


_SPOUSE_ALREADY_DECLARED = Problem.of(EnrollmentError.SPOUSE_ALREADY_DECLARED, "kind")
_FUND_CODE_FORMAT = Problem.of(EnrollmentError.DEPENDANT_FUND_CODE_FORMAT, "fund_code")
_CHILD_OLDER_THAN_MEMBER = Problem.of(EnrollmentError.CHILD_OLDER_THAN_MEMBER, "birth_date")

_REQUIRED_HINTS: Mapping[str, str] = {
    "kind": "choisissez Conjoint, Partenaire de PACS, Concubin ou Enfant.",
    "civility": "choisissez Madame ou Monsieur.",
    "last_name": "saisissez le nom du bénéficiaire.",
    "first_name": "saisissez le prénom du bénéficiaire.",
    "birth_date": "saisissez-la au format JJ/MM/AAAA.",
    "twin_rank": "saisissez 1, ou le rang de naissance pour des jumeaux (1, 2…).",
}


def _required(f: DependantFacts) -> list[Problem]:
    problems: list[Problem] = []
    for name, hint in _REQUIRED_HINTS.items():
        if getattr(f, name) in (None, ""):
            problems.append(
                Problem.of(
                    EnrollmentError.DEPENDANT_REQUIRED, name, label=FIELD_LABELS[name], hint=hint
                )
            )
    return problems


def _birth_date_problems(
    f: DependantFacts, *, today: date, child_max_age: int, child_max_age_extended: int
) -> list[Problem]:
    assert f.birth_date is not None
    if f.birth_date > today:
        return [Problem.of(EnrollmentError.DEPENDANT_BIRTH_DATE_FUTURE, "birth_date")]
    if f.birth_date < EARLIEST_BIRTH_DATE:
        return [Problem.of(EnrollmentError.BIRTH_DATE_BEFORE_1900, "birth_date")]
    age = age_on(f.birth_date, today)
    if f.kind in SPOUSE_TYPES and age < SPOUSE_MINIMUM_AGE:
        return [Problem.of(EnrollmentError.SPOUSE_TOO_YOUNG, "birth_date", age=SPOUSE_MINIMUM_AGE)]
    if f.kind == DependantKind.CHILD and not f.disabled:
        return _child_age_problems(f.birth_date, age, f, child_max_age, child_max_age_extended)
    return []


def _child_age_problems(
    birth_date: date, age: int, f: DependantFacts, max_age: int, max_age_extended: int
) -> list[Problem]:
    # R4.1: a child is covered while younger than the contract's age limit ("< 21"), or the
    # extended one when studying or an apprentice ("< 26"); a disabled child has no limit. The
    # limit is reached on the birthday (contracts that use 31 December or the end of the school
    # year would need a parameter that Contract does not have).
    if f.studying_or_apprentice:
        if age < max_age_extended:
            return []
        return [
            Problem.of(
                EnrollmentError.CHILD_TOO_OLD_EXTENDED,
                "birth_date",
                max_age=max_age_extended,
                birthday=_dmy(birthday(birth_date, max_age_extended)),
            )
        ]
    if age < max_age:
        return []
    return [
        Problem.of(
            EnrollmentError.CHILD_TOO_OLD,
            "birth_date",
            max_age=max_age,
            birthday=_dmy(birthday(birth_date, max_age)),
            max_age_extended=max_age_extended,
        )
    ]


def _twin_rank_problems(
    f: DependantFacts, others: Sequence[DependantFacts], *, member_nir: str
) -> list[Problem]:
    assert f.twin_rank is not None
    if not 1 <= f.twin_rank <= MAXIMUM_TWIN_RANK:
        return [Problem.of(EnrollmentError.TWIN_RANK_RANGE, "twin_rank", maximum=MAXIMUM_TWIN_RANK)]
    if f.kind != DependantKind.CHILD or f.birth_date is None:
        return []
    # R1.8: a child is identified by the NIR of the parent it is attached to, its birth date and
    # its twin rank; twins of the same parent differ only by the rank, even when they have their
    # own NIRs. Children attached to different parents (step-siblings born the same day) may
    # both have rank 1.
    parent = f.parent_nir or normalise_nir(member_nir)
    for other in others:
        if (
            other.kind == DependantKind.CHILD
            and other.birth_date == f.birth_date
            and other.twin_rank == f.twin_rank
            and (other.parent_nir or normalise_nir(member_nir)) == parent
        ):
            name = other.first_name or "Un autre enfant"
            return [
                Problem.of(
                    EnrollmentError.TWIN_RANK_DUPLICATE,
                    "twin_rank",
                    name=name,
                    birth_date=_dmy(f.birth_date),
                )
            ]
    return []


def _nir_problems(
    f: DependantFacts, others: Sequence[DependantFacts], *, member_nir: str
) -> list[Problem]:
    problems: list[Problem] = []
    member = normalise_nir(member_nir)
    if f.nir:
        civility = f.civility if f.civility in CIVILITY_LABELS else None
        errors, _warnings = check_nir(f.nir, birth_date=f.birth_date, civility=civility)
        problems += _on("nir", errors)
        if member and f.nir[:13] == member[:13]:
            problems.append(Problem.of(EnrollmentError.NIR_SAME_AS_MEMBER, "nir"))
        for other in others:
            if other.nir and other.nir[:13] == f.nir[:13]:
                name = other.first_name or "un autre bénéficiaire"
                problems.append(
                    Problem.of(EnrollmentError.NIR_SAME_AS_OTHER_DEPENDANT, "nir", name=name)
                )
                break
    if f.parent_nir:
        errors, _warnings = check_nir(f.parent_nir)
        problems += _on("parent_nir", errors)
        if f.nir and f.parent_nir[:13] == f.nir[:13]:
            problems.append(Problem.of(EnrollmentError.PARENT_NIR_SAME_AS_NIR, "parent_nir"))
    if f.kind == DependantKind.CHILD and not f.nir and not f.parent_nir and not member:
        # R1.8: without a NIR of its own, a child is known by the NIR of the parent it is
        # attached to ("NIR ouvrant droit", DSN S21.G00.73.008).
        problems.append(Problem.of(EnrollmentError.PARENT_NIR_REQUIRED, "parent_nir"))
    return problems


def _on(field: str, problems: Sequence[Problem]) -> list[Problem]:
    return [problem.on(field) for problem in problems]


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# --- Prices -----------------------------------------------------------------------------------

# The values of companies.models.Beneficiary, Scheme and EmployeeShare.
MEMBER = "member"
SPOUSE = "spouse"
CHILD = "child"
GENERAL = "general"
ALSACE_MOSELLE = "alsace_moselle"
SCHEMES = frozenset({GENERAL, ALSACE_MOSELLE})
EMPLOYEE_PAYS_OPTIONS = "options"
EMPLOYEE_PAYS_DEPENDANTS_AND_OPTIONS = "dependants_and_options"

# A product's monthly prices by (beneficiary, scheme), as its ProductRate rows hold them:
# {(r.beneficiary, r.scheme): r.monthly_amount for r in product.rates.all()}.
RateTable = Mapping[tuple[str, str], Decimal]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MissingRateError(ValueError):
    """A product has no price for a case the family needs: the back office must add it."""


@dataclass(frozen=True)
class PersonCost:
    """What the employee pays each month for one covered person."""

    label: str  # "Adhérent", "Conjoint", "Enfant 1"…
    beneficiary: str  # the rate used: member, spouse or child
    base: Decimal  # their part of the base plan (zero when the employer pays it)
    option: Decimal  # the chosen option (zero without option)

    @property
    def amount(self) -> Decimal:
        return self.base + self.option


@dataclass(frozen=True)
class Costs:
    """The employee's monthly contributions, collected by SEPA direct debit (R5.5)."""

    member: PersonCost
    dependants: tuple[PersonCost, ...]  # in the order of `dependants_kinds`

    @property
    def people(self) -> tuple[PersonCost, ...]:
        return (self.member, *self.dependants)

    @property
    def member_total(self) -> Decimal:
        return self.member.amount

    @property
    def dependants_total(self) -> Decimal:
        return sum((person.amount for person in self.dependants), ZERO)

    @property
    def total(self) -> Decimal:
        return self.member_total + self.dependants_total


def monthly_costs(
    *,
    base_rates: RateTable,
    option_rates: Mapping[str, RateTable],
    chosen_option: str | None,
    scheme: str,
    dependants_kinds: Sequence[DependantKind],
    employee_pays: str,
) -> Costs:
    """What the employee pays each month, per person, for the base plan and the chosen option.

    `option_rates` maps each offered option's code to its rates; `chosen_option` is one of those
    codes, or None for the base plan alone. `scheme` is the member's (general or
    alsace_moselle): the whole family is priced with the member's tariff.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}")
    if employee_pays not in (EMPLOYEE_PAYS_OPTIONS, EMPLOYEE_PAYS_DEPENDANTS_AND_OPTIONS):
        raise ValueError(f"unknown employee share {employee_pays!r}")
    if chosen_option is not None and chosen_option not in option_rates:
        raise ValueError(f"option {chosen_option!r} is not offered")
    option_table = option_rates[chosen_option] if chosen_option is not None else None
    # The employee pays the dependants' base plan only when the group says so; with "options"
    # the employer covers them (companies.models.EmployeeShare).
    pays_dependants_base = employee_pays == EMPLOYEE_PAYS_DEPENDANTS_AND_OPTIONS

    def cost(label: str, beneficiary: str, *, pays_base: bool) -> PersonCost:
        base = _rate(base_rates, beneficiary, scheme, "base") if pays_base else ZERO
        # "La garantie est identique pour le collaborateur et ses bénéficiaires" (guide, "Les
        # garanties"): the chosen option covers, and is priced for, every covered person.
        option = ZERO
        if option_table is not None:
            option = _rate(option_table, beneficiary, scheme, f"option {chosen_option}")
        return PersonCost(label, beneficiary, base, option)

    # R5.3: the member's base plan is financed ≥ 50 % by the employer and the employee's share is
    # withheld through payroll, never debited by the portal.
    member = cost("Adhérent", MEMBER, pays_base=False)
    dependants: list[PersonCost] = []
    children = 0
    for kind in dependants_kinds:
        if kind == DependantKind.CHILD:
            children += 1
            label, beneficiary = f"Enfant {children}", CHILD
        elif kind in SPOUSE_TYPES:
            label, beneficiary = DEPENDANT_KIND_LABELS[DependantKind(kind)], SPOUSE
        else:
            raise ValueError(f"unknown dependant kind {kind!r}")
        dependants.append(cost(label, beneficiary, pays_base=pays_dependants_base))
    return Costs(member, tuple(dependants))


def needs_bank_details(costs: Costs) -> bool:
    """Whether the employee must give a bank account for direct debits.

    Guide, "Les coordonnées bancaires": "Uniquement si une partie des cotisations est prélevée
    sur un compte bancaire (bénéficiaires, option, surcomplémentaire)".
    """
    return costs.total > 0


def _rate(table: RateTable, beneficiary: str, scheme: str, product: str) -> Decimal:
    try:
        amount = table[(beneficiary, scheme)]
    except KeyError:
        raise MissingRateError(
            f"no {product} rate for beneficiary {beneficiary!r} under scheme {scheme!r}"
        ) from None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
