"""The employee's online enrollment ("Les étapes à suivre par les collaborateurs"): one service
per step, each saved when submitted so that the employee can leave and resume."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.companies.models import Product, Scheme
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.charset import is_address_text, to_norm_text
from portal.core.crypto import digest
from portal.core.errors import BusinessError, Problem
from portal.documents.rendering import render_pdf
from portal.enrollment import banking, rules
from portal.enrollment.choices import BeneficiaryClause
from portal.enrollment.declarations import (
    DatabaseLookups,
    EmployeeDeclaration,
    ValidationResult,
    validate_declaration,
)
from portal.enrollment.dossiers import Dossier
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.models import (
    JOURNEY_ORDER,
    DebitFrequency,
    DebitMandate,
    Dependant,
    Employee,
    FamilyStatus,
    Invitation,
    JourneyStep,
    Membership,
)
from portal.enrollment.rules import DependantFacts

SIGNED_ALREADY = EnrollmentError.MEMBERSHIP_SIGNED.message  # also shown as information
_STREET_NUMBER_RE = re.compile(r"^(\d{1,4}(?:\s?(?:BIS|TER|QUATER|[A-Z]))?)\s+(.+)$", re.I)


def get_membership_for_member(user: User, membership_id: int) -> Membership:
    """The member's own membership, or Membership.DoesNotExist (a 404 for the views)."""
    return Membership.objects.select_related(
        "employee__company", "employee__user", "contract", "insured_group__base_product", "option"
    ).get(pk=membership_id, employee__user=user)


def online_deadline_passed(membership: Membership, now: datetime) -> bool:
    """The employee had 60 days from their (latest) invitation to enroll online; then the
    paper form, or a new link from the employer (guide: "Le lien est actif 60 jours").

    The link is the dossier's (sent for its lead): it counts for every contract joined."""
    deadlines = Invitation.objects.filter(
        membership__employee_id=membership.employee_id, revoked_at=None
    ).values_list("expires_at", flat=True)
    return bool(deadlines) and now >= max(deadlines)


def lock_for_change(membership: Membership) -> Membership:
    """The membership locked for a change by its employee; refused once signed."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if not locked.editable_by_employee:
        raise BusinessError(EnrollmentError.MEMBERSHIP_SIGNED)
    if online_deadline_passed(locked, timezone.now()):
        raise BusinessError(EnrollmentError.ONLINE_DEADLINE_PASSED)
    return locked


def mark_done(membership: Membership, step: JourneyStep) -> None:
    """Record `step` as done for the whole dossier (steps done later stay done: "Modifier"
    goes back and forth)."""
    for member in Dossier.of(membership).memberships:
        target = membership if member.pk == membership.pk else member
        if not target.step_done(step):
            target.journey_step = step
            target.save(update_fields=["journey_step"])


def next_step(membership: Membership) -> JourneyStep:
    """Where the employee resumes: the first step not done yet (the last one once all are)."""
    for step in JOURNEY_ORDER:
        if not membership.step_done(step):
            return step
    return JourneyStep.SIGNATURE


# --- Mon profil --------------------------------------------------------------------------------


@dataclass
class Profile:
    """ "Mon profil" as the employee fills it in."""

    civility: str
    last_name: str
    first_name: str
    birth_date: date | None
    family_status: str
    street: str  # "Libellé de la voie": number and street name together, as on an envelope
    complement: str
    postal_code: str
    city: str
    country: str
    phone: str
    nir: str
    fund_code: str
    alsace_moselle: bool | None


def profile_of(employee: Employee) -> Profile:
    """The profile prefilled with what the employer declared (and the employee saved)."""
    street = " ".join(p for p in [employee.street_number, employee.street_name] if p)
    return Profile(
        civility=employee.civility,
        last_name=employee.last_name,
        first_name=employee.first_name,
        birth_date=employee.birth_date,
        family_status=employee.family_status,
        street=street,
        complement=employee.building,
        postal_code=employee.postal_code,
        city=employee.city,
        country=employee.country or "FRANCE",
        phone=employee.phone,
        nir=employee.nir,
        fund_code=employee.fund_code,
        alsace_moselle=employee.alsace_moselle,
    )


def _split_street(street: str) -> tuple[str, str]:
    match = _STREET_NUMBER_RE.match(" ".join(street.split()))
    return (match.group(1).upper(), match.group(2)) if match else ("", " ".join(street.split()))


def format_phone(text: str) -> str | None:
    """A French or international phone number written the French way, None if invalid."""
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if number.country_code == 33:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return str(national)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


@dataclass
class ProfileCheck:
    """Blocking errors, and the problems the employee may knowingly skip (the guide's dialog
    "Attention ! Les champs suivants ont été mal renseignés")."""

    errors: list[Problem]
    warnings: list[Problem]
    declaration: EmployeeDeclaration


PROFILE_REQUIRED = {
    "street_name": "Libellé de la voie",
    "postal_code": "Code postal",
    "city": "Commune",
    "nir": "Numéro de sécurité sociale",
    "fund_code": "Organisme de sécurité sociale",
}


def check_profile(membership: Membership, profile: Profile, *, today: date) -> ProfileCheck:
    """The employer's rules (the one validation path) plus what the profile requires."""
    employee = membership.employee
    number, name = _split_street(profile.street)
    declaration = EmployeeDeclaration(
        civility=profile.civility,
        last_name=profile.last_name,
        first_name=profile.first_name,
        birth_date=profile.birth_date,
        hire_date=employee.hire_date,
        effective_date=membership.effective_date,
        insured_group_ids=[membership.insured_group_id],
        alsace_moselle=profile.alsace_moselle,
        nir=profile.nir,
        fund_code=profile.fund_code,
        street_number=number,
        street_name=name,
        staircase_floor=employee.staircase_floor,
        building=profile.complement,
        locality=employee.locality,
        postal_code=profile.postal_code,
        city=profile.city,
        country=profile.country,
        email=employee.email,
        employee_number=employee.employee_number,
    )
    result: ValidationResult = validate_declaration(
        declaration,
        company=employee.company,
        today=today,
        lookups=DatabaseLookups(employee.company, employee=employee),
    )
    errors = list(result.errors)
    for field_name, label in PROFILE_REQUIRED.items():
        if not getattr(declaration, field_name) and not any(e.field == field_name for e in errors):
            errors.append(Problem.of(EnrollmentError.REQUIRED, field_name, label=label))
    warnings = list(result.warnings)
    if not profile.family_status:
        warnings.append(Problem.of(EnrollmentError.FAMILY_STATUS_MISSING, "family_status"))
    elif profile.family_status not in FamilyStatus.values:
        errors.append(Problem.of(EnrollmentError.FAMILY_STATUS_INVALID, "family_status"))
    if not profile.phone.strip():
        warnings.append(Problem.of(EnrollmentError.PROFILE_PHONE_MISSING, "phone"))
    elif format_phone(profile.phone) is None:
        errors.append(Problem.of(EnrollmentError.PROFILE_PHONE_INVALID, "phone"))
    return ProfileCheck(errors, warnings, declaration)


@transaction.atomic(durable=True)
def save_profile(*, membership: Membership, profile: Profile, by: User, today: date) -> Membership:
    """ "Mon profil" → "Suivant": the employee corrects and completes their identity.

    Refused (BusinessError) when a rule blocks; the warnings are the caller's to confirm.
    """
    locked = lock_for_change(membership)
    check = check_profile(membership, profile, today=today)
    if check.errors:
        raise BusinessError.of(check.errors)
    d = check.declaration
    employee = Employee.objects.select_for_update().get(pk=membership.employee_id)
    changes = {
        "civility": d.civility,
        "last_name": d.last_name.upper(),
        "first_name": d.first_name,
        "birth_date": d.birth_date,
        "family_status": profile.family_status,
        "street_number": d.street_number,
        "street_name": d.street_name,
        "building": d.building,
        "postal_code": d.postal_code,
        "city": d.city,
        "insee_code": d.insee_code,
        "country": d.country,
        "phone": format_phone(profile.phone) or "",
        "nir": d.nir,
        "nir_digest": digest(d.nir) if d.nir else "",
        "fund_code": d.fund_code,
        "alsace_moselle": bool(d.alsace_moselle),
    }
    changed = [name for name, value in changes.items() if getattr(employee, name) != value]
    for name, value in changes.items():
        setattr(employee, name, value)
    employee.set_search_names()
    employee.save(update_fields=[*changes, "search_name", "search_name_reversed"])
    # "Rechercher par Nom / Prénom" in "Mes demandes" finds the name the employee corrected.
    employee.requests.update(
        search_name=employee.search_name, search_name_reversed=employee.search_name_reversed
    )
    mark_done(locked, JourneyStep.PROFILE)
    audit.record(
        AuditAction.PROFILE_SAVED,
        by=by,
        target=locked,
        company_id=employee.company_id,
        changed=[n for n in changed if n not in {"nir_digest"}],
    )
    return locked


# --- Mes bénéficiaires -------------------------------------------------------------------------


def facts_of(dependant: Dependant) -> DependantFacts:
    return DependantFacts(
        kind=rules.DependantKind(dependant.kind),
        civility=dependant.civility,
        last_name=dependant.last_name,
        first_name=dependant.first_name,
        birth_date=dependant.birth_date,
        twin_rank=dependant.twin_rank,
        nir=dependant.nir,
        parent_nir=dependant.parent_nir,
        fund_code=dependant.fund_code,
        alsace_moselle=dependant.alsace_moselle,
        studying_or_apprentice=dependant.studying,
        disabled=dependant.disabled,
    )


@dataclass
class DependantAddress:
    """A dependant's own coordinates, when not the member's ("Mêmes coordonnées que …")."""

    street: str = ""
    complement: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "FRANCE"
    phone: str = ""


def check_dependant(
    membership: Membership,
    facts: DependantFacts,
    address: DependantAddress | None,
    *,
    editing: int | None,
    today: date,
) -> list[Problem]:
    """The rules of one dependant among the membership's others (rules.md §4, R1.8)."""
    others = [facts_of(d) for d in membership.dependants.exclude(pk=editing or 0)]
    contract = membership.contract
    problems = rules.check_dependant(
        facts,
        others=others,
        member_nir=membership.employee.nir,
        child_max_age=contract.child_max_age,
        child_max_age_extended=contract.child_max_age_extended,
        today=today,
    )
    if address is not None:
        if not address.street.strip():
            problems.append(
                Problem.of(EnrollmentError.REQUIRED, "street", label="Libellé de la voie")
            )
        if not address.postal_code.strip() or not address.city.strip():
            problems.append(
                Problem.of(EnrollmentError.POSTAL_CODE_AND_CITY_REQUIRED, "postal_code")
            )
        if address.phone.strip() and format_phone(address.phone) is None:
            problems.append(Problem.of(EnrollmentError.DEPENDANT_PHONE_INVALID, "phone"))
        for name, label in DEPENDANT_ADDRESS_LINES.items():
            if not is_address_text(to_norm_text(getattr(address, name))):
                problems.append(
                    Problem.of(EnrollmentError.ADDRESS_CHARACTERS_INVALID, name, label=label)
                )
    return problems


DEPENDANT_ADDRESS_LINES = {
    "street": "Libellé de la voie",
    "complement": "Complément d'adresse",
    "city": "Ville",
    "country": "Pays",
}


@transaction.atomic(durable=True)
def save_dependant(
    *,
    membership: Membership,
    facts: DependantFacts,
    address: DependantAddress | None,
    dependant_id: int | None,
    by: User,
    today: date,
) -> Dependant:
    """ "Enregistrer" a dependant (new or edited); refused with every problem found.

    Dependants are covered by the health contract: a provident-only dossier has none."""
    locked = lock_for_change(membership)
    if not locked.contract.is_health:
        raise BusinessError(EnrollmentError.DEPENDANTS_HEALTH_ONLY)
    problems = check_dependant(locked, facts, address, editing=dependant_id, today=today)
    if problems:
        raise BusinessError.of(problems)
    dependant = (
        Dependant.objects.select_for_update().get(pk=dependant_id, membership=locked)
        if dependant_id
        else Dependant(membership=locked)
    )
    assert facts.kind is not None  # checked
    dependant.kind = str(facts.kind)
    dependant.civility = facts.civility
    dependant.last_name = " ".join(facts.last_name.split()).upper()
    dependant.first_name = " ".join(facts.first_name.split())
    assert facts.birth_date is not None
    dependant.birth_date = facts.birth_date
    dependant.twin_rank = facts.twin_rank or 1
    dependant.nir = facts.nir
    dependant.parent_nir = facts.parent_nir if not facts.nir else ""
    dependant.fund_code = facts.fund_code
    dependant.alsace_moselle = bool(facts.alsace_moselle)
    dependant.studying = facts.studying_or_apprentice
    dependant.disabled = facts.disabled
    dependant.same_address = address is None
    own = address or DependantAddress()
    dependant.street_number, dependant.street_name = _split_street(own.street)
    dependant.building = own.complement
    dependant.postal_code = own.postal_code.strip()
    dependant.city = own.city.strip().upper()
    dependant.country = own.country.strip().upper() or "FRANCE"
    dependant.phone = format_phone(own.phone) or "" if own.phone.strip() else ""
    dependant.save()
    audit.record(
        AuditAction.DEPENDANT_SAVED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        dependant=dependant.pk,
        kind=dependant.kind,
        new=dependant_id is None,
    )
    return dependant


@transaction.atomic(durable=True)
def remove_dependant(*, membership: Membership, dependant_id: int, by: User) -> None:
    """ "Supprimer" a dependant before signing."""
    locked = lock_for_change(membership)
    deleted, _ = Dependant.objects.filter(pk=dependant_id, membership=locked).delete()
    if not deleted:
        raise BusinessError(EnrollmentError.DEPENDANT_UNKNOWN)
    audit.record(
        AuditAction.DEPENDANT_REMOVED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        dependant=dependant_id,
    )


@transaction.atomic(durable=True)
def finish_dependants(*, membership: Membership, by: User) -> Membership:
    """ "Poursuivre sans bénéficiaire" / "Suivant": the dependants step is done."""
    locked = lock_for_change(membership)
    if not locked.step_done(JourneyStep.PROFILE):
        raise BusinessError(EnrollmentError.PROFILE_FIRST)
    mark_done(locked, JourneyStep.DEPENDANTS)
    audit.record(
        AuditAction.DEPENDANTS_CONFIRMED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        count=locked.dependants.count(),
    )
    return locked


# --- Mes garanties -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """One card of "Mes garanties": the base alone or with an option, and what it costs."""

    option: Product | None
    label: str
    coverage_tables: tuple[Product, ...]
    costs: rules.Costs


def _rates(product: Product) -> rules.RateTable:
    return {(r.beneficiary, r.scheme): r.monthly_amount for r in product.rates.all()}


def offers(membership: Membership, *, on: date | None = None) -> list[Offer]:
    """The choices offered to the member's insured group, priced for their family as covered
    on `on` (today by default: a dependant added or removed by a life event counts between
    its cover dates only)."""
    day = on or timezone.localdate()
    group = membership.insured_group
    base = group.base_product
    options = list(group.option_products.prefetch_related("rates").order_by("code"))
    base_rates = _rates(Product.objects.prefetch_related("rates").get(pk=base.pk))
    option_rates = {o.code: _rates(o) for o in options}
    scheme = Scheme.ALSACE_MOSELLE if membership.employee.alsace_moselle else Scheme.GENERAL
    kinds = [rules.DependantKind(d.kind) for d in membership.dependants.all() if d.covered_on(day)]

    def priced(option: Product | None) -> rules.Costs:
        return rules.monthly_costs(
            base_rates=base_rates,
            option_rates=option_rates,
            chosen_option=option.code if option else None,
            scheme=scheme,
            dependants_kinds=kinds,
            employee_pays=group.employee_pays,
        )

    choices = [Offer(None, base.label, (base,), priced(None))]
    choices += [Offer(o, f"{base.label} + {o.label}", (base, o), priced(o)) for o in options]
    return choices


@dataclass(frozen=True)
class ClauseChoice:
    """A provident membership's beneficiary clause as the employee chose it."""

    clause: str  # a BeneficiaryClause value, "" when not chosen
    designation: str = ""  # the named clause's text


@dataclass(frozen=True)
class ProvidentCover:
    """A provident contract in "Mes garanties": no option to choose, the cover shown, and
    the beneficiary clause where the contract asks for it."""

    membership: Membership
    product: Product
    asks_clause: bool
    standard_clause: str


def provident_covers(dossier: Dossier) -> list[ProvidentCover]:
    return [
        ProvidentCover(
            membership=m,
            product=m.insured_group.base_product,
            asks_clause=m.contract.beneficiary_designation,
            standard_clause=m.contract.standard_clause,
        )
        for m in dossier.provident
    ]


DESIGNATION_MAX = 1000


def check_clauses(dossier: Dossier, clauses: Mapping[int, ClauseChoice]) -> list[Problem]:
    """Every provident contract that asks for it has its clause; a named one names someone."""
    problems = []
    for cover in provident_covers(dossier):
        if not cover.asks_clause:
            continue
        pk = cover.membership.pk
        choice = clauses.get(pk, ClauseChoice(""))
        if choice.clause not in BeneficiaryClause.values:
            problems.append(Problem.of(EnrollmentError.CLAUSE_REQUIRED, f"clause_{pk}"))
        elif choice.clause == BeneficiaryClause.NAMED:
            text = " ".join(choice.designation.split())
            if not text:
                problems.append(
                    Problem.of(EnrollmentError.DESIGNATION_REQUIRED, f"designation_{pk}")
                )
            elif len(text) > DESIGNATION_MAX:
                problems.append(
                    Problem.of(
                        EnrollmentError.DESIGNATION_TOO_LONG,
                        f"designation_{pk}",
                        max=str(DESIGNATION_MAX),
                    )
                )
    return problems


@transaction.atomic(durable=True)
def choose_coverage(
    *,
    membership: Membership,
    option_id: int | None,
    by: User,
    clauses: Mapping[int, ClauseChoice] | None = None,
) -> Membership:
    """ "Mes garanties" → "Suivant": the health choice applies to the member and every
    dependant; each provident contract records its beneficiary clause where it asks for it.
    Refused with every problem at once, nothing saved."""
    locked = lock_for_change(membership)
    if not locked.step_done(JourneyStep.DEPENDANTS):
        raise BusinessError(EnrollmentError.DEPENDANTS_FIRST)
    option = None
    if option_id is not None:
        option = locked.insured_group.option_products.filter(pk=option_id).first()
        if option is None:
            raise BusinessError(EnrollmentError.OPTION_UNKNOWN)
    dossier = Dossier.of(locked, lock=True)
    clauses = clauses or {}
    problems = check_clauses(dossier, clauses)
    if problems:
        raise BusinessError.of(problems)
    locked.option = option
    locked.coverage_chosen = True
    locked.save(update_fields=["option", "coverage_chosen"])
    chosen_clauses = {}
    for cover in provident_covers(dossier):
        member = locked if cover.membership.pk == locked.pk else cover.membership
        choice = clauses.get(member.pk, ClauseChoice("")) if cover.asks_clause else None
        member.beneficiary_clause = choice.clause if choice else ""
        member.beneficiary_designation = (
            " ".join(choice.designation.split())
            if choice and choice.clause == BeneficiaryClause.NAMED
            else ""
        )
        member.coverage_chosen = True
        member.save(
            update_fields=["beneficiary_clause", "beneficiary_designation", "coverage_chosen"]
        )
        chosen_clauses[member.pk] = member.beneficiary_clause
    mark_done(locked, JourneyStep.COVERAGE)
    audit.record(
        AuditAction.COVERAGE_CHOSEN,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        option=option.code if option else None,
        clauses=chosen_clauses,  # the kind of clause only, never the people named
    )
    return locked


def current_costs(membership: Membership, *, on: date | None = None) -> rules.Costs:
    """What the member pays each month with the coverage they chose, for the family covered
    on `on` (today by default)."""
    chosen = membership.option_id
    return next(
        o.costs for o in offers(membership, on=on) if (o.option.pk if o.option else None) == chosen
    )


# --- Signature électronique (what precedes the signature itself) ------------------------------


@transaction.atomic(durable=True)
def confirm_summary(*, membership: Membership, offers_consent: bool, by: User) -> Membership:
    """ "Récapitulatif" → "Valider": the employee checked their answers; the offers box is
    unticked unless they tick it (CNIL: prior consent)."""
    locked = lock_for_change(membership)
    if not locked.step_done(JourneyStep.BANK):
        raise BusinessError(EnrollmentError.STEPS_MISSING)
    locked.offers_consent_at = timezone.now() if offers_consent else None
    locked.save(update_fields=["offers_consent_at"])
    audit.record(
        AuditAction.SUMMARY_CONFIRMED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        offers_consent=offers_consent,
    )
    return locked


BULLETIN_CONSENTS = (
    "Je certifie avoir répondu avec exactitude aux déclarations faites en ligne et je reconnais "
    "avoir pris connaissance du présent bulletin d'adhésion.",
    "J'ai pris connaissance du document contractuel relatif à mon contrat.",
)
CONSENTS_VERSION = "2026-11"


# "prélevée chaque …": the period each debit covers, as the mandate's frequency says.
DEBIT_PERIODS: dict[str, str] = {
    DebitFrequency.MONTHLY: "chaque mois",
    DebitFrequency.QUARTERLY: "chaque trimestre",
    DebitFrequency.SEMIANNUAL: "chaque semestre",
    DebitFrequency.ANNUAL: "chaque année",
}


def debit_schedule(mandate: DebitMandate | None, costs: rules.Costs) -> dict[str, Any]:
    """How the monthly contributions are debited: "prélevée chaque trimestre", and the amount
    of each debit (the summary and the bulletin say it as the mandate does)."""
    if mandate is None:
        return {"debit_period": "", "debit_amount": None}
    return {
        "debit_period": DEBIT_PERIODS[mandate.frequency],
        "debit_amount": banking.debit_amount(costs.total, mandate.frequency),
    }


def dossier_pdf(membership: Membership) -> bytes:
    """ "Mon bulletin d'inscription": one bulletin per contract joined, and the SEPA mandate
    when the employee pays something, in one PDF signed once."""
    dossier = Dossier.of(membership)
    lead = dossier.lead
    employee = lead.employee
    mandate = lead.live_mandate()
    costs = current_costs(lead)
    context = {
        "dossier": dossier,
        "membership": lead,
        "health": dossier.health,
        "provident": provident_covers(dossier),
        "employee": employee,
        "company": employee.company,
        "dependants": list(lead.dependants.all()),
        "base": lead.insured_group.base_product,
        "option": lead.option,
        "costs": costs,
        "mandate": mandate,
        **debit_schedule(mandate, costs),
        "iban": banking.format_iban(mandate.account.iban) if mandate else "",
        "consents": BULLETIN_CONSENTS,
        "today": timezone.localdate(),
    }
    return render_pdf("enrollment/dossier.html", context, title="Dossier d'adhésion")


def dossier_content(membership: Membership) -> dict[str, Any]:
    """The data `dossier_pdf` shows, as plain JSON values: what the employee signs. The
    signature hashes it when the dossier is made and again at "Signer" (another tab may have
    changed a dependant, the option or the bank details meanwhile). The amounts follow from
    the option, the family and the schemes hashed here, and from the products' rates (set-up,
    not the employee's data)."""
    dossier = Dossier.of(membership)
    lead = dossier.lead
    employee = lead.employee
    mandate = lead.live_mandate()
    return {
        "employee": {
            "civility": employee.civility,
            "last_name": employee.last_name,
            "first_name": employee.first_name,
            "birth_date": employee.birth_date.isoformat(),
            "nir": employee.nir,
            "address": employee.address_lines(),
            "alsace_moselle": employee.alsace_moselle,  # the scheme prices the cover
            "company": employee.company.siret,
        },
        "memberships": [
            {
                "id": m.pk,
                "contract": m.contract.number,
                "insured_group": m.insured_group.code,
                "member_number": m.member_number,
                "effective_date": m.effective_date.isoformat(),
                "base": m.insured_group.base_product.code,
                "option": m.option.code if m.option else None,
                "beneficiary_clause": m.beneficiary_clause,
                "beneficiary_designation": m.beneficiary_designation,
            }
            for m in dossier.memberships
        ],
        "dependants": [
            {
                "id": d.pk,
                "kind": d.kind,
                "civility": d.civility,
                "last_name": d.last_name,
                "first_name": d.first_name,
                "birth_date": d.birth_date.isoformat(),
                "nir": d.nir,
                "parent_nir": d.parent_nir,
                "fund_code": d.fund_code,
                "twin_rank": d.twin_rank,
                "alsace_moselle": d.alsace_moselle,
            }
            for d in lead.dependants.order_by("pk")
        ],
        "mandate": (
            {
                "reference": mandate.reference,
                "creditor_identifier": mandate.creditor_identifier,
                "frequency": mandate.frequency,
                "debit_day": mandate.debit_day,
                "holder": mandate.account.holder,
                "iban": mandate.account.iban,
                "bic": mandate.account.bic,
            }
            if mandate
            else None
        ),
    }
