"""Load bench: 200 employees enrolling at once and 20 HR correspondents browsing their lists.

    .venv/bin/python bench/load.py                       # 10 minutes, PostgreSQL on :54329
    .venv/bin/python bench/load.py --run-time 300 --think 2,5 --spawn-rate 10   # a stress run

It makes its own PostgreSQL database (`POSTGRES_DB`, default `portal_load`, dropped and made
anew), migrates, loads the postal codes, creates one company whose employees are declared and
invited through the portal's services (the bench is the one inviting: it keeps the links in
memory and hands them to locust through a pipe), starts gunicorn (4 workers) and the task
worker with production settings (DEBUG off, the bench's own secrets, static files by
WhiteNoise after collectstatic), then locust headless for `--run-time` seconds.

The SMS codes reach the simulated phones through `bench/sms_backend.py` (the worker's SMS
carrier writes each SMS to its recipient's file), as a phone would get them.

It prints p50 / p95 / p99 per step, the errors, the journeys completed per minute and each
target met or not. Targets (issue 12, item 10): 0 errors, p95 ≤ 300 ms per page, ≥ 50
journeys completed per minute. Not run by `make test`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench-load"
PYTHON = sys.executable
TARGET_P95_MS = 300
TARGET_JOURNEYS_PER_MINUTE = 50
HR_PASSWORD = "Correspondant-2026!"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--employees", type=int, default=1200, help="employees invited")
    parser.add_argument("--users", type=int, default=200, help="concurrent employees")
    parser.add_argument("--hr-users", type=int, default=20, help="concurrent HR users")
    parser.add_argument("--run-time", type=int, default=600, help="seconds of load")
    parser.add_argument(
        "--spawn-rate", type=float, default=1,
        help="users started per second (the figures are those after the last one started)",
    )  # fmt: skip
    parser.add_argument(
        "--think", default="10,20",
        help="seconds between pages: min,max (a person reading and typing: 10-20 s a page)",
    )  # fmt: skip
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--task-workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    return parser.parse_args()


def bench_environment(port: int) -> dict[str, str]:
    """Production settings with the bench's own secrets (made anew, like its database)."""
    from cryptography.fernet import Fernet

    signing = WORK / "signing"
    return {
        "PORTAL_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_SITE_URL": f"http://127.0.0.1:{port}",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "ALTCHA_HMAC_KEY": secrets.token_urlsafe(32),
        "SIGNING_KEY_FILE": str(signing / "signing-key.pem"),
        "SIGNING_CERT_FILE": str(signing / "signing-cert.pem"),
        "SIGNING_KEY_PASSPHRASE": secrets.token_urlsafe(24),
        "SEPA_CREDITOR_ID": "FR69ZZZ651190",
        "SEPA_CREDITOR_NAME": "Mutuelle Bench",
        "SEPA_CREDITOR_IBAN": "FR7630006000011234567890189",
        "SEPA_CREDITOR_BIC": "AGRIFRPPXXX",
        "AMC_NUMBER": "775685365",
        "MEDIA_ROOT": str(WORK / "media"),
        # Plain HTTP on the loopback: no HTTPS redirect, no secure-only cookies.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SMS_BACKEND": "bench.sms_backend.PhoneDirectoryBackend",
        "BENCH_SMS_DIR": str(WORK / "sms"),
        "LOG_LEVEL": "WARNING",
        "POSTGRES_DB": os.environ.get("POSTGRES_DB", "portal_load"),
        "POSTGRES_USER": os.environ.get("POSTGRES_USER", "postgres"),
        "POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "POSTGRES_PORT": os.environ.get("POSTGRES_PORT", "54329"),
    }


def recreate_database() -> None:
    import psycopg
    from psycopg import sql

    name = os.environ["POSTGRES_DB"]
    if name == "portal":
        raise SystemExit("Refusing to drop the shared database `portal`.")
    with psycopg.connect(
        dbname="postgres",
        user=os.environ["POSTGRES_USER"],
        password=os.environ.get("POSTGRES_PASSWORD") or None,
        host=os.environ["POSTGRES_HOST"],
        port=os.environ["POSTGRES_PORT"],
        autocommit=True,
    ) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def nir_of(index: int) -> tuple[str, date]:
    """A valid NIR (men born in May 1985 in one of Paris's 20 arrondissements) and its birth."""
    from stdnum.fr import nir

    body = f"18505751{index // 999 % 20 + 1:02d}{index % 999 + 1:03d}"
    return body + nir.calc_check_digits(body), date(1985, 5, 14)


def letters(index: int) -> str:
    """A name's distinct ending (names take no digits): 0 → AAAA, 1 → AAAB…"""
    word = ""
    for _ in range(4):
        index, rest = divmod(index, 26)
        word = chr(ord("A") + rest) + word
    return word


def prepare(employees: int, hr_users: int) -> dict[str, object]:
    """The data of the run, made through the portal's services; what the users need."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.accounts.models import Role, User
    from portal.backoffice.demo import create_products
    from portal.companies.models import (
        AccountManager,
        Company,
        Contract,
        ContractKind,
        EmployeeShare,
        InsuredGroup,
    )
    from portal.enrollment.declarations import EmployeeDeclaration
    from portal.enrollment.services import invitation_url, issue_invitation
    from portal.signatures.certificates import make_signing_certificate
    from portal.tracking.models import Source
    from portal.tracking.services import declare_employee

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_postal_codes", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    make_signing_certificate(
        key_file=Path(settings.SIGNING_KEY_FILE),
        cert_file=Path(settings.SIGNING_CERT_FILE),
        passphrase=settings.SIGNING_KEY_PASSPHRASE,
        organization=settings.PORTAL_BRAND["insurer_name"],
    )
    manager = AccountManager.objects.create(
        first_name="Claire", last_name="Moreau", phone="01 84 60 12 34", email="cm@bench.example"
    )
    company = Company.objects.create(
        legal_name="BOULANGERIES CHARGE SAS",
        siret="73282932000074",
        address_street="12 RUE DES BOULANGERS",
        postal_code="75005",
        city="PARIS",
        account_manager=manager,
    )
    products = create_products()
    contract = Contract.objects.create(
        company=company, number="02960001", kind=ContractKind.HEALTH, start_date=date(2024, 1, 1)
    )
    group = InsuredGroup.objects.create(
        contract=contract,
        code="01ENSP",
        label="Ensemble du personnel",
        base_product=products["NIS/CHN0010"],
        employee_pays=EmployeeShare.DEPENDANTS_AND_OPTIONS,
    )
    hr = []
    for i in range(hr_users):
        email = f"rh{i + 1}@bench.example"
        user = User.objects.create_user(
            email, HR_PASSWORD, role=Role.CORRESPONDENT, first_name="Sophie", last_name="Lambert"
        )
        user.companies.add(company)
        # The company requires the second factor (the default): each HR login has its
        # authenticator app, whose key the bench keeps in memory like the invitation links.
        device = TOTPDevice.objects.create(user=user, name="Application", confirmed=True)
        hr.append(
            {
                "email": email,
                "password": HR_PASSWORD,
                "company_id": company.pk,
                "totp_key": device.key,
            }
        )
    today = timezone.localdate()
    first_names = ["Marie", "Jean", "Élodie", "Paul", "Camille", "Louis", "Inès", "Hugo", "Léa"]
    last_names = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]
    people = []
    for i in range(employees):
        nir, birth = nir_of(i)
        last, first = f"{last_names[i % 8]}-{letters(i)}", first_names[i % 9]
        request = declare_employee(
            company=company,
            declaration=EmployeeDeclaration(
                civility="M",
                last_name=last,
                first_name=first,
                birth_date=birth,
                hire_date=today - timedelta(days=30),
                effective_date=today,
                insured_group_ids=[group.pk],
                alsace_moselle=False,
                nir=nir,
                fund_code="011751234",
                street_number="20",
                street_name="rue Gambetta",
                postal_code="92000",
                city="Nanterre",
                email=f"salarie{i}@bench.example",
                employee_number=f"M{i:05d}",
            ),
            source=Source.FORM,
            by=None,
            today=today,
        )
        membership = request.membership
        assert membership is not None
        with transaction.atomic():
            # A new link made by the service: its token is known here only, in memory.
            link = invitation_url(issue_invitation(membership=membership, now=timezone.now()))
        mobile = f"061{i:07d}"  # one phone per employee: 06 1x xx xx xx
        people.append(
            {
                "link": link.removeprefix(settings.SITE_URL),
                "phone": " ".join(mobile[k : k + 2] for k in range(0, 10, 2)),
                "phone_digits": "33" + mobile[1:],  # the file the SMS carrier writes
                "profile": {
                    "civility": "M",
                    "last_name": last,
                    "first_name": first,
                    "birth_date": birth.isoformat(),
                    "family_status": "married",
                    "street": "20 rue Gambetta",
                    "complement": "",
                    "postal_code": "92000",
                    "city": "Nanterre",
                    "country": "FRANCE",
                    "phone": "",
                    "nir": nir,
                    "fund_code": "011751234",
                    "alsace_moselle": "non",
                },
                "child": {
                    "kind": "child",
                    "civility": "MME",
                    "last_name": last,
                    "first_name": "Léa",
                    "birth_date": "2015-06-01",
                    "twin_rank": "1",
                    "same_address": "on",
                    "attachment": "member",
                    "fund_code": "011751234",
                    "alsace_moselle": "non",
                },
                "bank": {
                    "debit_holder": f"{first} {last}",
                    "debit_iban": "FR76 3000 6000 0112 3456 7890 189",
                    "frequency": "monthly",
                    "debit_day": "10",
                    "same_for_benefits": "on",
                },
            }
        )
    connection.close()
    print(
        f"Prepared {employees} invited employees and {hr_users} HR logins "
        f"in {time.perf_counter() - started:.0f} s.",
        flush=True,
    )
    return {"employees": people, "hr": hr}


def queue_is_empty() -> bool:
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
    connection.close()
    return waiting == 0


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on {port}")


def warm_up(port: int, workers: int) -> None:
    """A few pages before the clock starts: each worker's first request loads its templates."""
    from urllib.request import urlopen

    for _ in range(workers * 3):
        with urlopen(f"http://127.0.0.1:{port}/connexion/", timeout=120) as response:
            response.read()


def report(stats_file: Path, run_seconds: float, server_errors: int) -> bool:
    rows = list(csv.DictReader(stats_file.open(encoding="utf-8")))
    # A step with no request in the measured window (the HR logins, all made at the start)
    # has no percentiles ("N/A").
    pages = [
        r
        for r in rows
        if r["Type"] not in ("BENCH", "") and r["Name"] != "Aggregated" and r["95%"] != "N/A"
    ]
    bench = {r["Name"]: r for r in rows if r["Type"] == "BENCH"}
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"\n{'étape':38} {'requêtes':>9} {'erreurs':>8} {'p50':>7} {'p95':>7} {'p99':>7}")
    for r in [*pages, *bench.values()]:
        print(
            f"{r['Name'][:38]:38} {r['Request Count']:>9} {r['Failure Count']:>8} "
            f"{r['50%']:>5}ms {r['95%']:>5}ms {r['99%']:>5}ms"
        )
    errors = int(total["Failure Count"])
    done = bench.get("parcours complet")
    completed = int(done["Request Count"]) - int(done["Failure Count"]) if done else 0
    per_minute = completed / (run_seconds / 60)
    worst = max(pages, key=lambda r: float(r["95%"]))
    checks = [
        (f"erreurs : {errors} (5xx dans le journal de gunicorn : {server_errors})", errors == 0),
        (
            f"p95 par page ≤ {TARGET_P95_MS} ms : le pire {worst['95%']} ms ({worst['Name']})",
            all(float(r["95%"]) <= TARGET_P95_MS for r in pages),
        ),
        (
            f"parcours terminés : {completed}, {per_minute:.1f} par minute "
            f"(≥ {TARGET_JOURNEYS_PER_MINUTE})",
            per_minute >= TARGET_JOURNEYS_PER_MINUTE,
        ),
    ]
    print()
    for text, met in checks:
        print(f"  {'OK   ' if met else 'ÉCHEC'} {text}")
    return all(met for _, met in checks)


def main() -> int:
    options = arguments()
    ramp = (options.users + options.hr_users) / options.spawn_rate
    measured = options.run_time - ramp  # the figures: from the last user's start to the end
    if measured < 60:
        raise SystemExit("--run-time must exceed the users' start (users / --spawn-rate) by 60 s")
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "sms").mkdir(parents=True)
    environment = bench_environment(options.port)
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    child_env = {**os.environ}
    recreate_database()
    data = prepare(options.employees, options.hr_users)
    low, high = (float(x) for x in options.think.split(","))
    processes: list[subprocess.Popen[bytes]] = []
    logs = {name: (WORK / f"{name}.log").open("wb") for name in ("gunicorn", "worker")}
    try:
        for i in range(options.task_workers):
            processes.append(
                subprocess.Popen(
                    [PYTHON, "manage.py", "db_worker", "--interval", "0.5",
                     "--worker-id", f"bench-{i}"],
                    env=child_env, stdout=logs["worker"], stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        deadline = time.monotonic() + 600
        while not queue_is_empty() and time.monotonic() < deadline:
            time.sleep(1)  # the invitation e-mails queued by the declarations
        processes.append(
            subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", str(options.web_workers),
                 "--preload",  # the app imported once, before the fork: workers ready at once
                 "--bind", f"127.0.0.1:{options.port}", "--error-logfile", "-",
                 "--access-logfile", str(WORK / "access.log"), "--timeout", "60"],
                env=child_env, stdout=logs["gunicorn"], stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_for_port(options.port)
        warm_up(options.port, options.web_workers)
        read_end, write_end = os.pipe()
        users = options.users + options.hr_users
        locust = subprocess.Popen(
            [PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "load_users.py"), "--headless",
             "--host", f"http://127.0.0.1:{options.port}", "--users", str(users),
             "--spawn-rate", str(options.spawn_rate), "--run-time", f"{options.run_time}s",
             "--stop-timeout", "30", "--csv", str(WORK / "locust"), "--only-summary",
             "--reset-stats",  # measured once every user has started: the steady state
             "--loglevel", "WARNING"],
            env={**child_env, "LOAD_SECRETS_FD": str(read_end)},
            pass_fds=(read_end,),
        )  # fmt: skip
        os.close(read_end)
        secrets_for_users = {
            **data,
            "sms_dir": str(WORK / "sms"),
            "think": [low, high],
            "employee_users": options.users,
            "hr_users": options.hr_users,
        }
        with os.fdopen(write_end, "w") as pipe:
            json.dump(secrets_for_users, pipe)
        del data, secrets_for_users
        locust.wait()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    access = (WORK / "access.log").read_text(encoding="utf-8", errors="replace").splitlines()
    server_errors = sum(1 for line in access if '" 5' in line)
    print(
        f"\n{options.users} salariés et {options.hr_users} RH simultanés, {options.run_time} s, "
        f"gunicorn {options.web_workers} workers, {options.task_workers} worker(s) de tâches, "
        f"pause {options.think} s entre deux pages, charge {os.getloadavg()[0]:.1f}"
    )
    print(f"Mesures après le démarrage du dernier utilisateur ({ramp:.0f} s) : {measured:.0f} s")
    met = report(WORK / "locust_stats.csv", measured, server_errors)
    print(f"\nJournaux : {WORK}/gunicorn.log, worker.log, access.log")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
