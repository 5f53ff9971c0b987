"""The employer's "Rapprochement DSN": the employees declared in the company's last monthly DSN
applied (its outcomes) against the company's memberships in the portal now.

Three lists, each to act on:
- declared in the DSN but not affiliated in the portal: the DSN's rejections and anomalies
  about a declared person who has no current membership on the contract concerned (or on any,
  when the outcome is not about one contract), with the intake's French reason;
- affiliated in the portal (a current membership, in effect by the end of the declared month)
  but not declared in that DSN;
- identity differences: the same NIR, another name, first name or birth date.

Reads only: a fixed number of queries whatever the number of employees.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from portal.companies.models import Company
from portal.dsn.errors import DsnEndError
from portal.dsn.models import DeclarationStatus, DsnDeclaration, DsnOutcome
from portal.dsn.outcomes import OutcomeKind
from portal.enrollment.declarations import CURRENT
from portal.enrollment.models import Employee, Membership, search_key

MONTHLY = "01"
# A monthly DSN that lists the month's employees: normal, or "annule et remplace intégral".
FULL_KINDS = ["01", "03"]
PROBLEMS = [OutcomeKind.REJECTED.value, OutcomeKind.ANOMALY.value]
# The intake's own "absent from the monthly DSN" anomalies: about portal employees, not
# declared ones.
ABSENT_CODES = [
    DsnEndError.END_ABSENT_FROM_MONTHLY.value,
    DsnEndError.END_ABSENT_WITHOUT_NIR.value,
]


@dataclass(frozen=True)
class NotAffiliated:
    """Declared in the DSN, not affiliated in the portal: why, and the portal's employee of
    that NIR when there is one."""

    name: str
    reasons: list[str]
    employee: Employee | None


@dataclass(frozen=True)
class NotDeclared:
    """Affiliated in the portal, not declared in the DSN: the employee and the current
    memberships (one "Résilier son contrat" each)."""

    employee: Employee
    memberships: list[Membership]


@dataclass(frozen=True)
class Difference:
    label: str
    declared: str
    portal: str


@dataclass(frozen=True)
class IdentityDifference:
    employee: Employee
    differences: list[Difference]


@dataclass
class Reconciliation:
    declaration: DsnDeclaration
    declaration_returns: list[str] = field(default_factory=list)  # S15 returns, no person
    not_affiliated: list[NotAffiliated] = field(default_factory=list)
    not_declared: list[NotDeclared] = field(default_factory=list)
    identity: list[IdentityDifference] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.declaration_returns or self.not_affiliated or self.not_declared or self.identity
        )


def last_monthly_declaration(company: Company) -> DsnDeclaration | None:
    """The company's last applied monthly DSN (the latest month; the latest applied in it)."""
    return (
        DsnDeclaration.objects.filter(
            company=company,
            status=DeclarationStatus.APPLIED,
            nature=MONTHLY,
            kind__in=FULL_KINDS,
        )
        .select_related("file")
        .order_by("-month", "-applied_at", "-pk")
        .first()
    )


def reconcile(company: Company) -> Reconciliation | None:
    """The page's three lists; None when the company has no monthly DSN applied yet."""
    declaration = last_monthly_declaration(company)
    if declaration is None:
        return None
    result = Reconciliation(declaration)
    outcomes = list(
        DsnOutcome.objects.filter(declaration=declaration)
        .exclude(code__in=ABSENT_CODES)
        .order_by("position")
    )
    declared = {o.nir_digest for o in outcomes if o.nir_digest}
    employees = {
        e.nir_digest: e
        for e in Employee.objects.filter(company=company, nir_digest__in=declared).order_by("pk")
    }
    current = list(
        Membership.objects.filter(employee__company=company, status__in=CURRENT)
        .select_related("employee", "contract")
        .order_by("employee__search_name", "employee_id", "contract__kind", "contract__number")
    )
    current_on = {(m.employee_id, m.contract_id) for m in current}
    current_any = {m.employee_id for m in current}

    # (a) declared, not affiliated.
    reasons: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for outcome in outcomes:
        if not outcome.nir_digest:
            if outcome.kind in PROBLEMS and outcome.message:
                result.declaration_returns.append(outcome.message)
            continue
        if outcome.kind not in PROBLEMS:
            continue
        employee = employees.get(outcome.nir_digest)
        if employee is not None and (
            (employee.pk, outcome.contract_id) in current_on
            if outcome.contract_id
            else employee.pk in current_any
        ):
            continue  # affiliated there: a matter for the insurer's staff, not this list
        names.setdefault(outcome.nir_digest, outcome.name)
        found = reasons.setdefault(outcome.nir_digest, [])
        if outcome.message and outcome.message not in found:
            found.append(outcome.message)
    result.not_affiliated = sorted(
        (NotAffiliated(names[d], found, employees.get(d)) for d, found in reasons.items()),
        key=lambda row: search_key(row.name),
    )

    # (b) affiliated, not declared.
    last_day = _last_day(declaration.month)
    grouped: dict[int, NotDeclared] = {}
    for membership in current:
        employee = membership.employee
        if employee.nir_digest and employee.nir_digest in declared:
            continue
        if last_day is not None and membership.effective_date > last_day:
            continue  # covered after the month declared: not expected in that DSN
        row = grouped.setdefault(employee.pk, NotDeclared(employee, []))
        row.memberships.append(membership)
    result.not_declared = list(grouped.values())

    # (c) identity differences, once per person.
    seen: set[str] = set()
    for outcome in outcomes:
        if not outcome.nir_digest or outcome.nir_digest in seen:
            continue
        employee = employees.get(outcome.nir_digest)
        if employee is None:
            continue
        seen.add(outcome.nir_digest)
        differences = identity_differences(outcome, employee)
        if differences:
            result.identity.append(IdentityDifference(employee, differences))
    result.identity.sort(key=lambda row: (row.employee.search_name, row.employee.pk))
    return result


def identity_differences(outcome: DsnOutcome, employee: Employee) -> list[Difference]:
    """Name, first name and birth date as declared vs in the portal (accents and case aside;
    the first name against the first of the declared first names)."""
    differences: list[Difference] = []
    last = outcome.declared_last_name.strip()
    if last and search_key(last) != search_key(employee.last_name):
        differences.append(Difference("Nom", last, employee.last_name))
    given = outcome.declared_first_names.split()
    if given and search_key(given[0]) != search_key(employee.first_name):
        differences.append(Difference("Prénom", given[0], employee.first_name))
    born = outcome.declared_birth_date
    if born is not None and born != employee.birth_date:
        differences.append(Difference("Date de naissance", _dmy(born), _dmy(employee.birth_date)))
    return differences


def _last_day(month: date | None) -> date | None:
    if month is None:
        return None
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
