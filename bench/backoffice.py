"""Benchmark the staff back office ("À traiter") on 100,000 memberships.

    PORTAL_ENV=test .venv/bin/python bench/backoffice.py   # SQLite: var/bench-backoffice.sqlite3
    PORTAL_ENV=test POSTGRES_DB=portal_bench_backoffice POSTGRES_USER=postgres \\
        POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=54329 .venv/bin/python bench/backoffice.py

Target (issue 13): each page ≤ 50 ms server time at p95 with a query count that does not grow
with the data. The data is generated once per database (bulk inserts), then reused: 100,000
employees in 20 companies, a membership and a request each, of every motif and state. The
employees' NIRs are stored as their keyed digest only (the queue's search never reads the
encrypted NIR, so encrypting 100,000 of them would only slow the generation).

The dossier page (issue 13, part 2): `dossier_cases` builds, once per database, signed
affiliations in their own company through the same helpers as the dossier tests (the real
declaration, journey data, envelope, SMS code and PAdES-signed PDFs): one with 2 dependants, a
debit account and its mandate; one with 12 dependants. Each case also prints the CPU time
(`time.process_time`) of a request, to tell computing from waiting on a loaded machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PORTAL_ENV", "test")
if not os.environ.get("POSTGRES_DB"):
    os.environ.setdefault("SQLITE_PATH", str(ROOT / "var" / "bench-backoffice.sqlite3"))

import django  # noqa: E402
from database import ensure_database  # noqa: E402  (bench/database.py)

ensure_database()
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from logins import log_in_with_second_factor  # noqa: E402  (bench/logins.py)
from stdnum.fr import nir as nir_check  # noqa: E402

from portal.accounts.models import Role, User  # noqa: E402
from portal.companies.models import (  # noqa: E402
    AccountManager,
    Company,
    Contract,
    ContractKind,
    InsuredGroup,
    Product,
)
from portal.core.crypto import digest  # noqa: E402
from portal.enrollment.models import Employee, Membership  # noqa: E402
from portal.tracking.models import Request  # noqa: E402

COMPANIES = 20
FIRST = ["Marie", "Jean", "Élodie", "Paul", "Camille", "Louis", "Inès", "Hugo", "Léa", "Noah"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy"]
STAFF_EMAIL = "bench-staff@example.org"


def bench_nir(i: int) -> str:
    """The i-th employee's NIR (unique, with its valid key)."""
    body = f"1{80 + i % 20:02d}{1 + i % 12:02d}75{i // 1000 % 1000:03d}{i % 1000:03d}"
    return body + nir_check.calc_check_digits(body + "00")


def request_shape(i: int) -> tuple[str, str, str]:
    """(reason, state, source) of the i-th request: mostly affiliations, every state."""
    sources = ["form", "file", "dsn", "api"]
    if i % 20 < 14:
        state = ["waiting", "waiting", "in_progress", "closed", "closed"][i % 5]
        return "affiliation", state, sources[i % 4]
    reason = ["termination", "termination", "termination", "waiver", "waiver", "death"][i % 6]
    return reason, ("in_progress" if i % 3 == 0 else "closed"), sources[i % 4]


def generate(rows: int) -> list[Company]:
    existing = list(Company.objects.filter(legal_name__startswith="BENCH BO").order_by("pk"))
    if existing and Membership.objects.filter(contract__company__in=existing).count() >= rows:
        return existing
    print(f"Generating {rows} employees, memberships and requests…", flush=True)
    manager = AccountManager.objects.create(
        first_name="Bench", last_name="Manager", phone="01", email="bench@example.org"
    )
    product = Product.objects.create(code="BENCHBO/1", label="Bench", kind="base")
    companies, groups = [], []
    for c in range(COMPANIES):
        company = Company.objects.create(
            legal_name=f"BENCH BO {c:02d}",
            siret=f"{90000000000000 + c}",
            address_street="1 RUE",
            postal_code="75001",
            city="PARIS",
            account_manager=manager,
        )
        contract = Contract.objects.create(
            company=company,
            number=f"BO{c:04d}",
            kind=ContractKind.HEALTH,
            start_date=date(2024, 1, 1),
        )
        companies.append(company)
        groups.append(
            InsuredGroup.objects.create(
                contract=contract, code="01", label="Tous", base_product=product
            )
        )
    group_of = {g.contract.company_id: g for g in groups}
    holder = staff_user()
    now = timezone.now()
    batch = 5000
    for start in range(0, rows, batch):
        employees = []
        for i in range(start, min(rows, start + batch)):
            employee = Employee(
                company=companies[i % COMPANIES],
                civility="M",
                last_name=f"{LAST[i % 9].upper()}{i:06d}",
                first_name=FIRST[i % 10],
                birth_date=date(1980, 1, 1),
                hire_date=date(2024, 1, 1),
                employee_number=f"BO{i:06d}",
                nir_digest=digest(bench_nir(i)),
            )
            employee.set_search_names()
            employees.append(employee)
        Employee.objects.bulk_create(employees)
        employees = list(
            Employee.objects.filter(employee_number__in=[e.employee_number for e in employees])
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    employee=e,
                    contract_id=group_of[e.company_id].contract_id,
                    insured_group=group_of[e.company_id],
                    member_number=f"8{int(e.employee_number[2:]):08d}",
                    effective_date=date(2024, 1, 1),
                    status="signed",
                )
                for e in employees
            ]
        )
        memberships = list(
            Membership.objects.filter(employee__in=employees).select_related("employee")
        )
        requests = []
        for m in memberships:
            i = int(m.employee.employee_number[2:])
            reason, state, source = request_shape(i)
            since = now - timedelta(minutes=i)
            requests.append(
                Request(
                    company_id=m.employee.company_id,
                    employee=m.employee,
                    membership=m,
                    reason=reason,
                    state=state,
                    source=source,
                    created_at=since - timedelta(days=2),
                    updated_at=since,
                    in_progress_since=since if state == "in_progress" else None,
                    assigned_to=holder if state == "in_progress" and i % 7 == 0 else None,
                    assigned_at=since if state == "in_progress" and i % 7 == 0 else None,
                    search_name=m.employee.search_name,
                    search_name_reversed=m.employee.search_name_reversed,
                )
            )
        Request.objects.bulk_create(requests)
        print(f"  {min(rows, start + batch)}", flush=True)
    return companies


def staff_user() -> User:
    user = User.objects.filter(email=STAFF_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            STAFF_EMAIL, None, role=Role.STAFF, is_staff=True, first_name="Bench", last_name="Staff"
        )
    return user


def measure(client: Client, url: str, runs: int) -> tuple[float, float, float, int]:
    """(median ms, p95 ms, p95 CPU ms, queries) of `runs` GETs of `url`."""
    timings, cpu = [], []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    timings.sort()
    cpu.sort()
    at95 = max(0, int(len(timings) * 0.95) - 1)
    return statistics.median(timings), timings[at95], cpu[at95], queries


def queue_cases(companies: list[Company]) -> list[tuple[str, str]]:
    """The queue "À traiter": each motif, filtered, searched, a far page."""
    company = companies[3]
    nir = bench_nir(4321)
    spaced = f"{nir[0]}+{nir[1:3]}+{nir[3:5]}+{nir[5:7]}+{nir[7:10]}+{nir[10:13]}+{nir[13:]}"
    return [
        ("À traiter — Affiliation (home)", "/backoffice/"),
        ("À traiter — Dispense", "/backoffice/?motif=waiver"),
        ("À traiter — Résiliation", "/backoffice/?motif=termination"),
        ("À traiter — Décès", "/backoffice/?motif=death"),
        ("À traiter — one company", f"/backoffice/?entreprise={company.pk}"),
        (
            "À traiter — company and contract",
            f"/backoffice/?entreprise={company.pk}&contrat={company.contracts.get().pk}",
        ),
        ("À traiter — source DSN", "/backoffice/?origine=dsn"),
        ("À traiter — state En attente", "/backoffice/?etat=waiting"),
        ("À traiter — search NIR (spaces)", f"/backoffice/?q={spaced}"),
        ("À traiter — search name", "/backoffice/?q=durand0042"),
        ("À traiter — search first name", "/backoffice/?q=marie"),
        ("À traiter — search member number", "/backoffice/?q=800004322"),
        ("À traiter — page 100", "/backoffice/?page=100"),
    ]


DOSSIER_COMPANY = "BENCH BO DOSSIERS"


def signed_dossiers() -> list[Request]:
    """Two signed affiliations "En cours" (2 and 12 dependants, bank account, mandate, signed
    PDFs), made once per database as the dossier tests make theirs."""
    existing = list(
        Request.objects.filter(company__legal_name=DOSSIER_COMPANY, reason="affiliation").order_by(
            "pk"
        )
    )
    if len(existing) == 2:
        return existing
    from conftest import declare, make_company, make_nir
    from portal.backoffice.tests.conftest import fill_in, sign
    from portal.enrollment.models import Dependant
    from portal.signatures.certificates import make_signing_certificate

    make_signing_certificate(
        key_file=Path(settings.SIGNING_KEY_FILE),
        cert_file=Path(settings.SIGNING_CERT_FILE),
        passphrase=settings.SIGNING_KEY_PASSPHRASE,
        organization=settings.PORTAL_BRAND["insurer_name"],
    )
    manager = AccountManager.objects.create(
        first_name="Bench", last_name="Dossiers", phone="01", email="bench-dossiers@example.org"
    )
    company = make_company(DOSSIER_COMPANY, "73282932000074", manager)
    contract = Contract.objects.create(
        company=company, number="BD0001", kind=ContractKind.HEALTH, start_date=date(2024, 1, 1)
    )
    InsuredGroup.objects.create(
        contract=contract,
        code="02ENSP",
        label="Cadres",
        base_product=Product.objects.create(code="NIS/BENCHD", label="Socle", kind="base"),
    )
    made = []
    for n, (last_name, extra) in enumerate([("Simon", 0), ("Garnier", 10)]):
        declared = declare(
            company,
            street_number="",
            street_name="",
            postal_code="",
            city="",
            last_name=last_name,
            email=f"{last_name.lower()}@example.org",
            employee_number=f"BD-{n:04d}",
            nir=make_nir(order=f"{901 + n}"),
        )
        membership = declared.membership
        if n == 0:
            fill_in(membership, first_name="Cedric", phone="06 64 93 27 96")
        else:
            for i in range(2 + extra):
                Dependant.objects.create(
                    membership=membership,
                    kind="child",
                    civility="M",
                    last_name=last_name.upper(),
                    first_name=f"Enfant{i}",
                    birth_date=date(2010, 1, 1 + i),
                    fund_code="011751234",
                )
            Membership.objects.filter(pk=membership.pk).update(coverage_chosen=True)
        sign(membership)
        made.append(Request.objects.get(pk=declared.pk))
    return made


def dossier_cases(companies: list[Company]) -> list[tuple[str, str]]:
    """The dossier page of a signed affiliation, with 2 and with 12 dependants."""
    simon, garnier = signed_dossiers()
    return [
        ("Dossier — signed, 2 dependants, bank, mandate", f"/backoffice/dossiers/{simon.pk}/"),
        ("Dossier — signed, 12 dependants", f"/backoffice/dossiers/{garnier.pk}/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    engine = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
    call_command("migrate", verbosity=0)
    companies = generate(args.rows)
    if engine == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does on a live database: the statistics, and the visibility
            # map that lets the counts read their index alone.
            cursor.execute("VACUUM ANALYZE")
    client = Client(HTTP_HOST="127.0.0.1")
    log_in_with_second_factor(client, staff_user())
    memberships = Membership.objects.filter(contract__company__in=companies).count()
    print(f"\n{engine}, {memberships} memberships, {Request.objects.count()} requests")
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores)")
    print(
        f"{'page':<47} {'median ms':>10} {'p95 ms':>8} {'p95 CPU':>8} {'queries':>8}"
        "  target p95 ≤ 50 ms"
    )
    cases = queue_cases(companies) + dossier_cases(companies)
    for _label, url in cases:
        client.get(url)  # warm: the first opening of a signed PDF validates it
    for label, url in cases:
        median, p95, cpu, queries = measure(client, url, args.runs)
        verdict = "ok" if p95 <= 50 else "SLOW"
        print(
            f"{label:<47} {median:>10.1f} {p95:>8.1f} {cpu:>8.1f} {queries:>8}  {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
