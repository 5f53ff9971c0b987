"""Waiver cases ("dispenses d'adhésion") as data, and the checks of an employee's request.

Pure functions over plain values: no ORM, no clock (callers pass `today`). Sources are
shared/docs/rules.md §2: R2.1–R2.5 (waivers "de droit"), R2.7 (facultative waivers, "model
waivers as data"), R2.8 (provident), R2.9 (the written request), R2.11 (end of a waiver).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.core.errors import Problem
from portal.waivers.errors import WaiverError

# Contract kinds, as stored in `Contract.kind` (kept as plain strings: rules import no model).
HEALTH = "health"
PROVIDENT = "provident"
BOTH = frozenset({HEALTH, PROVIDENT})
HEALTH_ONLY = frozenset({HEALTH})

# R2.9: the written request must state that the employer explained the consequences. This exact
# sentence is printed in every request and stored with the waiver (evidence, R7.3 item 5).
CONSEQUENCES_STATEMENT = (
    "Je reconnais avoir été informé(e) par mon employeur des conséquences de ma demande de "
    "dispense d'adhésion : je ne bénéficierai pas des garanties du contrat collectif et "
    "obligatoire de mon entreprise, ni de la participation de mon employeur à leur financement, "
    "ni de leur maintien après la fin de mon contrat de travail (portabilité), et je devrai y "
    "adhérer dès que ma situation ne justifiera plus la dispense."
)

# No waiver end date lies further ahead: the longest legitimate ones are fixed-term and
# apprenticeship contracts (3 years, 4 for a disabled apprentice). Anything beyond is a typing
# error (2052 for 2025) and would keep a waiver alive without the yearly look it deserves.
DEFAULT_MAX_END_MONTHS = 60


class EndKind(StrEnum):
    """How a waiver's end date is set (R2.11)."""

    NONE = "none"  # lasts while the employee's situation lasts
    GIVEN = "given"  # typed by the employee from the proof (CSS end, échéance, end of CDD)
    COMPUTED = "computed"  # today + renewal_months: valid until the next yearly proof


class ProofKind(StrEnum):
    INDIVIDUAL_RESPONSIBLE_COVER = "individual_responsible_cover"
    SWORN_STATEMENT = "sworn_statement"
    CSS_ATTESTATION = "css_attestation"
    INDIVIDUAL_CONTRACT_CERTIFICATE = "individual_contract_certificate"
    OTHER_COVER_ATTESTATION = "other_cover_attestation"
    INDIVIDUAL_COVER = "individual_cover"


@dataclass(frozen=True)
class WaiverCase:
    """One legal case of waiver, with what the employee must give and how long it lasts."""

    code: str
    label: str  # French, shown to the employee and printed on the request
    explanation: str  # French, one or two sentences for the employee
    statement: str  # French, the same case in the employee's words, printed on the request
    legal_basis: str  # French citation printed on the request
    contract_kinds: frozenset[str]
    # Facultative (R242-1-6): offered only when the contract's acte juridique provides it.
    optional: bool
    proof_kinds: tuple[ProofKind, ...]
    proof_description: str  # French: the document expected ("" when no proof)
    end_kind: EndKind
    end_date_label: str  # French label of the date to type ("" unless end_kind is GIVEN)
    renewal_months: int | None = None  # a new proof is due every N months
    # Bounds on the work contract's duration, from its start to the end date typed.
    max_contract_months: int | None = None  # strictly shorter than this
    min_contract_months: int | None = None  # at least this
    max_end_months: int = DEFAULT_MAX_END_MONTHS
    # R2.11: what a new proof is before the end, to keep the waiver ("" : the waiver cannot be
    # extended, the employee enrolls at its end — e.g. an individual contract's échéance).
    renewal_proof: str = ""

    @property
    def renewable(self) -> bool:
        return bool(self.renewal_proof)

    @property
    def renewal_proof_in_sentence(self) -> str:
        """ "l'avenant qui prolonge…", after a colon."""
        return self.renewal_proof[:1].lower() + self.renewal_proof[1:]

    @property
    def requires_proof(self) -> bool:
        return bool(self.proof_kinds)

    @property
    def requires_end_date(self) -> bool:
        return self.end_kind is EndKind.GIVEN


_END_OF_WORK_CONTRACT = "Date de fin de votre contrat de travail"
# The facultative cases exist only where the acte juridique lists them (R2.7).
_FACULTATIVE_BASIS = (
    "Article R242-1-6 du Code de la sécurité sociale, cas prévu par l'acte instituant les garanties"
)

CASES: tuple[WaiverCase, ...] = (
    WaiverCase(
        code="due_before_plan",
        label="Salarié(e) présent(e) lors de la mise en place du régime par décision unilatérale",
        explanation=(
            "Vous étiez déjà salarié(e) de l'entreprise quand votre employeur a mis en place ce "
            "régime par décision unilatérale, avec une part de cotisation à votre charge. Vous "
            "pouvez refuser d'y adhérer tant que vous restez dans l'entreprise."
        ),
        statement=(
            "J'étais déjà salarié(e) de l'entreprise quand mon employeur a mis en place ce régime"
            " par décision unilatérale, avec une part de cotisation à ma charge."
        ),
        legal_basis="Article 11 de la loi n° 89-1009 du 31 décembre 1989 (loi Evin)",
        contract_kinds=BOTH,  # R2.8: any collective plan set up by DUE
        optional=False,
        proof_kinds=(),
        proof_description="",
        end_kind=EndKind.NONE,
        end_date_label="",
    ),
    WaiverCase(
        code="short_fixed_term",
        label="Contrat court : CDD ou mission de moins de 3 mois",
        explanation=(
            "Votre CDD ou contrat de mission vous ferait bénéficier de la couverture collective "
            "moins de 3 mois, et vous avez par ailleurs une complémentaire santé individuelle "
            "« responsable ». La dispense prend fin avec votre contrat de travail."
        ),
        statement=(
            "Mon CDD ou contrat de mission me ferait bénéficier de la couverture collective moins"
            " de 3 mois, et j'ai par ailleurs une complémentaire santé individuelle « responsable"
            " »."
        ),
        legal_basis=(
            "Article L911-7 III du Code de la sécurité sociale et décret n° 2015-1883 du "
            "30 décembre 2015"
        ),
        contract_kinds=HEALTH_ONLY,
        optional=False,
        proof_kinds=(ProofKind.INDIVIDUAL_RESPONSIBLE_COVER, ProofKind.SWORN_STATEMENT),
        proof_description=(
            "Une attestation de votre complémentaire santé individuelle « contrat responsable », "
            "ou une déclaration sur l'honneur indiquant le nom de votre organisme complémentaire."
        ),
        end_kind=EndKind.GIVEN,
        end_date_label=_END_OF_WORK_CONTRACT,
        # R2.2: the cover, counted from the start of the work contract, lasts < 3 months.
        max_contract_months=3,
        renewal_proof=(
            "L'avenant qui prolonge votre contrat de travail (la nouvelle date de fin doit "
            "rester à moins de 3 mois du début du contrat)."
        ),
    ),
    WaiverCase(
        code="solidarity_health_cover",
        label="Bénéficiaire de la Complémentaire santé solidaire",
        explanation=(
            "Vous bénéficiez de la Complémentaire santé solidaire. La dispense dure jusqu'à la "
            "fin de vos droits ; vous devrez ensuite adhérer au contrat collectif."
        ),
        statement=("Je bénéficie de la Complémentaire santé solidaire."),
        legal_basis="Article D911-2, 1° du Code de la sécurité sociale",
        contract_kinds=HEALTH_ONLY,
        optional=False,
        proof_kinds=(ProofKind.CSS_ATTESTATION,),
        proof_description=(
            "Votre attestation de droits à la Complémentaire santé solidaire, avec sa date de fin."
        ),
        end_kind=EndKind.GIVEN,
        end_date_label="Date de fin de vos droits à la Complémentaire santé solidaire",
        max_end_months=12,  # the CSS is granted for one year at a time
        renewal_proof=(
            "Votre nouvelle attestation de droits à la Complémentaire santé solidaire, avec "
            "sa date de fin."
        ),
    ),
    WaiverCase(
        code="individual_contract",
        label="Contrat santé individuel en cours",
        explanation=(
            "Vous étiez couvert(e) par une complémentaire santé individuelle à votre embauche ou "
            "à la mise en place du régime. La dispense dure jusqu'à l'échéance de ce contrat ; "
            "vous devrez ensuite adhérer au contrat collectif."
        ),
        statement=(
            "J'étais couvert(e) par une complémentaire santé individuelle à mon embauche ou à la "
            "mise en place du régime."
        ),
        legal_basis="Article D911-2, 2° du Code de la sécurité sociale",
        contract_kinds=HEALTH_ONLY,
        optional=False,
        proof_kinds=(ProofKind.INDIVIDUAL_CONTRACT_CERTIFICATE,),
        proof_description=(
            "Une attestation de votre assureur individuel indiquant la date d'échéance de votre "
            "contrat."
        ),
        end_kind=EndKind.GIVEN,
        end_date_label="Date d'échéance de votre contrat individuel",
        max_end_months=12,  # the échéance is the next yearly renewal date
    ),
    WaiverCase(
        code="covered_elsewhere",
        label="Déjà couvert(e) par ailleurs, y compris comme ayant droit",
        explanation=(
            "Vous bénéficiez déjà d'une couverture santé collective pour les mêmes garanties : "
            "par un autre employeur, comme ayant droit (par exemple sur le contrat de votre "
            "conjoint), par le régime de la fonction publique, un contrat « Madelin », le régime "
            "local d'Alsace-Moselle ou celui des industries électriques et gazières. Vous devrez "
            "en fournir la preuve chaque année."
        ),
        statement=(
            "Je bénéficie déjà d'une couverture santé collective pour les mêmes garanties : par "
            "un autre employeur, comme ayant droit, par le régime de la fonction publique, un "
            "contrat « Madelin », le régime local d'Alsace-Moselle ou celui des industries "
            "électriques et gazières."
        ),
        legal_basis="Article D911-2, 3° du Code de la sécurité sociale",
        contract_kinds=HEALTH_ONLY,
        optional=False,
        proof_kinds=(ProofKind.OTHER_COVER_ATTESTATION,),
        proof_description=(
            "Une attestation récente de l'organisme ou de l'employeur qui vous couvre (ou qui "
            "couvre la personne dont vous êtes ayant droit), mentionnant votre couverture santé "
            "en cours. Elle sera à renouveler chaque année."
        ),
        # R2.5: "sous réserve de le justifier chaque année" (R242-1-6): without a new proof
        # the waiver lapses, so it is valid until the next one is due.
        end_kind=EndKind.COMPUTED,
        end_date_label="",
        renewal_months=12,
        renewal_proof=(
            "Une attestation récente de l'organisme ou de l'employeur qui vous couvre, "
            "mentionnant votre couverture santé en cours."
        ),
    ),
    WaiverCase(
        code="long_fixed_term_with_cover",
        label="CDD, mission ou apprentissage de 12 mois ou plus, avec une couverture individuelle",
        explanation=(
            "Vous êtes en CDD, en contrat de mission ou en apprentissage pour au moins 12 mois "
            "et vous avez souscrit par ailleurs une complémentaire santé individuelle. La dispense "
            "prend fin avec votre contrat de travail."
        ),
        statement=(
            "Je suis en CDD, en contrat de mission ou en apprentissage pour au moins 12 mois et "
            "j'ai souscrit par ailleurs une complémentaire santé individuelle."
        ),
        legal_basis=_FACULTATIVE_BASIS,
        contract_kinds=BOTH,
        optional=True,
        proof_kinds=(ProofKind.INDIVIDUAL_COVER,),
        proof_description=(
            "Une attestation de votre complémentaire individuelle couvrant les mêmes garanties."
        ),
        end_kind=EndKind.GIVEN,
        end_date_label=_END_OF_WORK_CONTRACT,
        min_contract_months=12,
        renewal_proof=("L'avenant qui prolonge votre contrat de travail."),
    ),
    WaiverCase(
        code="fixed_term_under_12_months",
        label="CDD, mission ou apprentissage de moins de 12 mois",
        explanation=(
            "Vous êtes en CDD, en contrat de mission ou en apprentissage pour moins de 12 mois. "
            "Aucun justificatif n'est demandé. La dispense prend fin avec votre contrat de travail."
        ),
        statement=(
            "Je suis en CDD, en contrat de mission ou en apprentissage pour moins de 12 mois."
        ),
        legal_basis=_FACULTATIVE_BASIS,
        contract_kinds=BOTH,
        optional=True,
        proof_kinds=(),
        proof_description="",
        end_kind=EndKind.GIVEN,
        end_date_label=_END_OF_WORK_CONTRACT,
        max_contract_months=12,
        renewal_proof=(
            "L'avenant qui prolonge votre contrat de travail (la nouvelle date de fin doit "
            "rester à moins de 12 mois du début du contrat)."
        ),
    ),
    WaiverCase(
        code="part_time_high_contribution",
        label="Temps partiel ou apprentissage : cotisation d'au moins 10 % du salaire brut",
        explanation=(
            "Vous êtes à temps partiel ou apprenti(e), et votre part de cotisation serait égale "
            "à au moins 10 % de votre rémunération brute. La dispense prend fin si cette part "
            "devient inférieure à 10 %."
        ),
        statement=(
            "Je suis à temps partiel ou apprenti(e), et ma part de cotisation serait égale à au "
            "moins 10 % de ma rémunération brute."
        ),
        legal_basis=_FACULTATIVE_BASIS,
        contract_kinds=BOTH,
        optional=True,
        proof_kinds=(),
        proof_description="",
        end_kind=EndKind.NONE,
        end_date_label="",
    ),
)

CASES_BY_CODE: dict[str, WaiverCase] = {case.code: case for case in CASES}


def get_case(code: str) -> WaiverCase | None:
    return CASES_BY_CODE.get(code)


def cases_for(contract_kind: str, optional_enabled: bool) -> list[WaiverCase]:
    """The cases an employee of this kind of contract may choose, in display order."""
    return [
        case
        for case in CASES
        if contract_kind in case.contract_kinds and (optional_enabled or not case.optional)
    ]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January + 1 = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _french(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def check_waiver_request(
    case: WaiverCase,
    *,
    end_date: date | None,
    proof_present: bool,
    today: date,
    work_start: date | None = None,
) -> list[Problem]:
    """What is wrong with a request for `case`; empty when it can be made.

    `work_start` is the first day of the work contract (hire date): when given, the duration
    bounds of the fixed-term cases are checked against the end date typed.
    """
    problems: list[Problem] = []
    if case.requires_proof and not proof_present:
        problems.append(
            Problem.of(
                WaiverError.PROOF_REQUIRED, "proof", proof=_lower_first(case.proof_description)
            )
        )
    if not case.requires_proof and proof_present:
        # Data minimisation (rules.md R8.3): no document is kept that the case does not need.
        problems.append(Problem.of(WaiverError.PROOF_NOT_EXPECTED, "proof"))
    if not case.requires_end_date:
        if end_date is not None:
            problems.append(Problem.of(WaiverError.END_DATE_NOT_EXPECTED, "end_date"))
        return problems
    if end_date is None:
        problems.append(
            Problem.of(
                WaiverError.END_DATE_REQUIRED, "end_date", label=_lower_first(case.end_date_label)
            )
        )
        return problems
    latest = add_months(today, case.max_end_months)
    if end_date < today:
        problems.append(
            Problem.of(WaiverError.END_DATE_PAST, "end_date", end_date=_french(end_date))
        )
    elif end_date > latest:
        problems.append(
            Problem.of(
                WaiverError.END_DATE_TOO_FAR,
                "end_date",
                end_date=_french(end_date),
                latest=_french(latest),
            )
        )
    if work_start is not None:
        problems.extend(_duration_problems(case, end_date=end_date, work_start=work_start))
    return problems


def _duration_problems(case: WaiverCase, *, end_date: date, work_start: date) -> list[Problem]:
    # The end date is the contract's last day: the duration is [work_start, end_date + 1 day).
    stop = end_date + timedelta(days=1)
    if case.max_contract_months is not None:
        limit = add_months(work_start, case.max_contract_months)
        if stop >= limit:
            last = limit - timedelta(days=2)
            return [
                Problem.of(
                    WaiverError.CONTRACT_TOO_LONG,
                    "end_date",
                    work_start=_french(work_start),
                    months=case.max_contract_months,
                    last=_french(last),
                )
            ]
    if case.min_contract_months is not None:
        limit = add_months(work_start, case.min_contract_months)
        if stop < limit:
            return [
                Problem.of(
                    WaiverError.CONTRACT_TOO_SHORT,
                    "end_date",
                    work_start=_french(work_start),
                    months=case.min_contract_months,
                    first=_french(limit - timedelta(days=1)),
                )
            ]
    return []


def waiver_end(case: WaiverCase, end_date: date | None, today: date) -> date | None:
    """The last day of the waiver (None: it lasts while the situation lasts)."""
    if case.end_kind is EndKind.NONE:
        return None
    if case.end_kind is EndKind.GIVEN:
        if end_date is None:
            raise ValueError(f"the {case.code} waiver needs the end date typed by the employee")
        return end_date
    assert case.renewal_months is not None
    return add_months(today, case.renewal_months)


def next_proof_due(case: WaiverCase, today: date) -> date | None:
    """When the employee must bring a new proof (None: never)."""
    if case.renewal_months is None:
        return None
    return add_months(today, case.renewal_months)


# --- The end of a waiver (R2.11) ----------------------------------------------------------------

# Before a waiver's last day the employee is asked for a new proof (or to enroll): a first
# notice 30 days before, reminders 15 and 7 days before, while they have not acted.
END_NOTICE_DAYS: tuple[int, ...] = (30, 15, 7)


def notices_due(last_day: date, today: date) -> int:
    """How many of the end notices should have gone by `today` for a waiver ending on
    `last_day` (0 to len(END_NOTICE_DAYS)); none once it has ended."""
    if today > last_day:
        return 0
    return sum(1 for days in END_NOTICE_DAYS if today >= last_day - timedelta(days=days))


def notice_to_send(last_day: date, today: date, sent: int) -> int | None:
    """The number of the notice to send today (1 = the first), or None. One message a day at
    most: a waiver granted 10 days before its end gets the first notice at once, the one of
    7 days before at its day — the notices whose day passed before the first are not sent."""
    due = notices_due(last_day, today)
    return due if due > sent else None


def has_ended(last_day: date, today: date) -> bool:
    """The waiver covers its last day; from the day after, the employee must be affiliated."""
    return today > last_day


def affiliation_due(last_day: date) -> date:
    """R2.11: the membership takes effect the day after the waiver's last day."""
    return last_day + timedelta(days=1)


def check_renewal(
    case: WaiverCase,
    *,
    current_end: date,
    end_date: date | None,
    proof_present: bool,
    today: date,
    work_start: date | None = None,
) -> list[Problem]:
    """What is wrong with a new proof sent to keep a waiver past `current_end`."""
    if not case.renewable:
        return [Problem.of(WaiverError.WAIVER_NOT_RENEWABLE)]
    problems: list[Problem] = []
    if not proof_present:
        problems.append(
            Problem.of(WaiverError.PROOF_REQUIRED, "proof", proof=_lower_first(case.renewal_proof))
        )
    if not case.requires_end_date:
        if end_date is not None:
            problems.append(Problem.of(WaiverError.END_DATE_NOT_EXPECTED, "end_date"))
        return problems
    # The new period follows the current one: its bounds count from the current end.
    start = max(today, current_end)
    dated = check_waiver_request(
        case, end_date=end_date, proof_present=True, today=start, work_start=work_start
    )
    for problem in dated:
        if problem.field != "end_date":
            continue
        if problem.code == WaiverError.END_DATE_PAST:
            problem = _not_later(end_date, current_end)
        problems.append(problem)
    if end_date is not None and end_date == current_end:
        problems.append(_not_later(end_date, current_end))
    return problems


def _not_later(end_date: date | None, current_end: date) -> Problem:
    assert end_date is not None
    return Problem.of(
        WaiverError.RENEWAL_NOT_LATER,
        "end_date",
        end_date=_french(end_date),
        current_end=_french(current_end),
    )


def renewed_end(case: WaiverCase, end_date: date | None, today: date) -> date:
    """The waiver's new last day once its new proof is accepted."""
    if case.end_kind is EndKind.COMPUTED:
        assert case.renewal_months is not None
        return add_months(today, case.renewal_months)
    if end_date is None:
        raise ValueError(f"the {case.code} renewal needs the new end date")
    return end_date
