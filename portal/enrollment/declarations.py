"""The one validation path of an employee declaration (form, file, DSN, API).

Every door builds an `EmployeeDeclaration` and calls `validate_declaration`; a rule lives here
once, with one code and one French message, attached to the form's field name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import CharField, Max, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse

from portal.companies.models import Company, InsuredGroup
from portal.core.addresses import (
    POSTAL_CODE_RE,
    PostalRow,
    afnor_line,
    commune_key,
    match_commune,
)
from portal.core.charset import is_address_text, is_identity_text, to_norm_text
from portal.core.crypto import digest
from portal.core.errors import Problem
from portal.core.models import PostalCode
from portal.core.nir import (
    check_birth_date,
    check_employment_dates,
    check_nir,
    normalise_nir,
)
from portal.core.postal import communes_for
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.models import Civility, Employee, Membership, MembershipStatus
from portal.enrollment.rules import check_retroactivity

CIVILITIES = frozenset(Civility.values)
FUND_CODE_RE = re.compile(r"^\d{9}$")
# The address lines a declaration checks against the DSN address characters, with their labels.
ADDRESS_LINES = {
    "street_number": "Numéro",
    "street_name": "Libellé de la voie",
    "staircase_floor": "Escalier / Etage",
    "building": "Bâtiment / Résidence",
    "locality": "Lieu-dit",
    "city": "Ville",
}
CURRENT = [
    MembershipStatus.PRE_ENROLLED,
    MembershipStatus.WAIVER_REQUESTED,  # still live until the insurer decides
    MembershipStatus.SIGNED,
    MembershipStatus.ACTIVE,
]


@dataclass
class EmployeeDeclaration:
    """What an employer declares about one employee, whatever the door it came through."""

    civility: str
    last_name: str
    first_name: str
    birth_date: date | None
    hire_date: date | None
    effective_date: date | None
    # "Groupe d'assurés": one per contract the employee joins (health, provident, or both).
    insured_group_ids: list[int]
    alsace_moselle: bool | None
    nir: str = ""
    fund_code: str = ""
    street_number: str = ""
    street_name: str = ""
    staircase_floor: str = ""
    building: str = ""
    locality: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "FRANCE"
    email: str = ""
    employee_number: str = ""
    # Not typed by anyone: the official commune's INSEE code, set by `validate_declaration`
    # when it recognises the postal code and city ("" abroad or without an address). A door
    # that had the commune confirmed (the form's address page) keeps it when it matches the city.
    insee_code: str = ""

    @property
    def has_address(self) -> bool:
        return bool(self.street_name or self.locality) and bool(self.postal_code and self.city)


@dataclass
class ValidationResult:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # The official commune of the address, once recognised (None abroad or without one).
    commune: PostalRow | None = None
    # With `suggest_commune`: the communes of a known postal code that the city does not
    # match, for the door to have one confirmed (empty otherwise).
    communes: list[PostalRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, field_name: str, problems: list[Problem], *, warning: bool = False) -> None:
        target = self.warnings if warning else self.errors
        target.extend(p.on(field_name) for p in problems)

    def error(self, field_name: str, code: EnrollmentError, link: str = "", **params: str) -> None:
        self.errors.append(Problem.of(code, field_name, link=link, **params))


REQUIRED = {
    "civility": "Civilité",
    "last_name": "Nom",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
    "hire_date": "Date d'embauche",
    "effective_date": "Date d'effet du contrat",
    "alsace_moselle": "Régime local Alsace Moselle",
}
GROUPS_FIELD = "insured_group_ids"


def _stored_length(name: str) -> int:
    field = Employee._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length is not None
    return field.max_length


# Identity fields without a rule of their own on length: their column's (an address line has
# LINE_TOO_LONG).
STORED_LENGTHS = {
    name: (label, _stored_length(name))
    for name, label in [
        ("last_name", "Nom"),
        ("first_name", "Prénom"),
        ("employee_number", "Matricule"),
    ]
}


def normalise(declaration: EmployeeDeclaration) -> EmployeeDeclaration:
    """Trim and normalise in place what every door may type differently; returns it."""
    d = declaration
    # Runs of spaces only: any other blank inside a name is refused by the DSN character set.
    d.last_name = to_norm_text(d.last_name)
    d.first_name = to_norm_text(d.first_name)
    for name in ADDRESS_LINES:
        setattr(d, name, to_norm_text(getattr(d, name)))
    d.nir = normalise_nir(d.nir) if d.nir else ""
    d.fund_code = re.sub(r"\s", "", d.fund_code)
    d.email = d.email.strip().lower()
    d.employee_number = d.employee_number.strip()
    d.postal_code = d.postal_code.strip()
    d.country = afnor_line(d.country) or "FRANCE"
    return d


def validate_declaration(
    declaration: EmployeeDeclaration,
    *,
    company: Company,
    today: date,
    lookups: Lookups | None = None,
    suggest_commune: bool = False,
) -> ValidationResult:
    """Every rule of a declaration; the result lists problems by field (nothing is saved).

    `lookups` answers the questions that need the database; a file import passes a
    `PreloadedLookups` so that 100,000 rows cost a few queries, with the same rules.

    A city that does not match its known postal code: when the postal code serves one
    commune, the declaration takes it (a "Ville corrigée" warning); when it serves several,
    the error lists them. `suggest_commune` is for a door that has the employer confirm the
    suggested commune (the form's "Valider l'adresse du collaborateur"): the mismatch is then
    no problem and `result.communes` lists the communes to choose from.
    """
    lookups = lookups or DatabaseLookups(company)
    d = normalise(declaration)
    result = ValidationResult()
    for name, label in REQUIRED.items():
        value = getattr(d, name)
        if value in (None, ""):
            result.error(name, EnrollmentError.REQUIRED, label=label)
    for name, label in [("last_name", "Nom"), ("first_name", "Prénom")]:
        value = getattr(d, name)
        if value and not is_identity_text(value):
            result.error(name, EnrollmentError.NAME_INVALID, label=label)
    # The form's inputs stop at the stored lengths; a file's cell or an API value may not.
    for name, (label, limit) in STORED_LENGTHS.items():
        if len(getattr(d, name)) > limit:
            result.error(name, EnrollmentError.VALUE_TOO_LONG, label=label, limit=str(limit))
    for name, label in ADDRESS_LINES.items():
        if not is_address_text(getattr(d, name)):
            result.error(name, EnrollmentError.ADDRESS_CHARACTERS_INVALID, label=label)
    if d.civility and d.civility not in CIVILITIES:
        result.error("civility", EnrollmentError.CIVILITY_INVALID)

    groups = _validate_groups(d, result, lookups)

    if d.birth_date:
        result.add("birth_date", check_birth_date(d.birth_date, today=today))
    if d.nir:
        civility = d.civility if d.civility in CIVILITIES else None
        errors, warnings = check_nir(d.nir, birth_date=d.birth_date, civility=civility)
        result.add("nir", errors)
        result.add("nir", warnings, warning=True)
    if d.fund_code and not FUND_CODE_RE.match(d.fund_code):
        result.error("fund_code", EnrollmentError.FUND_CODE_FORMAT)
    # A new affiliation only is limited in retroactivity: correcting a declared employee's
    # data keeps their dates.
    _validate_dates(d, groups, result, today=today, new=lookups.employee is None)

    if d.email:
        try:
            validate_email(d.email)
        except ValidationError:
            result.error("email", EnrollmentError.EMAIL_INVALID)
    _validate_address(d, result, lookups, suggest_commune=suggest_commune)
    _check_duplicates(d, company, result, lookups)
    return result


def validate_joining(
    employee: Employee,
    *,
    insured_group_ids: list[int],
    effective_date: date | None,
    today: date,
) -> tuple[ValidationResult, list[InsuredGroup]]:
    """An employee already declared joins more contracts (the company's new provident
    contract, or a contract a later DSN declares them in): the groups' rules and the dates'
    rules of a declaration, and no current membership on those contracts already. The result
    and the groups, health first."""
    d = EmployeeDeclaration(
        civility=employee.civility,
        last_name=employee.last_name,
        first_name=employee.first_name,
        birth_date=employee.birth_date,
        hire_date=employee.hire_date,
        effective_date=effective_date,
        insured_group_ids=list(insured_group_ids),
        alsace_moselle=employee.alsace_moselle,
    )
    result = ValidationResult()
    if effective_date is None:
        result.error("effective_date", EnrollmentError.REQUIRED, label=REQUIRED["effective_date"])
    groups = _validate_groups(d, result, DatabaseLookups(employee.company, employee=employee))
    _validate_dates(d, groups, result, today=today, new=True)
    joined = Membership.objects.filter(
        employee=employee, status__in=CURRENT, contract__in=[g.contract_id for g in groups]
    ).select_related("contract")
    for membership in joined:
        result.error(
            GROUPS_FIELD,
            EnrollmentError.ALREADY_MEMBER,
            name=employee.full_name,
            contract=membership.contract.number,
        )
    return result, groups


def _validate_dates(
    d: EmployeeDeclaration,
    groups: list[InsuredGroup],
    result: ValidationResult,
    *,
    today: date,
    new: bool,
) -> None:
    """The hire and effective dates against the contracts joined (covered by each from the
    latest start of them) and, for a `new` affiliation, the retroactivity limit."""
    if d.hire_date and d.effective_date and groups:
        for problem in check_employment_dates(
            hire_date=d.hire_date,
            effective_date=d.effective_date,
            contract_start=max(g.contract.start_date for g in groups),
            birth_date=d.birth_date,
        ):
            field_name = "hire_date" if problem.code == "hire_before_14" else "effective_date"
            result.add(field_name, [problem])
    if d.effective_date and new:
        result.add(
            "effective_date",
            check_retroactivity(
                d.effective_date,
                today=today,
                max_days=settings.RETROACTIVE_MAX_DAYS,
                field="effective_date",
                label=REQUIRED["effective_date"],
            ),
        )


def _validate_groups(
    d: EmployeeDeclaration, result: ValidationResult, lookups: Lookups
) -> list[InsuredGroup]:
    """The insured groups declared: at least one, known, at most one per contract."""
    d.insured_group_ids = list(dict.fromkeys(d.insured_group_ids))
    if not d.insured_group_ids:
        result.error(GROUPS_FIELD, EnrollmentError.GROUP_REQUIRED)
        return []
    groups = []
    for group_id in d.insured_group_ids:
        group = lookups.group(group_id)
        if group is None:
            result.error(GROUPS_FIELD, EnrollmentError.GROUP_UNKNOWN)
            return []
        groups.append(group)
    contracts = [g.contract_id for g in groups]
    for group in groups:
        if contracts.count(group.contract_id) > 1:
            result.error(
                GROUPS_FIELD, EnrollmentError.GROUPS_SAME_CONTRACT, contract=group.contract.number
            )
            return []
    # Health first: the membership that carries the dossier (dependants, bank details).
    groups.sort(key=lambda g: (not g.contract.is_health, g.contract.number))
    d.insured_group_ids = [g.pk for g in groups]
    return groups


def _validate_address(
    d: EmployeeDeclaration, result: ValidationResult, lookups: Lookups, *, suggest_commune: bool
) -> None:
    confirmed, d.insee_code = d.insee_code, ""  # found again from the address below
    any_part = any([d.street_name, d.street_number, d.locality, d.postal_code, d.city])
    if not d.email and not d.has_address:
        result.error("street_name", EnrollmentError.ADDRESS_REQUIRED)
    if not any_part:
        return
    for name, label in [("postal_code", "Code postal"), ("city", "Ville")]:
        if not getattr(d, name):
            result.error(name, EnrollmentError.ADDRESS_PART_REQUIRED, label=label)
    if not (d.street_name or d.locality):
        result.error("street_name", EnrollmentError.STREET_REQUIRED)
    for name in ["street_name", "staircase_floor", "building", "locality", "city"]:
        if len(afnor_line(getattr(d, name))) > 38:
            result.error(name, EnrollmentError.LINE_TOO_LONG)
    if d.country != "FRANCE" or not d.postal_code or not d.city:
        return
    communes = lookups.communes(d.postal_code) if POSTAL_CODE_RE.match(d.postal_code) else []
    if not POSTAL_CODE_RE.match(d.postal_code):
        result.error("postal_code", EnrollmentError.POSTAL_CODE_FORMAT)
    elif not communes:
        result.error("postal_code", EnrollmentError.POSTAL_CODE_UNKNOWN, postal_code=d.postal_code)
    elif (official := official_commune(d.city, communes, confirmed)) is not None:
        result.commune = official
        d.insee_code = official.insee_code
    elif suggest_commune:
        result.communes = communes
    elif len(communes) == 1:
        (official,) = communes
        typed, d.city = d.city, afnor_line(official.routing_label)
        result.commune = official
        d.insee_code = official.insee_code
        result.warnings.append(
            Problem.of(
                EnrollmentError.CITY_CORRECTED,
                "city",
                city=typed,
                postal_code=d.postal_code,
                commune=d.city,
            )
        )
    else:
        names = ", ".join(sorted({r.routing_label for r in communes}))
        result.error(
            "city", EnrollmentError.CITY_MISMATCH, postal_code=d.postal_code, communes=names
        )


def official_commune(
    city: str, communes: list[PostalRow], insee_code: str = ""
) -> PostalRow | None:
    """The commune of `communes` that `city` names: the one of `insee_code` (a commune the
    employer confirmed) when it matches, else the first that matches."""
    confirmed = [r for r in communes if r.insee_code == insee_code] if insee_code else []
    return match_commune(city, confirmed) or match_commune(city, communes)


def closest_commune(city: str, communes: list[PostalRow]) -> PostalRow:
    """The commune whose name is closest to the typed `city` (the one preselected)."""
    wanted = commune_key(city)

    def likeness(row: PostalRow) -> float:
        return max(
            difflib.SequenceMatcher(None, wanted, commune_key(name)).ratio()
            for name in (row.routing_label, row.commune)
        )

    return max(sorted(communes, key=commune_choice), key=likeness)


def commune_choice(row: PostalRow) -> str:
    """How a commune is named in a choice between the communes of a postal code."""
    return f"{row.insee_code}:{row.routing_label}"


def _check_duplicates(
    d: EmployeeDeclaration, company: Company, result: ValidationResult, lookups: Lookups
) -> None:
    """Same NIR or same matricule already pending or active in the company."""
    checks: list[tuple[str, Existing | None]] = []
    if d.nir and not any(p.field == "nir" for p in result.errors):
        checks.append(("nir", lookups.current_with_nir(digest(d.nir))))
    if d.employee_number:
        checks.append(("employee_number", lookups.current_with_number(d.employee_number)))
    if d.email and lookups.email_taken(d.email):
        result.error("email", EnrollmentError.EMAIL_TAKEN)
    for field_name, existing in checks:
        if existing is not None:
            result.error(
                field_name,
                DUPLICATE_CODES[field_name],
                link=reverse("employer:employee", args=[company.pk, existing.pk])
                if existing.pk
                else "",
                name=existing.name,
            )


DUPLICATE_CODES = {
    "nir": EnrollmentError.DUPLICATE_NIR,
    "employee_number": EnrollmentError.DUPLICATE_EMPLOYEE_NUMBER,
}


@dataclass(frozen=True)
class Existing:
    """An employee already declared, as a duplicate message names it."""

    pk: int
    name: str


class Lookups(Protocol):
    """What validation asks the database; `employee` is the one whose data is re-checked (a
    correction), None for a new declaration."""

    employee: Employee | None

    def group(self, group_id: int) -> InsuredGroup | None: ...
    def communes(self, postal_code: str) -> list[PostalRow]: ...
    def current_with_nir(self, nir_digest: str) -> Existing | None: ...
    def current_with_number(self, employee_number: str) -> Existing | None: ...
    def email_taken(self, email: str) -> bool:
        """Another employee of the company has this e-mail. Only the company's own employees
        count: whether an address has a login elsewhere (another company, the insurer's
        staff) is never told to an employer."""
        ...


def _current(company: Company) -> QuerySet[Employee]:
    return Employee.objects.filter(
        company=company,
        pk__in=Membership.objects.filter(status__in=CURRENT).values("employee_id"),
    )


class DatabaseLookups:
    """One question, one query: for a form's few declarations.

    `employee`: the declared employee whose own data is being corrected (e.g. by themselves in
    "Mon profil"): they are not a duplicate of themselves.
    """

    def __init__(self, company: Company, employee: Employee | None = None) -> None:
        self.company = company
        self.employee = employee

    def group(self, group_id: int) -> InsuredGroup | None:
        if not 1 <= group_id < 2**63:  # no such id (a database refuses the number itself)
            return None
        return (
            InsuredGroup.objects.select_related("contract")
            .filter(pk=group_id, contract__company=self.company)
            .first()
        )

    def communes(self, postal_code: str) -> list[PostalRow]:
        return communes_for(postal_code)

    def _existing(self, **condition: str) -> Existing | None:
        found = _current(self.company).filter(**condition)
        if self.employee is not None:
            found = found.exclude(pk=self.employee.pk)
        employee = found.first()
        return Existing(employee.pk, employee.full_name) if employee else None

    def current_with_nir(self, nir_digest: str) -> Existing | None:
        return self._existing(nir_digest=nir_digest)

    def current_with_number(self, employee_number: str) -> Existing | None:
        return self._existing(employee_number=employee_number)

    def email_taken(self, email: str) -> bool:
        others = Employee.objects.filter(company=self.company, email__iexact=email)
        if self.employee is not None:
            others = others.exclude(pk=self.employee.pk)
        return others.exists()


class PreloadedLookups:
    """Everything a file of many rows needs, read in a few queries per chunk of rows.

    Rows accepted from the same file are added as they go, so a duplicate inside the file is
    found like one in the database; `refresh` must run before each chunk.
    """

    def __init__(self, company: Company, postal_codes: Iterable[str] | None = None) -> None:
        """`postal_codes`: the only ones the rows use, when known (an API call's 1,000
        employees need a few hundred communes, not the 35,000 of the list)."""
        self.company = company
        self.employee: Employee | None = None  # a file declares new employees only
        self._groups = {
            g.pk: g
            for g in InsuredGroup.objects.select_related("contract").filter(
                contract__company=company
            )
        }
        self._communes: dict[str, list[PostalRow]] = {}
        codes = PostalCode.objects.all()
        if postal_codes is not None:
            codes = codes.filter(postal_code__in=sorted({c.strip() for c in postal_codes}))
        rows = codes.values_list("postal_code", "insee_code", "commune", "routing_label")
        for postal_code, insee_code, commune, label in rows.iterator(chunk_size=5000):
            self._communes.setdefault(postal_code, []).append(
                PostalRow(postal_code, insee_code, commune, label)
            )
        # An accepted row of the file is known by its label only (no object per row: a file
        # has up to 100,000 of them).
        self._by_digest: dict[str, Existing | str] = {}
        self._by_number: dict[str, Existing | str] = {}
        self._emails: set[str] = set()
        self._last_pk: int | None = None

    def refresh(self, emails: Iterable[str]) -> None:
        """Learn the employees declared since the last call, and which of `emails` are taken.

        Called before each chunk of rows, under the company's lock, so that a declaration
        made meanwhile (by the form, another file) is seen.
        """
        fields = ("pk", "company_id", "first_name", "last_name", "nir_digest", "employee_number")
        if self._last_pk is None:
            # Once, the company's employees: the company is locked, so all of its employees
            # declared later get a greater id than any existing now.
            self._last_pk = Employee.objects.aggregate(last=Max("pk"))["last"] or 0
            current = _current(self.company).filter(pk__lte=self._last_pk)
            found = list(current.order_by().values_list(*fields).iterator(chunk_size=5000))
        else:
            # Then the employees declared since by others (usually none), found by id range.
            since = Employee.objects.filter(pk__gt=self._last_pk).order_by().values_list(*fields)
            found = []
            for row in since.iterator(chunk_size=5000):
                self._last_pk = max(self._last_pk, row[0])
                if row[1] == self.company.pk:
                    found.append(row)
            kept: set[int] = set()
            for start in range(0, len(found), 5000):
                kept.update(
                    Membership.objects.filter(
                        employee_id__in=[row[0] for row in found[start : start + 5000]],
                        status__in=CURRENT,
                    ).values_list("employee_id", flat=True)
                )
            found = [row for row in found if row[0] in kept]
        for pk, _company_id, first, last, nir_digest, number in found:
            existing = Existing(pk, f"{first} {last}")
            if nir_digest:
                self._by_digest[nir_digest] = existing
            if number:
                self._by_number[number] = existing
        wanted = {e.strip().lower() for e in emails if e} - self._emails
        ordered = sorted(wanted)
        for start in range(0, len(ordered), 500):
            self._emails.update(
                Employee.objects.filter(company=self.company)
                .annotate(lower_email=Lower("email"))
                .filter(lower_email__in=ordered[start : start + 500])
                .values_list("lower_email", flat=True)
            )

    def seen(self, employee_id: int) -> None:
        """The caller declared, under the company's lock, employees up to this id: those rows
        were accepted (`accept`) and need not be read back."""
        self._last_pk = max(self._last_pk or 0, employee_id)

    def group(self, group_id: int) -> InsuredGroup | None:
        return self._groups.get(group_id)

    def communes(self, postal_code: str) -> list[PostalRow]:
        return self._communes.get(postal_code, [])

    def current_with_nir(self, nir_digest: str) -> Existing | None:
        return _existing(self._by_digest.get(nir_digest))

    def current_with_number(self, employee_number: str) -> Existing | None:
        return _existing(self._by_number.get(employee_number))

    def email_taken(self, email: str) -> bool:
        return email in self._emails

    def accept(self, declaration: EmployeeDeclaration, label: str) -> None:
        """Count an accepted row of the file, named `label`, as already declared."""
        if declaration.nir:
            self._by_digest[digest(declaration.nir)] = label
        if declaration.employee_number:
            self._by_number[declaration.employee_number] = label
        if declaration.email:
            self._emails.add(declaration.email)


def _existing(known: Existing | str | None) -> Existing | None:
    return Existing(0, known) if isinstance(known, str) else known


def to_session(declaration: EmployeeDeclaration) -> dict[str, object]:
    """A JSON-safe copy of a declaration (kept in the session between the form's steps)."""
    data = asdict(declaration)
    for name in ("birth_date", "hire_date", "effective_date"):
        value = data[name]
        data[name] = value.isoformat() if value else None
    return data


def from_session(data: dict[str, object]) -> EmployeeDeclaration:
    # Keys starting with "_" are the interface's own (e.g. the draft's submission key).
    values = {k: v for k, v in data.items() if not k.startswith("_")}
    for name in ("birth_date", "hire_date", "effective_date"):
        raw = values.get(name)
        values[name] = date.fromisoformat(str(raw)) if raw else None
    return EmployeeDeclaration(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class AddressSuggestion:
    given: list[str]
    suggested: list[str]
    fields: dict[str, str]
    # The city does not match the postal code: the employer picks the commune among these
    # (value, "code postal + commune" line), `selected` preselected; the typed address is not
    # an answer then.
    choices: list[tuple[str, str]] = field(default_factory=list)
    selected: str = ""

    @property
    def differs(self) -> bool:
        return self.given != self.suggested

    @property
    def city_mismatch(self) -> bool:
        return bool(self.choices)

    @property
    def suggested_before_city(self) -> list[str]:
        """The suggested lines above the "code postal + commune" line (a choice then)."""
        return self.suggested[: self._city_index]

    @property
    def suggested_after_city(self) -> list[str]:
        return self.suggested[self._city_index + 1 :]

    @property
    def _city_index(self) -> int:
        line = f"{self.fields['postal_code']} {self.fields['city']}".strip()
        return self.suggested.index(line) if line in self.suggested else len(self.suggested)


def address_lines(d: EmployeeDeclaration) -> list[str]:
    street = " ".join(p for p in [d.street_number, d.street_name] if p)
    lines = [d.staircase_floor, d.building, street, d.locality, f"{d.postal_code} {d.city}"]
    return [line.strip() for line in [*lines, d.country] if line and line.strip()]


def afnor_address(d: EmployeeDeclaration, commune: PostalRow | None) -> dict[str, str]:
    """The address fields as AFNOR NF Z10-011 writes them, with the official commune: what
    the form's confirmed address and an imported row save."""
    fields = {
        name: afnor_line(getattr(d, name))
        for name in ["street_number", "street_name", "staircase_floor", "building", "locality"]
    }
    fields["postal_code"] = d.postal_code
    fields["city"] = afnor_line(commune.routing_label if commune else d.city)
    fields["country"] = afnor_line(d.country)
    fields["insee_code"] = commune.insee_code if commune else ""
    return fields


def apply_address(d: EmployeeDeclaration, fields: dict[str, str]) -> EmployeeDeclaration:
    """`d` with the address `fields` of `afnor_address` (INSEE code included)."""
    return EmployeeDeclaration(**{**asdict(d), **fields})


def suggest_address(d: EmployeeDeclaration, choice: str = "") -> AddressSuggestion:
    """The address as typed and as AFNOR NF Z10-011 writes it, with the official commune.

    A city that does not match its postal code is replaced by the postal code's commune; when
    there are several, by the one of `choice` (a `commune_choice`), else the closest by name.
    """
    communes = communes_for(d.postal_code) if d.country == "FRANCE" else []
    official = official_commune(d.city, communes, d.insee_code) if d.city else None
    choices: list[tuple[str, str]] = []
    selected = ""
    if official is None and communes:
        by_choice = {commune_choice(r): r for r in communes}
        official = by_choice.get(choice) or closest_commune(d.city, communes)
        selected = commune_choice(official)
        choices = [
            (value, f"{row.postal_code} {afnor_line(row.routing_label)}")
            for value, row in sorted(by_choice.items(), key=lambda item: item[1].routing_label)
        ]
    fields = afnor_address(d, official)
    return AddressSuggestion(
        address_lines(d), address_lines(apply_address(d, fields)), fields, choices, selected
    )


def validate_one_of_many(
    declaration: EmployeeDeclaration,
    *,
    company: Company,
    today: date,
    lookups: PreloadedLookups,
) -> tuple[EmployeeDeclaration | None, list[Problem]]:
    """One declaration among many (a file's row, an API call's item): the declaration to declare
    if every rule accepts it, with its corrections ("Ville corrigée"), else its problems.

    An accepted address is normalised like the form's confirmed one (AFNOR, official commune
    and INSEE code), and the declaration counts as declared for the next ones (a duplicate
    inside the same file or call is found like one in the database)."""
    result = validate_declaration(declaration, company=company, today=today, lookups=lookups)
    if not result.ok:
        return None, list(result.errors)
    if declaration.has_address:
        declaration = apply_address(declaration, afnor_address(declaration, result.commune))
    lookups.accept(declaration, f"{declaration.first_name} {declaration.last_name}")
    return declaration, [p for p in result.warnings if p.code == EnrollmentError.CITY_CORRECTED]
