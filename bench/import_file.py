"""Benchmark the employee import on a generated 100,000-row xlsx (~2 % invalid rows).

    PORTAL_ENV=test .venv/bin/python bench/import_file.py                     # SQLite
    PORTAL_ENV=test POSTGRES_DB=portal_bench_import POSTGRES_PORT=54329 \\
        .venv/bin/python bench/import_file.py                                # PostgreSQL

Prints, in one run: the floor (reading the file with python-calamine and checking every NIR
with python-stdnum), the project's import end to end (read, validate, store employees,
memberships, requests, invitations queued), django-import-export importing the same file into
the same employee model, the ratios, the peak memory of the import, and the time until
10,000 rows are on screen. Each import runs in a fresh process once another one has prepared
the database (as the task worker runs an import); times and peaks are that process's.
Targets (issue 4): ≥ 4,000 rows/s on both databases, ≥ 3× faster than django-import-export,
peak memory ≤ 300 MB, 10,000 rows on screen in < 10 s.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PORTAL_ENV", "test")
if not os.environ.get("POSTGRES_DB"):
    os.environ.setdefault("SQLITE_PATH", str(ROOT / "var" / "bench-import.sqlite3"))
# The messages are queued for the worker, as in production (the test settings run tasks
# inline): the benchmark measures the import, not the sending of 100,000 e-mails.
os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"

import django  # noqa: E402
from database import ensure_database  # noqa: E402  (bench/database.py)

ensure_database()
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from stdnum.fr import nir as stdnum_nir  # noqa: E402

from portal.imports.templates import build_xlsx_template  # noqa: E402

FIRST = ["Marie", "Jean", "Élodie", "Paul", "Camille", "Louis", "Inès", "Hugo", "Léa", "Noah"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy"]
CITIES = [("75002", "Paris"), ("69001", "Lyon"), ("13001", "Marseille"), ("44000", "Nantes")]


def make_file(rows: int, path: Path) -> None:
    """The project's own template, filled with `rows` employees, 2 % of them invalid."""
    if path.exists():
        return
    print(f"Generating {rows} rows in {path.name}…", flush=True)
    workbook = load_workbook(io.BytesIO(build_xlsx_template()))
    template = workbook["Salariés"]
    out = __import__("openpyxl").Workbook(write_only=True)
    sheet = out.create_sheet("Salariés")
    sheet.append([c.value for c in template[1]])
    for i in range(rows):
        # Unique: place (département 75, commune) and order vary with the row number.
        body = f"1{80 + i % 20:02d}{1 + i % 12:02d}75{(i // 999) % 1000:03d}{i % 999 + 1:03d}"
        key = stdnum_nir.calc_check_digits(body + "00")
        nir = body + (key if i % 50 else f"{(int(key) % 97) + 1:02d}")  # 2 % wrong keys
        postal, city = CITIES[i % 4]
        sheet.append(
            [
                "Monsieur",
                f"{LAST[i % 9]}-{_letters(i)}",
                FIRST[i % 10],
                date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                nir,
                "011751234",
                str(1 + i % 90),
                "rue de la République",
                "",
                "",
                "",
                postal,
                city,
                "FRANCE",
                f"salarie{i}@bench.example",
                f"B{i:07d}",
                date(2026, 1, 1),
                date(2026, 1, 1),
                "Non",
            ]
        )
    out.save(path)
    out.close()


def _letters(i: int) -> str:
    text = ""
    while True:
        text = chr(65 + i % 26) + text
        i //= 26
        if not i:
            return text


def floor(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    valid = 0
    for row in workbook.get_sheet_by_name("Salariés").to_python()[1:]:
        valid += stdnum_nir.is_valid(str(row[4]))
    return time.perf_counter() - started


def run_child(mode: str, path: Path, rows: int) -> tuple[float, float, str]:
    """Prepare a fresh database, then run one measured step in a fresh process (as the task
    worker would): (seconds, peak MB of that process, summary)."""

    def run(*args: str) -> str:
        output = subprocess.run(
            [sys.executable, __file__, *args, "--file", str(path), "--rows", str(rows)],
            capture_output=True,
            text=True,
            env=os.environ,
            check=False,
        )
        if output.returncode:
            raise SystemExit(output.stderr[-3000:])
        return output.stdout.strip().splitlines()[-1]

    batch_id = run("--prepare", mode)
    seconds, peak, *summary = run("--child", mode, "--batch", batch_id).split("|")
    return float(seconds), float(peak), " ".join(summary)


def prepare(mode: str, path: Path) -> None:
    """An empty database with the demo companies; for the project, the uploaded batch."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.backoffice.demo import load_demo
    from portal.core.models import PostalCode
    from portal.imports.models import ImportBatch

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    if not PostalCode.objects.exists():
        call_command("load_postal_codes", verbosity=0)
    load_demo()
    company, group = _company_and_group()
    if mode != "project":
        print("-")
        return
    batch = ImportBatch.objects.create(
        company=company,
        insured_group=group,
        filename=path.name,
        file=SimpleUploadedFile(path.name, path.read_bytes()),
    )
    print(batch.pk)


def _company_and_group() -> tuple[Any, Any]:
    from portal.companies.models import Company, InsuredGroup

    company = Company.objects.get(legal_name="ATELIER NUMERIQUE DUPONT")
    group = InsuredGroup.objects.filter(contract__company=company).order_by("code").first()
    return company, group


def peak_megabytes() -> float:
    """This process's peak resident memory. (Not `ru_maxrss`: Linux carries it over from the
    parent across fork and exec, so a child would report at least its parent's peak.)"""
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def child(mode: str, path: Path, batch_id: str) -> None:
    from portal.enrollment.models import Employee
    from portal.imports import processing

    company, _ = _company_and_group()
    started = time.perf_counter()
    if mode == "project":
        batch = processing.process(int(batch_id))
        summary = f"{batch.declared_count} declared, {batch.rejected_count} rejected"
    else:
        summary = import_export(path.read_bytes(), company)
    seconds = time.perf_counter() - started
    peak = peak_megabytes()
    count = Employee.objects.filter(company=company).count()
    print(f"{seconds}|{peak}|{summary} ({count} employees in the company)")


def import_export(data: bytes, company: object) -> str:
    """django-import-export: a ModelResource on Employee, the peer a Django developer uses."""
    from import_export import fields, resources
    from import_export.formats.base_formats import XLSX

    from portal.enrollment.models import Employee

    class EmployeeResource(resources.ModelResource):  # type: ignore[misc]
        last_name = fields.Field(attribute="last_name", column_name="Nom *")
        first_name = fields.Field(attribute="first_name", column_name="Prénom *")
        birth_date = fields.Field(attribute="birth_date", column_name="Date de naissance *")
        nir = fields.Field(attribute="nir", column_name="N° de sécurité sociale")
        employee_number = fields.Field(attribute="employee_number", column_name="Matricule")
        email = fields.Field(attribute="email", column_name="Email")
        hire_date = fields.Field(attribute="hire_date", column_name="Date d'embauche *")
        postal_code = fields.Field(attribute="postal_code", column_name="Code postal")
        city = fields.Field(attribute="city", column_name="Ville")
        company = fields.Field(attribute="company_id", column_name="company")

        class Meta:
            model = Employee
            fields = (
                "company",
                "last_name",
                "first_name",
                "birth_date",
                "nir",
                "employee_number",
                "email",
                "hire_date",
                "postal_code",
                "city",
            )
            # The natural key, as a developer would set it to re-import a corrected file: one
            # indexed lookup per row (company + matricule), then bulk inserts.
            import_id_fields = ("company", "employee_number")
            use_bulk = True
            batch_size = 1000
            skip_diff = True

        def before_save_instance(self, instance, row, **kwargs):  # type: ignore[no-untyped-def]
            instance.company_id = company.pk  # type: ignore[attr-defined]
            instance.civility = "M"

    dataset = XLSX().create_dataset(data)
    dataset.append_col([company.pk] * len(dataset), header="company")  # type: ignore[attr-defined]
    result = EmployeeResource().import_data(dataset, dry_run=False, raise_errors=False)
    errors = sum(len(row.errors) for row in result.rows) + len(result.base_errors)
    if errors:
        first = next((row.errors[0] for row in result.rows if row.errors), None)
        print(
            "import-export errors:",
            errors,
            first.error if first else result.base_errors[:1],
            file=sys.stderr,
        )
    return f"{result.totals.get('new', 0)} created, {len(result.invalid_rows)} invalid"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--prepare")
    parser.add_argument("--child")
    parser.add_argument("--batch")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, Path(args.file))
        return
    if args.child:
        child(args.child, Path(args.file), args.batch)
        return
    engine = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
    path = ROOT / "var" / f"bench-import-{args.rows}.xlsx"
    path.parent.mkdir(exist_ok=True)
    make_file(args.rows, path)
    print(f"\n{engine}, {args.rows} rows ({path.stat().st_size / 1e6:.1f} MB)")
    floor_s = floor(path)
    print(f"floor (calamine read + stdnum NIR check): {floor_s:.1f} s")
    project_s, project_mb, summary = run_child("project", path, args.rows)
    print(
        f"project import end to end: {project_s:.1f} s = {args.rows / project_s:,.0f} rows/s, "
        f"peak {project_mb:.0f} MB — {summary}"
    )
    peer_s, peer_mb, peer_summary = run_child("import-export", path, args.rows)
    print(
        f"django-import-export: {peer_s:.1f} s = {args.rows / peer_s:,.0f} rows/s, "
        f"peak {peer_mb:.0f} MB — {peer_summary}"
    )
    print(
        f"ratios: project / floor = {project_s / floor_s:.1f}×, "
        f"django-import-export / project = {peer_s / project_s:.1f}×"
    )
    small = ROOT / "var" / "bench-import-10000.xlsx"
    make_file(10_000, small)
    small_s, _, _ = run_child("project", small, 10_000)
    print(f"10,000 rows on screen after: {small_s:.1f} s (target < 10 s)")
    ok = args.rows / project_s >= 4000 and peer_s / project_s >= 3 and project_mb <= 300
    print("targets met" if ok and small_s < 10 else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
