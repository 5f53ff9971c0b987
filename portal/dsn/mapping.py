"""Applying one DSN declaration's affiliations (dsn.md §4 steps 2-4): the S15 blocks to the
company's contracts by their "fiche de paramétrage", each S30 → S40 → S70 to an affiliation
request through the same path as the form and the file, or to no change / a change / an
anomaly / a rejection. Runs inside the declaration's transaction; writes nothing else."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from stdnum.fr import nir as stdnum_nir

from portal.accounts.models import User
from portal.companies.models import Company, Contract, InsuredGroup
from portal.core.crypto import digest
from portal.core.errors import BusinessError, Problem
from portal.dsn.errors import DsnError
from portal.dsn.model import Affiliation, Declaration, Individual
from portal.dsn.model import Contract as WorkContract
from portal.dsn.models import DsnOutcome
from portal.dsn.outcomes import Outcome, OutcomeKind
from portal.enrollment.choices import DependantKind
from portal.enrollment.declarations import (
    EmployeeDeclaration,
    PreloadedLookups,
    afnor_address,
    apply_address,
    validate_declaration,
)
from portal.enrollment.models import Employee, Membership, MembershipStatus
from portal.enrollment.services import PrefilledDependant, prefill_dependants
from portal.terminations.rules import TerminationMotif
from portal.terminations.services import terminate_membership_step
from portal.tracking.models import Source
from portal.tracking.services import declare_employees, declare_more_contracts

CURRENT = [MembershipStatus.PRE_ENROLLED, MembershipStatus.SIGNED, MembershipStatus.ACTIVE]
# The outcomes that tell what the insurer knows of an affiliation (a later DSN is compared
# with the last of them).
KNOWN = [OutcomeKind.AFFILIATION_CREATED, OutcomeKind.NO_CHANGE, OutcomeKind.CHANGE]
IN_CHUNK = 2000  # ids per IN (…) query
_NIR13_RE = re.compile(r"[12378][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}")
_STREET_RE = re.compile(r"^\s*(\d+\s?(?:BIS|TER|QUATER|[A-Z])?)\s+(.+)$", re.IGNORECASE)
# Where a rule's field is in the file, to point at the line.
RUBRIQUES = {
    "civility": "S21.G00.30.005",
    "last_name": "S21.G00.30.002",
    "first_name": "S21.G00.30.004",
    "birth_date": "S21.G00.30.006",
    "nir": "S21.G00.30.001",
    "hire_date": "S21.G00.40.001",
    "effective_date": "S21.G00.70.014",
    "street_number": "S21.G00.30.008",
    "street_name": "S21.G00.30.008",
    "building": "S21.G00.30.016",
    "locality": "S21.G00.30.017",
    "postal_code": "S21.G00.30.009",
    "city": "S21.G00.30.010",
    "email": "S21.G00.30.018",
    "employee_number": "S21.G00.30.019",
}
DEPENDANT_KINDS = {"01": DependantKind.SPOUSE, "02": DependantKind.CHILD}


@dataclass
class Result:
    """An outcome and the affiliation it is about (kept to compare the next monthly DSN)."""

    outcome: Outcome
    contract_id: int | None = None
    option: str = ""
    population: str = ""


@dataclass
class _Target:
    contract: Contract
    populations: dict[str, InsuredGroup]
    options: set[str]


@dataclass
class _Joining:
    """A person to declare: their mapped affiliations without a current membership."""

    individual: Individual
    nir15: str
    entries: list[tuple[_Target, InsuredGroup, Affiliation, WorkContract]] = field(
        default_factory=list
    )  # (contract, group joined, its S70, its S40)


def nir15(nir13: str | None) -> str:
    """The 15-character NIR (with its key) of a DSN's 13-character one; "" when not a NIR."""
    value = (nir13 or "").strip().upper()
    if len(value) == 15 and _NIR13_RE.fullmatch(value[:13]) and value[13:].isdigit():
        return value
    if not _NIR13_RE.fullmatch(value):
        return ""
    return value + stdnum_nir.calc_check_digits(value)


def full_name(individual: Individual) -> str:
    first = (individual.first_names or "").split()
    return f"{(individual.last_name or '').upper()} {first[0] if first else ''}".strip()


def _outcome(
    kind: OutcomeKind,
    individual: Individual | None,
    *,
    code: DsnError | None = None,
    rubrique: str = "",
    record_line: int | None = None,
    value: str = "",
    **params: object,
) -> Outcome:
    return Outcome(
        kind=kind,
        nir=(individual.nir or "") if individual else "",
        name=full_name(individual) if individual else "",
        code=code.value if code else "",
        message=code.text(**params) if code else "",
        line=record_line,
        rubrique=rubrique,
        value=value,
    )


def map_adhesions(
    declaration: Declaration, company: Company
) -> tuple[dict[str, _Target], list[Result]]:
    """Each S15 (by its 15.005 id) to a contract of the company; the unknown ones' returns."""
    contracts = {
        c.dsn_reference: c
        for c in Contract.objects.filter(company=company)
        .exclude(dsn_reference="")
        .prefetch_related("dsn_populations__insured_group__contract", "dsn_options")
    }
    targets: dict[str, _Target] = {}
    results: list[Result] = []
    for adhesion in declaration.adhesions:
        reference = adhesion.contract_reference or ""
        contract = contracts.get(reference)
        if contract is None:
            rubrique = "S21.G00.15.001"
            outcome = _outcome(
                OutcomeKind.REJECTED,
                None,
                code=DsnError.UNKNOWN_CONTRACT_REFERENCE,
                rubrique=rubrique,
                record_line=adhesion.line_of(rubrique) or adhesion.line,
                value=reference,
                reference=reference,
            )
            results.append(Result(outcome))
            continue
        organisme = adhesion.organisme or ""
        if organisme != contract.dsn_organisme:
            rubrique = "S21.G00.15.002"
            outcome = _outcome(
                OutcomeKind.REJECTED,
                None,
                code=DsnError.UNKNOWN_ORGANISME,
                rubrique=rubrique,
                record_line=adhesion.line_of(rubrique) or adhesion.line,
                value=organisme,
                organisme=organisme,
                reference=reference,
            )
            results.append(Result(outcome, contract_id=contract.pk))
            continue
        delegataire = adhesion.delegataire or ""
        if contract.dsn_delegataire and delegataire != contract.dsn_delegataire:
            # Checked only when the insurer's fiche de paramétrage names one (dsn.md §2).
            rubrique = "S21.G00.15.003"
            outcome = _outcome(
                OutcomeKind.REJECTED,
                None,
                code=DsnError.UNKNOWN_DELEGATAIRE,
                rubrique=rubrique,
                record_line=adhesion.line_of(rubrique) or adhesion.line,
                value=delegataire,
                delegataire=delegataire or "(absent)",
                reference=reference,
            )
            results.append(Result(outcome, contract_id=contract.pk))
            continue
        targets[adhesion.technical_id or ""] = _Target(
            contract,
            {p.code: p.insured_group for p in contract.dsn_populations.all()},
            {o.code for o in contract.dsn_options.all()},
        )
    return targets, results


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def _current_memberships(
    company: Company, digests: list[str], contract_ids: list[int]
) -> dict[tuple[str, int], int]:
    """(NIR digest, contract) → insured group of the current memberships of these people on
    these contracts."""
    found: dict[tuple[str, int], int] = {}
    for part in _chunks(digests):
        rows = Membership.objects.filter(
            employee__company=company,
            employee__nir_digest__in=part,
            contract_id__in=contract_ids,
            status__in=CURRENT,
        ).values_list("employee__nir_digest", "contract_id", "insured_group_id")
        for nir_digest, contract_id, group_id in rows:
            found[(nir_digest, contract_id)] = group_id
    return found


def _last_declared(
    digests: list[str], contract_ids: list[int]
) -> dict[tuple[str, int], tuple[str, str]]:
    """(NIR digest, contract) → (option, population) the last DSN declared for them."""
    found: dict[tuple[str, int], tuple[str, str]] = {}
    for part in _chunks(digests):
        rows = (
            DsnOutcome.objects.filter(
                nir_digest__in=part, contract_id__in=contract_ids, kind__in=KNOWN
            )
            .order_by("pk")
            .values_list("nir_digest", "contract_id", "option", "population")
        )
        for nir_digest, contract_id, option, population in rows:
            found[(nir_digest, contract_id)] = (option, population)
    return found


def _affiliations(individual: Individual) -> Iterable[tuple[WorkContract, Affiliation]]:
    for work in individual.contracts:
        end = work.end
        if end is not None and end.reason != "099" and not end.keeps_affiliation:
            continue  # the contract ends: its S62 is handled by the ends (`ends.py`)
        for affiliation in work.affiliations:
            yield work, affiliation


def apply_affiliations(
    declaration: Declaration,
    *,
    company: Company,
    by: User | None,
    today: date,
    lookups: PreloadedLookups,
    declared: dict[str, int] | None = None,
) -> list[Result]:
    """Every affiliation of the declaration: the S15 returns first, then per individual.

    `declared` (NIR digest → line of its S30) carries the people already read in this
    declaration from one batch to the next: a person declared twice is an anomaly on the
    second, however far apart."""
    targets, results = map_adhesions(declaration, company)
    if declared is None:
        declared = {}
    if not targets:
        return results
    contract_ids = [t.contract.pk for t in targets.values()]
    people = [(i, nir15(i.nir)) for i in declaration.individuals]
    digests = sorted({digest(n) for _, n in people if n})
    memberships = _current_memberships(company, digests, contract_ids)
    declared_before = _last_declared(digests, contract_ids)
    joining: list[tuple[int, _Joining]] = []  # (index in results, who)
    for individual, nir in people:
        mapped = [
            (work, affiliation, targets[affiliation.adhesion_id or ""])
            for work, affiliation in _affiliations(individual)
            if (affiliation.adhesion_id or "") in targets
        ]
        if not mapped:
            continue
        if not nir:
            rubrique = "S21.G00.30.001"
            outcome = _outcome(
                OutcomeKind.REJECTED,
                individual,
                code=DsnError.DSN_NIR_MISSING,
                rubrique=rubrique,
                record_line=individual.line_of(rubrique) or individual.line,
                value=individual.nir or "",
            )
            results.append(Result(outcome))
            continue
        nir_digest = digest(nir)
        first_line = declared.setdefault(nir_digest, individual.line)
        if first_line != individual.line:
            rubrique = "S21.G00.30.001"
            outcome = _outcome(
                OutcomeKind.ANOMALY,
                individual,
                code=DsnError.DSN_NIR_TWICE,
                rubrique=rubrique,
                record_line=individual.line_of(rubrique) or individual.line,
                value=individual.nir or "",
                line=first_line,
            )
            results.append(Result(outcome))
            continue
        person = _Joining(individual, nir)
        seen: set[int] = set()
        for work, affiliation, target in mapped:
            contract = target.contract
            if contract.pk in seen:
                continue
            seen.add(contract.pk)
            if affiliation.end_date is not None:
                ending = _end_affiliation(
                    individual, work, affiliation, target, company=company, by=by, today=today
                )
                if ending is not None:
                    results.append(ending)
                    continue
            result = _check_affiliation(
                individual,
                affiliation,
                target,
                memberships.get((nir_digest, contract.pk)),
                declared_before.get((nir_digest, contract.pk)),
            )
            if isinstance(result, InsuredGroup):
                person.entries.append((target, result, affiliation, work))
            else:
                results.append(result)
        if person.entries:
            joining.append((len(results), person))
            results.append(Result(_outcome(OutcomeKind.AFFILIATION_CREATED, individual)))
    _declare(joining, results, company=company, by=by, today=today, lookups=lookups)
    return results


def _end_affiliation(
    individual: Individual,
    work: WorkContract,
    affiliation: Affiliation,
    target: _Target,
    *,
    company: Company,
    by: User | None,
    today: date,
) -> Result | None:
    """S21.G00.70.015: this one affiliation ends without an end of the employment contract
    (dsn.md §4.5 b): the person's current membership on that contract is terminated at that
    date through the form's termination step (no portability: the employment goes on), the
    other contracts continue. None when the person has no membership on it (then it is an
    anomaly for staff, `_check_affiliation`)."""
    assert affiliation.end_date is not None
    nir = nir15(individual.nir)
    contract = target.contract
    memberships = Membership.objects.filter(
        employee__company=company, employee__nir_digest=digest(nir), contract=contract
    ).order_by("-pk")
    current = memberships.filter(status__in=CURRENT).first()
    rubrique = "S21.G00.70.015"
    params = {"date": f"{affiliation.end_date:%d/%m/%Y}", "reference": contract.dsn_reference}

    def result(kind: OutcomeKind, code: DsnError, request_id: int | None = None) -> Result:
        outcome = _outcome(
            kind,
            individual,
            code=code,
            rubrique=rubrique,
            record_line=affiliation.line_of(rubrique) or affiliation.line,
            value=affiliation.get(rubrique) or "",
            **params,
        )
        outcome = dataclasses.replace(outcome, request_id=request_id)
        return Result(outcome, contract.pk, affiliation.option or "", affiliation.population or "")

    if current is None:
        ended = memberships.filter(
            status=MembershipStatus.TERMINATED, end_date=affiliation.end_date
        ).exists()
        return result(OutcomeKind.NO_CHANGE, DsnError.AFFILIATION_END_ALREADY) if ended else None
    try:
        termination = terminate_membership_step(
            company=company,
            membership_id=current.pk,
            hire_date=work.start_date,
            termination_date=affiliation.end_date,
            motif=TerminationMotif.EXCEPTIONAL_OR_AFTER_WAIVER,
            portability=None,
            by=by,
            today=today,
            source=Source.DSN,
        )
    except BusinessError as error:
        return Result(_rejection(individual, error.problems), contract.pk)
    return result(
        OutcomeKind.TERMINATION_CREATED, DsnError.AFFILIATION_END_APPLIED, termination.request_id
    )


def _check_affiliation(
    individual: Individual,
    affiliation: Affiliation,
    target: _Target,
    group_id: int | None,
    before: tuple[str, str] | None,
) -> Result | InsuredGroup:
    """The affiliation's result, or the insured group to join when it is a new one."""
    contract = target.contract
    option, population = affiliation.option or "", affiliation.population or ""

    def result(
        kind: OutcomeKind, code: DsnError | None, rubrique: str, value: str, **params: object
    ) -> Result:
        line = affiliation.line_of(rubrique) if rubrique else None
        outcome = _outcome(
            kind,
            individual,
            code=code,
            rubrique=rubrique,
            record_line=line or affiliation.line,
            value=value,
            reference=contract.dsn_reference,
            **params,
        )
        return Result(outcome, contract.pk, option, population)

    group = target.populations.get(population)
    if group is None:
        return result(
            OutcomeKind.REJECTED,
            DsnError.UNKNOWN_POPULATION,
            "S21.G00.70.005",
            population,
            population=population,
        )
    if option and option not in target.options:
        return result(
            OutcomeKind.REJECTED, DsnError.UNKNOWN_OPTION, "S21.G00.70.004", option, option=option
        )
    if affiliation.end_date is not None:
        return result(
            OutcomeKind.ANOMALY,
            DsnError.AFFILIATION_ENDED,
            "S21.G00.70.015",
            affiliation.get("S21.G00.70.015") or "",
            date=f"{affiliation.end_date:%d/%m/%Y}",
        )
    if group_id is None:
        return group
    if before is not None and before[1] != population:
        return result(
            OutcomeKind.CHANGE,
            DsnError.POPULATION_CHANGED,
            "S21.G00.70.005",
            population,
            before=before[1],
            after=population,
        )
    if before is None and group_id != group.pk:  # declared by the form or a file
        known = [code for code, g in target.populations.items() if g.pk == group_id]
        return result(
            OutcomeKind.CHANGE,
            DsnError.POPULATION_CHANGED,
            "S21.G00.70.005",
            population,
            before=known[0] if known else "(aucun)",
            after=population,
        )
    if before is not None and before[0] != option:
        return result(
            OutcomeKind.CHANGE,
            DsnError.OPTION_CHANGED,
            "S21.G00.70.004",
            option,
            before=before[0] or "(aucune)",
            after=option or "(aucune)",
        )
    return result(OutcomeKind.NO_CHANGE, None, "", "")


_Entry = tuple[_Target, InsuredGroup, Affiliation, WorkContract]


def _health_first(entries: list[_Entry]) -> list[_Entry]:
    return sorted(entries, key=lambda e: (not e[0].contract.is_health, e[0].contract.number))


def to_declaration(person: _Joining) -> EmployeeDeclaration:
    """The person's affiliations as the form would declare them (health first)."""
    individual = person.individual
    entries = _health_first(person.entries)
    _, _, lead, work = entries[0]
    street = individual.get("S21.G00.30.008") or ""
    match = _STREET_RE.match(street)
    number, name = (match.group(1), match.group(2)) if match else ("", street)
    country = individual.get("S21.G00.30.011") or ""
    first = (individual.first_names or "").split()
    return EmployeeDeclaration(
        civility={"01": "M", "02": "MME"}.get(individual.sex or "", ""),
        last_name=individual.last_name or "",
        first_name=first[0] if first else "",
        birth_date=individual.birth_date,
        hire_date=work.start_date,
        effective_date=lead.start_date or work.start_date,
        insured_group_ids=[group.pk for _, group, _, _ in entries],
        alsace_moselle=work.get("S21.G00.40.016") in {"01", "03"},
        nir=person.nir15,
        street_number=number,
        street_name=name,
        building=individual.get("S21.G00.30.016") or "",
        locality=individual.get("S21.G00.30.017") or "",
        postal_code=individual.get("S21.G00.30.009") or "",
        city=individual.get("S21.G00.30.010") or "",
        country="FRANCE" if country in {"", "FR"} else country,
        email=individual.email or "",
        employee_number=individual.matricule or "",
    )


def _rejection(individual: Individual, problems: list[Problem]) -> Outcome:
    first = problems[0]
    rubrique = RUBRIQUES.get(first.field, "")
    line = None
    if rubrique:
        line = individual.line_of(rubrique)
        if line is None:
            for work in individual.contracts:
                line = work.line_of(rubrique) or next(
                    (a.line_of(rubrique) for a in work.affiliations if a.line_of(rubrique)), None
                )
                if line:
                    break
    return Outcome(
        kind=OutcomeKind.REJECTED,
        nir=individual.nir or "",
        name=full_name(individual),
        code=first.code,
        message=" ; ".join(p.message for p in problems),
        line=line or individual.line,
        rubrique=rubrique,
        value=(individual.get(rubrique) or "") if rubrique.startswith("S21.G00.30") else "",
    )


def _dependants(person: _Joining) -> list[PrefilledDependant]:
    given = []
    for _, _, affiliation, _ in _health_first(person.entries):
        for dependant in affiliation.dependants:
            kind = DEPENDANT_KINDS.get(dependant.kind or "")
            if kind is None or dependant.birth_date is None or not dependant.last_name:
                continue
            first = (dependant.first_names or "").split()
            given.append(
                PrefilledDependant(
                    kind=kind.value,
                    last_name=dependant.last_name,
                    first_name=first[0] if first else "",
                    birth_date=dependant.birth_date,
                    nir=nir15(dependant.nir),
                )
            )
        if given:
            break  # the health affiliation's (the lead's) list
    return given


def _join_existing(
    joining: list[tuple[int, _Joining]],
    results: list[Result],
    *,
    company: Company,
    by: User | None,
    today: date,
) -> list[tuple[int, _Joining]]:
    """People already employees of the company in the portal (a current membership on another
    contract: e.g. the provident contract subscribed after the health one) join the new
    contracts through `declare_more_contracts`; the others, returned, are declared anew."""
    employees = {
        e.nir_digest: e
        for e in Employee.objects.filter(
            company=company,
            nir_digest__in=[digest(p.nir15) for _, p in joining],
            memberships__status__in=CURRENT,
        ).distinct()
    }
    others = []
    for index, person in joining:
        employee = employees.get(digest(person.nir15))
        if employee is None:
            others.append((index, person))
            continue
        entries = _health_first(person.entries)
        _, _, lead, work = entries[0]
        try:
            request = declare_more_contracts(
                employee=employee,
                insured_group_ids=[group.pk for _, group, _, _ in entries],
                effective_date=lead.start_date or work.start_date,
                source=Source.DSN,
                by=by,
                today=today,
            )
        except BusinessError as error:
            results[index] = Result(_rejection(person.individual, error.problems))
            continue
        results[index] = _created(results[index].outcome, person, request.pk)
    return others


def _created(pending: Outcome, person: _Joining, request_id: int) -> Result:
    """The outcome of a person affiliated: the request opened, about the lead contract."""
    lead_target, _, lead_affiliation, _ = _health_first(person.entries)[0]
    return Result(
        Outcome(
            kind=OutcomeKind.AFFILIATION_CREATED,
            nir=pending.nir,
            name=pending.name,
            line=person.individual.line,
            rubrique="S21.G00.30.001",
            value=person.individual.nir or "",
            request_id=request_id,
        ),
        lead_target.contract.pk,
        lead_affiliation.option or "",
        lead_affiliation.population or "",
    )


def _declare(
    joining: list[tuple[int, _Joining]],
    results: list[Result],
    *,
    company: Company,
    by: User | None,
    today: date,
    lookups: PreloadedLookups,
) -> None:
    """Validate and declare the people to affiliate in one call of the common path."""
    if not joining:
        return
    joining = _join_existing(joining, results, company=company, by=by, today=today)
    if not joining:
        return
    lookups.refresh(p.individual.email or "" for _, p in joining)
    accepted: list[tuple[int, _Joining, EmployeeDeclaration]] = []
    for index, person in joining:
        declaration = to_declaration(person)
        checked = validate_declaration(declaration, company=company, today=today, lookups=lookups)
        if not checked.ok:
            results[index] = Result(_rejection(person.individual, checked.errors))
            continue
        if declaration.has_address:
            declaration = apply_address(declaration, afnor_address(declaration, checked.commune))
        lookups.accept(declaration, f"{declaration.first_name} {declaration.last_name}")
        accepted.append((index, person, declaration))
    if not accepted:
        return
    declared = declare_employees(
        company=company,
        declarations=[d for _, _, d in accepted],
        source=Source.DSN,
        by=by,
    )
    lookups.seen(max(d.employee_id for d in declared))
    leads = {
        m.employee_id: m
        for m in Membership.objects.filter(
            employee_id__in=[d.employee_id for d in declared], contract__kind="health"
        ).select_related("contract")
    }
    for (index, person, _), done in zip(accepted, declared, strict=True):
        results[index] = _created(results[index].outcome, person, done.request_id)
        membership = leads.get(done.employee_id)
        if membership is not None:
            prefill_dependants(membership=membership, dependants=_dependants(person), by=by)
