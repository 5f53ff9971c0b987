"""Demo data: account managers, companies, contracts, groups, products, logins.

Used by `manage.py load_demo` (make demo) and by the browser tests. Idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from stdnum import luhn
from stdnum.fr import nir

from portal.accounts.models import Role, User
from portal.api.keys import create_key
from portal.api.models import ApiKey, Scope
from portal.billing import rules as billing_rules
from portal.billing.models import DebitRun, RunStatus
from portal.billing.services import prepare_run
from portal.companies.access_services import Invitation, grant_access
from portal.companies.coverage import CoverageSection, generate_coverage_table
from portal.companies.models import (
    AccessRight,
    AccountManager,
    Beneficiary,
    Company,
    Contract,
    ContractKind,
    DelegatedAccess,
    DelegateKind,
    EmployeeShare,
    InsuredGroup,
    Product,
    ProductKind,
    ProductRate,
    Scheme,
)
from portal.documents.rendering import render_pdf
from portal.enrollment import banking
from portal.enrollment.declarations import EmployeeDeclaration
from portal.enrollment.models import (
    AccountPurpose,
    BankAccount,
    BeneficiaryClause,
    DebitMandate,
    Dependant,
    DependantKind,
    JourneyStep,
    Membership,
    MembershipStatus,
)
from portal.enrollment.services import move_membership
from portal.member_requests.demo import load_member_requests_demo
from portal.terminations.follow_up import ask_due_proofs, submit_proof
from portal.terminations.services import terminate_membership
from portal.tracking.models import EventKind, Reason, Request, Source, State
from portal.tracking.services import declare_employee, move_request, take_request
from portal.waivers.ending import follow_waivers
from portal.waivers.rules import add_months
from portal.waivers.services import grant_waiver, record_signature, request_waiver

DEMO_PASSWORD = "Demo-2026!"


def siret(prefix13: str) -> str:
    """A valid SIRET from its first 13 digits (Luhn key)."""
    return prefix13 + luhn.calc_check_digit(prefix13)


HEALTH_SECTIONS = {
    "base": [
        CoverageSection(
            "Hospitalisation",
            [
                ("Frais de séjour (secteur conventionné)", "100 % BR"),
                ("Honoraires chirurgicaux, adhérents OPTAM", "150 % BR"),
                ("Forfait journalier hospitalier", "100 % frais réels"),
                ("Chambre particulière (par jour)", "40 €"),
            ],
        ),
        CoverageSection(
            "Soins courants",
            [
                ("Consultations généralistes, adhérents OPTAM", "100 % BR"),
                ("Pharmacie remboursée par la Sécurité sociale", "100 % BR"),
                ("Analyses et examens de laboratoire", "100 % BR"),
            ],
        ),
        CoverageSection(
            "Optique et dentaire",
            [
                ("Équipements 100 % Santé", "Sans reste à charge"),
                ("Monture et verres simples (tous les 2 ans)", "150 €"),
                ("Soins dentaires", "100 % BR"),
                ("Prothèses dentaires hors 100 % Santé", "200 % BR"),
            ],
        ),
    ],
    "comfort": [
        CoverageSection(
            "En complément de la garantie de base",
            [
                ("Dépassements d'honoraires, adhérents OPTAM", "+ 100 % BR"),
                ("Monture et verres complexes (tous les 2 ans)", "+ 200 €"),
                ("Prothèses dentaires hors 100 % Santé", "+ 100 % BR"),
                ("Médecines douces (par an)", "150 €"),
            ],
        )
    ],
    "hospital": [
        CoverageSection(
            "Surcomplémentaire hospitalisation",
            [
                ("Chambre particulière (par jour)", "+ 40 €"),
                ("Lit d'accompagnement d'un enfant (par jour)", "30 €"),
                ("Dépassements d'honoraires chirurgicaux", "+ 100 % BR"),
            ],
        )
    ],
    "provident": [
        CoverageSection(
            "Prévoyance",
            [
                ("Capital décès toutes causes", "200 % du salaire annuel brut"),
                ("Rente éducation par enfant", "10 % du salaire annuel brut"),
                ("Incapacité temporaire de travail", "80 % du salaire brut"),
                ("Invalidité 2e et 3e catégorie", "80 % du salaire brut"),
            ],
        )
    ],
}


@dataclass(frozen=True)
class DemoProduct:
    code: str
    label: str
    kind: str
    sections: str
    rates: tuple[str, str, str]  # member, spouse, child (general scheme)


PRODUCTS = [
    DemoProduct(
        "NIS/CHN0010",
        "Socle santé responsable",
        ProductKind.BASE,
        "base",
        ("42.50", "48.00", "24.00"),
    ),
    DemoProduct(
        "NIS/AN00010", "Option Confort", ProductKind.OPTION, "comfort", ("12.90", "12.90", "7.50")
    ),
    DemoProduct(
        "NIS/SUR0020",
        "Surcomplémentaire hospitalisation",
        ProductKind.OPTION,
        "hospital",
        ("6.40", "6.40", "3.20"),
    ),
    DemoProduct(
        "PRV/DC0010",
        "Prévoyance décès incapacité invalidité",
        ProductKind.BASE,
        "provident",
        ("18.75", "0.00", "0.00"),
    ),
]

# Alsace-Moselle rates are lower: the local scheme already pays part (rules.md R1.13).
ALSACE_MOSELLE_FACTOR = Decimal("0.85")


def create_products() -> dict[str, Product]:
    products: dict[str, Product] = {}
    for spec in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            code=spec.code, defaults={"label": spec.label, "kind": spec.kind}
        )
        for beneficiary, amount in zip(
            [Beneficiary.MEMBER, Beneficiary.SPOUSE, Beneficiary.CHILD], spec.rates, strict=True
        ):
            general = Decimal(amount)
            for scheme, value in [
                (Scheme.GENERAL, general),
                (
                    Scheme.ALSACE_MOSELLE,
                    (general * ALSACE_MOSELLE_FACTOR).quantize(Decimal("0.01")),
                ),
            ]:
                ProductRate.objects.update_or_create(
                    product=product,
                    beneficiary=beneficiary,
                    scheme=scheme,
                    defaults={"monthly_amount": value},
                )
        if not product.coverage_table:
            generate_coverage_table(product, HEALTH_SECTIONS[spec.sections])
        products[spec.code] = product
    return products


def create_user(email: str, role: str, first_name: str, last_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            role=role,
            first_name=first_name,
            last_name=last_name,
            is_staff=role == Role.STAFF,
            is_superuser=role == Role.STAFF,
        )
    return user


def load_demo() -> None:
    """Create (or complete) the demo data set: the data in one transaction, then the waivers,
    each step its own business event as in real life."""
    _load_demo_data()
    demo_waivers()
    follow_waivers(today=timezone.localdate())  # the daily command's notices
    demo_debits()
    demo_queue_holders()
    demo_delegated_access()
    demo_api_key()
    demo_portabilities()
    demo_member_logins()
    load_member_requests_demo(staff=User.objects.get(email="staff@demo.example"))


# Members who log in at "Mon espace perso" with the demo password: Monique PUYOT, enrolled
# (health, her card issued, a newborn's addition waiting), Didier LENOIR, terminated, Thomas
# ROUSSEL, whose health waiver ends within 30 days (its end notice sent), and Karim BENALI, under
# portability ("Ma portabilité").
DEMO_MEMBERS = [
    "monique.puyot@boulangeries-martin.example",
    "didier.lenoir@boulangeries-martin.example",
    "thomas.roussel@boulangeries-martin.example",
    "karim.benali@atelier-dupont.example",  # under portability, his attestation sent
]


def demo_member_logins() -> None:
    """The demo members' password (an employee otherwise chooses it from their invitation
    link). Safe to run twice."""
    for user in User.objects.filter(email__in=DEMO_MEMBERS, role=Role.MEMBER):
        if not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])


DEMO_ACCOUNTANT = "expert@demo.example"
# The demo's published API key (ATELIER NUMERIQUE DUPONT, every right), printed by `make demo`:
# a real key would be random and shown once. `load_demo` is refused in production.
DEMO_API_KEY = "mut_demo0001_Demo-2026-cle-de-demonstration-publique"


def demo_delegated_access() -> None:
    """An accountant serving two client companies under one login ("Mes accès"): each company's
    correspondent gave it "Déclarer et relancer". Safe to run twice."""
    accountant = create_user(DEMO_ACCOUNTANT, Role.CORRESPONDENT, "Paul", "Comptable")
    for inviter, name in [
        ("rh@demo.example", "BOULANGERIES MARTIN SAS"),
        ("rh2@demo.example", "ATELIER NUMERIQUE DUPONT"),
    ]:
        company = Company.objects.get(legal_name=name)
        if DelegatedAccess.objects.filter(company=company, user=accountant).exists():
            continue
        grant_access(
            companies=[company],
            invitation=Invitation(
                accountant.email, "Paul", "Comptable", DelegateKind.ACCOUNTANT,
                [AccessRight.DECLARE], None,
            ),
            by=User.objects.get(email=inviter),
            today=timezone.localdate(),
        )  # fmt: skip


def demo_api_key() -> None:
    """The published demo key of ATELIER NUMERIQUE DUPONT (read, declare, terminate)."""
    company = Company.objects.get(legal_name="ATELIER NUMERIQUE DUPONT")
    if ApiKey.objects.filter(company=company, name="Démo").exists():
        return
    create_key(
        company=company,
        name="Démo",
        scopes=[Scope.DECLARE, Scope.TERMINATE],
        expires_on=None,
        by=User.objects.get(email="rh2@demo.example"),
        today=timezone.localdate(),
        secret=DEMO_API_KEY,
    )


def demo_queue_holders() -> None:
    """ "À traiter": the demo staff has taken the two oldest requests "En cours" ("Je prends").
    Safe to run twice (nothing is taken again once the staff holds requests)."""
    staff = User.objects.get(email="staff@demo.example")
    if Request.objects.filter(assigned_to=staff).exists():
        return
    oldest = Request.objects.filter(state=State.IN_PROGRESS, assigned_to=None).order_by(
        "in_progress_since", "id"
    )
    for request_id in oldest.values_list("pk", flat=True)[:2]:
        take_request(request_id, staff)


@transaction.atomic
def _load_demo_data() -> None:
    managers = [
        AccountManager.objects.get_or_create(
            email="claire.moreau@mutuelle-demo.example",
            defaults={"first_name": "Claire", "last_name": "Moreau", "phone": "01 84 60 12 34"},
        )[0],
        AccountManager.objects.get_or_create(
            email="julien.bernard@mutuelle-demo.example",
            defaults={"first_name": "Julien", "last_name": "Bernard", "phone": "04 72 10 45 67"},
        )[0],
    ]
    products = create_products()

    companies_spec = [
        dict(
            legal_name="BOULANGERIES MARTIN SAS",
            siret=siret("5524312070001"),
            trade_name="Maison Martin",
            address_street="12 RUE DES BOULANGERS",
            address_building="BATIMENT B",
            postal_code="75005",
            city="PARIS",
            phone="01 43 25 67 89",
            email="contact@boulangeries-martin.example",
            account_manager=managers[0],
            waivers_enabled=True,
            contracts=[
                ("02962034", ContractKind.HEALTH, date(2024, 1, 1)),
                ("P0962034", ContractKind.PROVIDENT, date(2024, 1, 1)),
            ],
        ),
        dict(
            legal_name="TRANSPORTS LEFEVRE SARL",
            siret=siret("4218765430002"),
            trade_name="",
            address_street="8 AVENUE DE LA GARE",
            address_locality="ZONE ARTISANALE DU MOULIN",
            postal_code="67000",
            city="STRASBOURG",
            phone="03 88 12 34 56",
            email="rh@transports-lefevre.example",
            account_manager=managers[0],
            waivers_enabled=False,
            contracts=[("02971122", ContractKind.HEALTH, date(2025, 1, 1))],
        ),
        dict(
            legal_name="ATELIER NUMERIQUE DUPONT",
            siret=siret("8901234560001"),
            trade_name="Dupont Studio",
            address_street="45 QUAI DE LA FOSSE",
            address_apartment="3E ETAGE",
            postal_code="44000",
            city="NANTES",
            phone="02 40 11 22 33",
            email="bonjour@atelier-dupont.example",
            account_manager=managers[1],
            waivers_enabled=False,
            contracts=[("02985501", ContractKind.HEALTH, date(2026, 1, 1))],
        ),
        dict(
            legal_name="CABINET ROCHE CONSEIL",
            siret=siret("5123456780001"),
            trade_name="Roche Conseil",
            address_street="3 PLACE BELLECOUR",
            postal_code="69002",
            city="LYON",
            phone="04 78 22 33 44",
            email="rh@roche-conseil.example",
            account_manager=managers[1],
            waivers_enabled=False,
            contracts=[("P0977001", ContractKind.PROVIDENT, date(2024, 1, 1))],
        ),
    ]
    companies: list[Company] = []
    for spec in companies_spec:
        contracts = spec.pop("contracts")
        # Demo only: HR logins with the password alone (production's default requires the
        # second factor); staff enrol an authenticator app at their first login.
        spec["hr_two_factor_required"] = False
        company, _ = Company.objects.update_or_create(siret=spec["siret"], defaults=spec)
        companies.append(company)
        for number, kind, start in contracts:  # type: ignore[attr-defined]
            # Provident: the employee designates the death benefit's beneficiaries.
            contract, _ = Contract.objects.update_or_create(
                number=number,
                defaults={
                    "company": company,
                    "kind": kind,
                    "start_date": start,
                    "beneficiary_designation": kind == ContractKind.PROVIDENT,
                },
            )
            if kind == ContractKind.HEALTH:
                groups = [
                    ("02ENSP", "Cadres", [products["NIS/AN00010"], products["NIS/SUR0020"]]),
                    ("01ENSP", "Non-cadres", [products["NIS/AN00010"]]),
                ]
                base = products["NIS/CHN0010"]
            elif len(contracts) > 1:  # type: ignore[arg-type]
                # Beside a health contract, provident covers the executives only: the
                # non-executives join the health contract alone.
                groups = [("P01", "Cadres", [])]
                base = products["PRV/DC0010"]
            else:
                groups = [("P01", "Cadres", []), ("P02", "Non-cadres", [])]
                base = products["PRV/DC0010"]
            for code, label, options in groups:
                group, _ = InsuredGroup.objects.update_or_create(
                    contract=contract,
                    code=code,
                    defaults={
                        "label": label,
                        "base_product": base,
                        "employee_pays": EmployeeShare.DEPENDANTS_AND_OPTIONS,
                    },
                )
                group.option_products.set(options)

    rh = create_user("rh@demo.example", Role.CORRESPONDENT, "Sophie", "Lambert")
    rh.companies.add(companies[0], companies[1], companies[3])
    rh2 = create_user("rh2@demo.example", Role.CORRESPONDENT, "Marc", "Petit")
    rh2.companies.add(companies[2])
    create_user("staff@demo.example", Role.STAFF, "Nadia", "Garnier")
    declare_demo_employees(companies[0], rh)
    declare_demo_employees(companies[2], rh2)
    declare_demo_employees(companies[3], rh)


@dataclass(frozen=True)
class DemoEmployee:
    """A demo employee: the insured groups of their category, their status in each contract.

    A company declares them in the groups it has: health and provident where it has both,
    the one contract it has otherwise. `health` or `provident` is that contract's status."""

    civility: str
    last_name: str
    first_name: str
    birth: date
    place: str
    has_email: bool
    hire: date
    groups: tuple[str, ...]
    health: str
    provident: str


CADRE = ("02ENSP", "P01")  # health and provident
NON_CADRE = ("01ENSP", "P02")  # health only beside a health contract (provident: cadres)
PRE, SIGNED, ACTIVE, TERMINATED = "pre_enrolled", "signed", "active", "terminated"
WAIVED, WAIVER_REQUESTED = "waived", "waiver_requested"
DEMO_EMPLOYEES = [
    DemoEmployee(
        "MME",
        "Puyot",
        "Monique",
        date(1978, 4, 12),
        "75115",
        True,
        date(2024, 1, 1),
        NON_CADRE,
        ACTIVE,
        ACTIVE,
    ),
    DemoEmployee(
        "M",
        "Lenoir",
        "Didier",
        date(1969, 11, 3),
        "69123",
        True,
        date(2024, 1, 1),
        CADRE,
        TERMINATED,
        TERMINATED,
    ),
    DemoEmployee(
        "MME",
        "Pélissier",
        "Isabelle",
        date(1990, 7, 21),
        "33063",
        True,
        date(2025, 9, 1),
        CADRE,
        SIGNED,
        SIGNED,
    ),
    DemoEmployee(
        "M", "Simon", "Cédric", date(1971, 9, 4), "92050", True, date(2026, 10, 1), CADRE, PRE, PRE
    ),
    # Halfway through the online enrollment: profile and dependants done.
    DemoEmployee(
        "MME",
        "N'Diaye",
        "Awa",
        date(1995, 2, 17),
        "2A004",
        False,
        date(2026, 11, 2),
        CADRE,
        PRE,
        PRE,
    ),
    # Health waived (checked and granted), then the provident enrollment signed.
    DemoEmployee(
        "M",
        "Roussel",
        "Thomas",
        date(1988, 6, 30),
        "44109",
        True,
        date(2026, 9, 1),
        CADRE,
        WAIVED,
        SIGNED,
    ),
    # Signed a waiver request: the insurer has its proof to check ("Dispense" "En cours");
    # the provident enrollment waits for her.
    DemoEmployee(
        "MME",
        "Garcia",
        "Léa",
        date(1992, 3, 8),
        "13055",
        True,
        date(2026, 9, 1),
        CADRE,
        WAIVER_REQUESTED,
        PRE,
    ),
    DemoEmployee(
        "M",
        "Fabre",
        "Julien",
        date(1983, 12, 1),
        "31555",
        True,
        date(2024, 3, 1),
        CADRE,
        ACTIVE,
        ACTIVE,
    ),
]
WAIVER_STATUSES = {MembershipStatus.WAIVED, MembershipStatus.WAIVER_REQUESTED}
# Pélissier named the beneficiaries of her death benefit; the others took the standard clause.
NAMED_CLAUSE = "Mon époux Marc Pélissier, né le 03/05/1988, à défaut mes héritiers."


def demo_nir(civility: str, birth: date, place: str, order: int) -> str:
    body = f"{'2' if civility == 'MME' else '1'}{birth:%y%m}{place}{order:03d}"
    return body + nir.calc_check_digits(body + "00")


def demo_contracts(company: Company, spec: DemoEmployee) -> list[tuple[InsuredGroup, str]]:
    """The groups `spec` joins in `company` with the status each reaches, health first; a
    waiver only where the company enables them."""
    found = []
    for group in (
        InsuredGroup.objects.filter(contract__company=company, code__in=spec.groups)
        .select_related("contract")
        .order_by("contract__kind")
    ):
        status = spec.health if group.contract.is_health else spec.provident
        if status in WAIVER_STATUSES and not company.waivers_enabled:
            return []  # an employee who would waive: not declared without waivers
        found.append((group, status))
    return found


def declare_demo_employees(company: Company, by: User) -> None:
    """Employees in every state and combination of contracts (the statuses after
    pre-enrollment are set for the demo)."""
    if company.employees.exists():
        return
    domain = company.email.split("@")[-1]
    for order, spec in enumerate(DEMO_EMPLOYEES, start=1):
        joined = demo_contracts(company, spec)
        if not joined:
            continue
        start = max(spec.hire, *(group.contract.start_date for group, _ in joined))
        email = f"{spec.first_name}.{spec.last_name}@{domain}".lower()
        declaration = EmployeeDeclaration(
            civility=spec.civility,
            last_name=spec.last_name,
            first_name=spec.first_name,
            birth_date=spec.birth,
            hire_date=start,
            effective_date=start,
            insured_group_ids=[group.pk for group, _ in joined],
            alsace_moselle=False,
            nir=demo_nir(spec.civility, spec.birth, spec.place, order),
            street_number=str(10 + order),
            street_name="RUE DE LA REPUBLIQUE",
            postal_code="69002",
            city="LYON",
            email=email.replace("'", "").replace("é", "e") if spec.has_email else "",
            employee_number=f"{company.pk:02d}{order:04d}",
        )
        request = declare_employee(
            company=company, declaration=declaration, source=Source.FORM, by=by, today=start
        )
        lead = request.membership
        assert lead is not None
        ids = {group.pk: status for group, status in joined}
        memberships = list(Membership.objects.filter(employee_id=request.employee_id))
        # A waiver comes first (`demo_waivers`, after this transaction: each step its own
        # business event); the contracts of the dossier move together, the request with them.
        targets = {m.pk: ids[m.insured_group_id] for m in memberships}
        if any(status in WAIVER_STATUSES for status in targets.values()):
            continue
        status = targets[lead.pk]
        if status != MembershipStatus.PRE_ENROLLED:
            _reach_demo_status(request, list(targets), status, by)
            _choose_clauses(memberships, named=spec.last_name == "Pélissier")
            if lead.contract.is_health and spec.last_name in DEMO_FAMILIES:
                _enroll_family(lead, spec.last_name)
        elif spec.last_name == "N'Diaye":
            lead.journey_step = JourneyStep.DEPENDANTS
            lead.save(update_fields=["journey_step"])


# The family and option chosen online by two enrolled employees (the health contract covers
# the dependants; the employer sees their roles only: "Conjoint", "Enfant").
DEMO_FAMILIES = {
    "Pélissier": [
        (DependantKind.PACS_PARTNER, "M", "Marc", date(1988, 5, 3)),
        (DependantKind.CHILD, "MME", "Jade", date(2019, 10, 14)),
        (DependantKind.CHILD, "M", "Hugo", date(2022, 2, 8)),
    ],
    "Fabre": [(DependantKind.SPOUSE, "MME", "Claire", date(1985, 6, 19))],
}


def _enroll_family(membership: Membership, last_name: str) -> None:
    Dependant.objects.bulk_create(
        Dependant(
            membership=membership,
            kind=kind,
            civility=civility,
            last_name=last_name.upper(),
            first_name=first_name,
            birth_date=birth,
        )
        for kind, civility, first_name, birth in DEMO_FAMILIES[last_name]
    )
    membership.option = Product.objects.get(code="NIS/AN00010")
    membership.coverage_chosen = True
    membership.save(update_fields=["option", "coverage_chosen"])
    # The option and the dependants are paid by SEPA direct debit: the mandate signed with
    # the enrollment (the demo has no envelope), debited by the runs of its day.
    frequency, debit_day = DEMO_MANDATES[last_name]
    account = BankAccount.objects.create(
        membership=membership,
        purpose=AccountPurpose.DEBIT,
        holder=f"{membership.employee.first_name} {last_name}".upper(),
        iban=DEMO_DEBTOR_IBAN,
        bic=DEMO_DEBTOR_BIC,
    )
    DebitMandate.objects.create(
        membership=membership,
        account=account,
        reference=banking.new_mandate_reference(
            prefix=settings.SEPA_MANDATE_PREFIX, member_number=membership.member_number, sequence=1
        ),
        creditor_identifier=settings.SEPA_CREDITOR_ID,
        frequency=frequency,
        debit_day=debit_day,
        signed_at=membership.signed_at or timezone.now(),
    )


DEMO_MANDATES = {"Pélissier": ("quarterly", 10), "Fabre": ("monthly", 5)}
DEMO_DEBTOR_IBAN = "FR7630006000011234567890189"  # the format example of rules.md R6.9
DEMO_DEBTOR_BIC = "AGRIFRPPXXX"


def demo_debits() -> None:
    """One debit run prepared (the next 5th far enough ahead for the pre-notification): the
    active family's mandate is due on it."""
    today = timezone.localdate()
    first = billing_rules.earliest_due_date(today, settings.SEPA_PRENOTIFICATION_DAYS)
    due = next(
        d for d in billing_rules.due_dates_between(first, first + timedelta(days=40)) if d.day == 5
    )
    if DebitRun.objects.filter(due_date=due).exclude(status=RunStatus.PREPARED).exists():
        return
    prepare_run(due_date=due, by=None, today=today)


def _choose_clauses(memberships: list[Membership], *, named: bool) -> None:
    """The beneficiary clause chosen when enrolling, where the provident contract asks."""
    for membership in memberships:
        if membership.contract.beneficiary_designation:
            membership.beneficiary_clause = (
                BeneficiaryClause.NAMED if named else BeneficiaryClause.STANDARD
            )
            membership.beneficiary_designation = NAMED_CLAUSE if named else ""
            membership.save(update_fields=["beneficiary_clause", "beneficiary_designation"])


def _reach_demo_status(request: Request, membership_ids: list[int], status: str, by: User) -> None:
    """Move a declared employee's dossier on to `status` through the owners of the states,
    with the same timeline as a real journey (the demo has no signed envelope)."""
    now = timezone.now()
    for membership_id in membership_ids:
        move_membership(
            membership_id,
            MembershipStatus.SIGNED,
            by=by,
            now=now,
            signed_at=now,
            journey_step=JourneyStep.SIGNATURE,
        )
    move_request(request, State.IN_PROGRESS, event=EventKind.SIGNED, by=by, now=now)
    if status == MembershipStatus.SIGNED:
        return
    for membership_id in membership_ids:
        move_membership(membership_id, MembershipStatus.ACTIVE, by=by, now=now)
    move_request(request, State.CLOSED, event=EventKind.CLOSED, by=by, now=now)
    if status == MembershipStatus.TERMINATED:
        for membership_id in membership_ids:
            move_membership(
                membership_id,
                MembershipStatus.TERMINATED,
                by=by,
                now=now,
                end_date=date(2026, 6, 30),
            )


# Two former employees of ATELIER NUMERIQUE DUPONT under portability ("Registre des
# portabilités"): Karim BENALI sent his France Travail attestation (to check), Sophie MARCHAND's
# is asked and due.
DEMO_PORTABILITIES = [
    ("M", "Benali", "Karim", date(1986, 2, 11), "93066", 901, True),
    ("MME", "Marchand", "Sophie", date(1991, 10, 5), "59350", 902, False),
]


def demo_portabilities() -> None:
    """Declared, enrolled, then terminated by the employer with portability 20 days ago, the
    opening proof asked by the daily job; one sent by the former employee. Through the
    services, each its own business event. Safe to run twice."""
    company = Company.objects.get(legal_name="ATELIER NUMERIQUE DUPONT")
    hr = User.objects.get(email="rh2@demo.example")
    group = InsuredGroup.objects.filter(contract__company=company).order_by("pk").first()
    assert group is not None
    today = timezone.localdate()
    hired = date(2024, 9, 2)
    effective = max(hired, group.contract.start_date)
    for civility, last_name, first_name, birth, place, order, sends in DEMO_PORTABILITIES:
        if company.employees.filter(last_name__iexact=last_name).exists():
            continue
        with transaction.atomic(durable=True):
            request = declare_employee(
                company=company,
                declaration=EmployeeDeclaration(
                    civility=civility, last_name=last_name, first_name=first_name,
                    birth_date=birth, hire_date=hired, effective_date=effective,
                    insured_group_ids=[group.pk], alsace_moselle=False,
                    nir=demo_nir(civility, birth, place, order), street_number="8",
                    street_name="RUE DU CHATEAU", postal_code="69002", city="LYON",
                    email=f"{first_name}.{last_name}@atelier-dupont.example".lower(),
                    employee_number=f"{company.pk:02d}{order:04d}",
                ),
                source=Source.FORM,
                by=hr,
                today=effective,
            )  # fmt: skip
            assert request.membership_id is not None
            _reach_demo_status(request, [request.membership_id], MembershipStatus.ACTIVE, hr)
        termination = terminate_membership(
            company=company,
            membership_id=request.membership_id,
            hire_date=hired,
            termination_date=today - timedelta(days=20),
            motif="dismissal_or_mutual_agreement",
            portability=True,
            by=hr,
            today=today,
        )
        [proof, *_] = ask_due_proofs(termination_id=termination.pk, today=today)
        if sends:
            employee = termination.membership.employee
            submit_proof(
                proof_id=proof.pk,
                employee_id=employee.pk,
                name="attestation-france-travail.pdf",
                data=render_pdf(
                    "backoffice/demo_portability_proof.html",
                    {"employee": employee, "proof": proof},
                    title="Attestation France Travail",
                ),
                by=employee.user,
            )


def demo_waivers() -> None:
    """The demo's waivers, through the waiver services: one signed and awaiting the insurer's
    check, one checked and granted by the demo staff. Safe to run twice."""
    staff = User.objects.get(email="staff@demo.example")
    for spec in [row for row in DEMO_EMPLOYEES if row.health in WAIVER_STATUSES]:
        for membership in Membership.objects.filter(
            employee__last_name__iexact=spec.last_name,
            employee__first_name__iexact=spec.first_name,
            status=MembershipStatus.PRE_ENROLLED,
            contract__kind=ContractKind.HEALTH,  # waivers are for the health contract
            contract__company__waivers_enabled=True,
            waivers__isnull=True,
        ).select_related("employee"):
            employee = membership.employee
            # The granted one ends in 25 days: its first end notice goes at once (R2.11).
            granted = spec.health == MembershipStatus.WAIVED
            end_date = (
                min(
                    timezone.localdate() + timedelta(days=25),
                    add_months(employee.hire_date, 12) - timedelta(days=1),
                )
                if granted
                else date(2027, 8, 31)
            )
            waiver = request_waiver(
                membership=membership,
                case_code="solidarity_health_cover",
                end_date=end_date,
                proof_name="attestation-css.pdf",
                proof_data=render_pdf(
                    "backoffice/demo_proof.html", {"employee": employee}, title="Attestation"
                ),
                by=employee.user,
                today=employee.hire_date,
            )
            with waiver.request_pdf.open("rb") as handle:
                signed = handle.read()
            with transaction.atomic(durable=True):  # the demo has no envelope to sign
                waiver = record_signature(
                    waiver=waiver, signed_request_pdf=signed, by=employee.user
                )
            if granted:
                grant_waiver(waiver_id=waiver.pk, by=staff)
            if spec.provident == MembershipStatus.SIGNED:
                _sign_provident_after_waiver(employee.pk, by=employee.user)


def _sign_provident_after_waiver(employee_id: int, *, by: User | None) -> None:
    """The health contract waived, the employee enrolls in the provident one and signs."""
    with transaction.atomic(durable=True):
        provident = list(
            Membership.objects.filter(
                employee_id=employee_id,
                status=MembershipStatus.PRE_ENROLLED,
                contract__kind=ContractKind.PROVIDENT,
            ).select_related("contract")
        )
        waiting = Request.objects.filter(
            employee_id=employee_id, reason=Reason.AFFILIATION, state=State.WAITING
        ).first()
        if not provident or waiting is None:
            return
        now = timezone.now()
        for membership in provident:
            move_membership(
                membership.pk,
                MembershipStatus.SIGNED,
                by=by,
                now=now,
                signed_at=now,
                journey_step=JourneyStep.SIGNATURE,
            )
        move_request(waiting, State.IN_PROGRESS, event=EventKind.SIGNED, by=by, now=now)
        _choose_clauses(provident, named=False)
