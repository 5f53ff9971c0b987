"""Benchmark declaring 1,000 employees in one API call against importing them from a file.

    PORTAL_ENV=test .venv/bin/python bench/api_declare.py                     # SQLite
    PORTAL_ENV=test POSTGRES_DB=portal_bench_api POSTGRES_PORT=54329 \\
        .venv/bin/python bench/api_declare.py                               # PostgreSQL

Prints, in one run, `--runs` times (3) alternated, each on a database made anew (flushed,
the demo companies loaded): `POST /api/v1/employees/batch` with `--rows` employees (1,000)
through Django's WSGI handler (key check, JSON parsing and validation, the one declaration
path, the JSON answer; no socket), and the file import of the same employees in an xlsx of the
project's template (`processing.process`, as the worker runs it). The best time of each, rows
per second and the ratio. Target (issue 16): the API's rows per second ≥ the file import's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PORTAL_ENV", "test")
if not os.environ.get("POSTGRES_DB"):
    os.environ.setdefault("SQLITE_PATH", str(ROOT / "var" / "bench-api.sqlite3"))
# The messages are queued for the worker, as in production (the test settings run tasks
# inline): both doors are measured declaring, not sending 1,000 e-mails.
os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"

import django  # noqa: E402
from database import ensure_database  # noqa: E402  (bench/database.py)

ensure_database()
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from import_file import CITIES, FIRST, LAST, _letters  # noqa: E402  (the same people)
from openpyxl import Workbook, load_workbook  # noqa: E402
from stdnum.fr import nir as stdnum_nir  # noqa: E402

from portal.imports.templates import build_xlsx_template  # noqa: E402


def people(rows: int) -> list[dict[str, Any]]:
    """`rows` valid employees, hired and covered 10 days ago, with an address and an e-mail."""
    start = timezone.localdate() - timedelta(days=10)
    found = []
    for i in range(rows):
        body = f"1{80 + i % 20:02d}{1 + i % 12:02d}75{(i // 999) % 1000:03d}{i % 999 + 1:03d}"
        postal, city = CITIES[i % 4]
        found.append(
            {
                "civility": "M",
                "last_name": f"{LAST[i % 9]}-{_letters(i)}",
                "first_name": FIRST[i % 10],
                "birth_date": date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                "nir": body + stdnum_nir.calc_check_digits(body + "00"),
                "fund_code": "011751234",
                "street_number": str(1 + i % 90),
                "street_name": "rue de la République",
                "postal_code": postal,
                "city": city,
                "email": f"salarie{i}@bench.example",
                "employee_number": f"B{i:07d}",
                "hire_date": start,
                "effective_date": start,
                "alsace_moselle": False,
            }
        )
    return found


def xlsx_of(rows: list[dict[str, Any]]) -> bytes:
    """The same employees in the project's template, as a payroll export fills it."""
    template = load_workbook(io.BytesIO(build_xlsx_template()))["Salariés"]
    out = Workbook(write_only=True)
    sheet = out.create_sheet("Salariés")
    sheet.append([c.value for c in template[1]])
    for p in rows:
        sheet.append(
            [
                "Monsieur", p["last_name"], p["first_name"], p["birth_date"], p["nir"],
                p["fund_code"], p["street_number"], p["street_name"], "", "", "",
                p["postal_code"], p["city"], "FRANCE", p["email"], p["employee_number"],
                p["hire_date"], p["effective_date"], "Non",
            ]
        )  # fmt: skip
    data = io.BytesIO()
    out.save(data)
    return data.getvalue()


def fresh_database() -> tuple[Any, Any]:
    from portal.backoffice.demo import load_demo
    from portal.companies.models import Company, InsuredGroup
    from portal.core.models import PostalCode

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    if not PostalCode.objects.exists():
        call_command("load_postal_codes", verbosity=0)
    load_demo()
    company = Company.objects.get(legal_name="ATELIER NUMERIQUE DUPONT")
    group = InsuredGroup.objects.filter(contract__company=company).order_by("code").first()
    return company, group


def by_api(rows: list[dict[str, Any]]) -> tuple[float, str]:
    from portal.api.keys import create_key
    from portal.api.models import Scope

    company, group = fresh_database()
    secret = create_key(
        company=company,
        name="Bench",
        scopes=[Scope.DECLARE],
        expires_on=None,
        by=None,
        today=timezone.localdate(),
    ).secret
    body = json.dumps(
        {"employees": [{**p, "insured_group_ids": [group.pk]} for p in rows]}, default=str
    )
    client = Client()
    # The web process is up and has loaded its code (the URLs, the endpoints' schemas), as a
    # server answering calls all day has: its first answer ever is not the one measured.
    client.get(
        "/api/v1/company", headers={"Authorization": f"Bearer {secret}"}, SERVER_NAME="127.0.0.1"
    )
    started = time.perf_counter()
    answer = client.post(
        "/api/v1/employees/batch",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
        SERVER_NAME="127.0.0.1",  # an allowed host of the settings
    )
    seconds = time.perf_counter() - started
    if answer.status_code != 200:
        raise SystemExit(f"the API answered {answer.status_code}: {answer.content[:2000]!r}")
    result = answer.json()
    return seconds, f"{result['declared_count']} declared, {result['rejected_count']} rejected"


def by_file(data: bytes) -> tuple[float, str]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.imports import processing
    from portal.imports.models import ImportBatch

    company, group = fresh_database()
    batch = ImportBatch.objects.create(
        company=company,
        insured_group=group,
        filename="salaries.xlsx",
        file=SimpleUploadedFile("salaries.xlsx", data),
    )
    started = time.perf_counter()
    batch = processing.process(batch.pk)
    seconds = time.perf_counter() - started
    return seconds, f"{batch.declared_count} declared, {batch.rejected_count} rejected"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.rows > settings.API_BATCH_MAX:
        raise SystemExit(f"--rows is at most API_BATCH_MAX ({settings.API_BATCH_MAX})")
    engine = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
    rows = people(args.rows)
    data = xlsx_of(rows)
    print(f"{engine}, {args.rows} employees, {args.runs} runs alternated")
    api_times: list[float] = []
    file_times: list[float] = []
    for run in range(1, args.runs + 1):
        api_s, api_summary = by_api(rows)
        file_s, file_summary = by_file(data)
        api_times.append(api_s)
        file_times.append(file_s)
        print(
            f"  run {run}: API {api_s:.2f} s ({api_summary}), file {file_s:.2f} s ({file_summary})"
        )
    api_best, file_best = min(api_times), min(file_times)
    print(f"API, one call:  {api_best:.2f} s = {args.rows / api_best:,.0f} rows/s")
    print(f"file import:    {file_best:.2f} s = {args.rows / file_best:,.0f} rows/s")
    print(f"ratio: file / API = {file_best / api_best:.2f}× (target ≥ 1)")
    print("target met" if api_best <= file_best else "TARGET NOT MET")


if __name__ == "__main__":
    main()
