"""Benchmark the DSN parser on a generated monthly DSN (ISO-8859-1, CRLF).

    .venv/bin/python bench/dsn.py --megabytes 100        # a file of about 100 MB
    .venv/bin/python bench/dsn.py --employees 10000      # a 10,000-employee monthly DSN

Generates (once, under var/) a realistic monthly DSN: envoi, one declaration, two S21.G00.15
contracts, then per employee S30 (valid NIR), S40, S70 (one or two, with S73 dependants for
some), S71, S50/S51, S78/S79/S81 per affiliation, S86, and an S62 end of contract for one
employee in 50; the S90 totals are right. Then prints, in one run:

- the floor: a bare loop over the file's lines that only splits `code,'value'`;
- the project's parser (`portal.dsn.parsing.events`: decode, hierarchy, every value checked
  against the norm, typed individuals out);
- their ratio, and the peak memory (VmHWM) of each, each run in a fresh process.

Targets (issue 14): a 100 MB file parsed and checked in ≤ 3× the floor, peak memory under
150 MB whatever the size. The intake (database) is not built yet, so this script measures the
parser only; the whole-intake figures on SQLite and PostgreSQL come with the intake.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stdnum.fr import nir as stdnum_nir  # noqa: E402

LAST = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "O'NEIL"]
FIRST = ["Marie", "Jean", "Élodie", "Paul", "Camille", "Louis", "Inès", "Hugo", "Léa", "Noah"]
MOTIFS = ["043", "031", "059", "014", "020"]


def nir(i: int) -> str:
    """A valid 13-character NIR (no key): sex, year, month, département, commune, order;
    checked with python-stdnum on its 15-character form."""
    sex = 1 + i % 2
    year = 60 + (i // 7) % 40
    month = 1 + i % 12
    dept = 1 + (i // 12) % 19  # 01–19: no Corsica ambiguity
    commune = 1 + (i // 228) % 999
    order = 1 + (i // 227_772) % 999
    body = f"{sex}{year:02d}{month:02d}{dept:02d}{commune:03d}{order:03d}"
    assert stdnum_nir.is_valid(body + stdnum_nir.calc_check_digits(body))
    return body


def employee(i: int) -> list[tuple[str, str]]:
    rows = [
        ("S21.G00.30.001", nir(i)),
        ("S21.G00.30.002", LAST[i % 9]),
        ("S21.G00.30.004", FIRST[i % 10]),
        ("S21.G00.30.005", f"{1 + i % 2:02d}"),
        ("S21.G00.30.006", f"{1 + i % 28:02d}{1 + i % 12:02d}{1960 + (i // 7) % 40}"),
        ("S21.G00.30.007", "PARIS"),
        ("S21.G00.30.008", f"{1 + i % 90} RUE DE LA PAIX"),
        ("S21.G00.30.009", "75002"),
        ("S21.G00.30.010", "PARIS"),
        ("S21.G00.30.013", "01"),
        ("S21.G00.30.014", "75"),
        ("S21.G00.30.015", "FR"),
        ("S21.G00.30.019", f"MAT{i:07d}"),
        ("S21.G00.40.001", f"01{1 + i % 12:02d}{2000 + i % 25}"),
        ("S21.G00.40.002", "04" if i % 3 == 0 else "06"),
        ("S21.G00.40.003", "01" if i % 3 == 0 else "04"),
        ("S21.G00.40.004", "388a"),
        ("S21.G00.40.006", "TECHNICIEN"),
        ("S21.G00.40.007", "01" if i % 10 else "02"),
        ("S21.G00.40.008", "99"),
        ("S21.G00.40.009", f"{i:05d}"),
        ("S21.G00.40.011", "10"),
        ("S21.G00.40.012", "151.67"),
        ("S21.G00.40.013", "151.67"),
        ("S21.G00.40.014", "10"),
        ("S21.G00.40.016", "99"),
        ("S21.G00.40.017", "1486"),
        ("S21.G00.40.018", "200"),
        ("S21.G00.40.019", "99900000300015"),
        ("S21.G00.40.020", "200"),
        ("S21.G00.40.024", "99"),
        ("S21.G00.40.026", "99"),
    ]
    if i % 50 == 7:
        rows += [("S21.G00.62.001", "30062025"), ("S21.G00.62.002", MOTIFS[i % 5])]
    affiliations = 2 if i % 2 else 1
    for n in range(1, affiliations + 1):
        rows += [
            ("S21.G00.70.004", "FAMILLE" if i % 4 == 1 else "ISOLE"),
            ("S21.G00.70.005", "CADRES" if i % 3 == 0 else "NONCADRES"),
            ("S21.G00.70.012", str(n)),
            ("S21.G00.70.013", str(n)),
        ]
        if n == 1 and i % 4 == 1:
            rows += [
                ("S21.G00.73.003", "01"),
                ("S21.G00.73.005", "20041987"),
                ("S21.G00.73.006", LAST[i % 9]),
                ("S21.G00.73.007", nir(i + 1)),
                ("S21.G00.73.009", "Hélène"),
                ("S21.G00.73.003", "02"),
                ("S21.G00.73.005", "10092015"),
                ("S21.G00.73.006", LAST[i % 9]),
                ("S21.G00.73.009", "Lucas"),
            ]
    rows += [
        ("S21.G00.71.002", "RUAA"),
        ("S21.G00.50.001", "30062025"),
        ("S21.G00.50.002", "3000.00"),
        ("S21.G00.50.003", "01"),
        ("S21.G00.50.004", "3000.00"),
        ("S21.G00.51.001", "01062025"),
        ("S21.G00.51.002", "30062025"),
        ("S21.G00.51.010", f"{i:05d}"),
        ("S21.G00.51.011", "001"),
        ("S21.G00.51.013", "3000.00"),
    ]
    for n in range(1, affiliations + 1):
        rows += [
            ("S21.G00.78.001", "31"),
            ("S21.G00.78.002", "01062025"),
            ("S21.G00.78.003", "30062025"),
            ("S21.G00.78.004", "0.00"),
            ("S21.G00.78.005", str(n)),
            ("S21.G00.79.001", "10"),
            ("S21.G00.79.004", "3000.00"),
            ("S21.G00.81.001", "059"),
            ("S21.G00.81.004", "45.00" if n == 1 else "21.30"),
        ]
    rows += [
        ("S21.G00.86.001", "07"),
        ("S21.G00.86.002", "03"),
        ("S21.G00.86.003", str(1 + i % 30)),
        ("S21.G00.86.005", f"{i:05d}"),
    ]
    return rows


HEADER = [
    ("S10.G00.00.001", "BENCH"),
    ("S10.G00.00.002", "PORTAIL"),
    ("S10.G00.00.003", "1.0"),
    ("S10.G00.00.005", "02"),
    ("S10.G00.00.006", "P25V01"),
    ("S10.G00.00.007", "01"),
    ("S10.G00.00.008", "01"),
    ("S10.G00.01.001", "999000003"),
    ("S10.G00.01.002", "00015"),
    ("S10.G00.01.003", "SOCIETE FICTIVE SAS"),
    ("S10.G00.01.004", "1 RUE DE L EXEMPLE"),
    ("S10.G00.01.005", "75010"),
    ("S10.G00.01.006", "PARIS"),
    ("S10.G00.02.001", "01"),
    ("S10.G00.02.002", "CONTACT FICTIF"),
    ("S10.G00.02.004", "contact@example.invalid"),
    ("S10.G00.02.005", "0100000000"),
    ("S20.G00.05.001", "01"),
    ("S20.G00.05.002", "01"),
    ("S20.G00.05.003", "11"),
    ("S20.G00.05.004", "1"),
    ("S20.G00.05.005", "01062025"),
    ("S20.G00.05.007", "03072025"),
    ("S20.G00.05.008", "01"),
    ("S20.G00.05.010", "01"),
    ("S21.G00.06.001", "999000003"),
    ("S21.G00.06.002", "00015"),
    ("S21.G00.06.003", "6201Z"),
    ("S21.G00.11.001", "00015"),
    ("S21.G00.11.002", "6201Z"),
    ("S21.G00.11.022", "1486"),
    ("S21.G00.15.001", "SANTE-COLL-0001"),
    ("S21.G00.15.002", "A99999"),
    ("S21.G00.15.004", "01"),
    ("S21.G00.15.005", "1"),
    ("S21.G00.15.001", "PREV-COLL-0002"),
    ("S21.G00.15.002", "P9999"),
    ("S21.G00.15.004", "01"),
    ("S21.G00.15.005", "2"),
]


def generate(path: Path, *, employees: int | None, megabytes: float | None) -> int:
    """Write the file (unless it exists); the number of employees in it."""
    marker = path.with_suffix(".count")
    if path.exists() and marker.exists():
        return int(marker.read_text())
    print(f"Generating {path.name}…", flush=True)
    target = int(megabytes * 1_000_000) if megabytes else None
    count = 0
    lines = 0
    size = 0
    with path.open("wb") as out:

        def write(rows: list[tuple[str, str]]) -> None:
            nonlocal lines, size
            data = "".join(f"{code},'{value}'\r\n" for code, value in rows).encode("latin-1")
            out.write(data)
            lines += len(rows)
            size += len(data)

        write(HEADER)
        while (employees is not None and count < employees) or (target and size < target):
            write(employee(count))
            count += 1
        write([("S90.G00.90.001", str(lines + 2)), ("S90.G00.90.002", "1")])
    marker.write_text(str(count))
    return count


def peak_megabytes() -> float:
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def floor(path: Path) -> str:
    """The bare loop: every line split into code and value, nothing else."""
    codes = values = 0
    with path.open("rb") as handle:
        for line in handle:
            code, _, value = line.rstrip().partition(b",'")
            codes += bool(code)
            values += bool(value)
    return f"{codes} codes, {values} values"


def project(path: Path) -> str:
    from portal.dsn.errors import Finding
    from portal.dsn.model import Individual
    from portal.dsn.parsing import events

    individuals = affiliations = ends = findings = 0
    with path.open("rb") as handle:
        for event in events(handle):
            if isinstance(event, Individual):
                individuals += 1
                for contract in event.contracts:
                    affiliations += len(contract.affiliations)
                    ends += contract.end is not None
            elif isinstance(event, Finding):
                findings += 1
    return (
        f"{individuals} individuals, {affiliations} affiliations, {ends} ends, {findings} findings"
    )


def child(mode: str, path: Path) -> None:
    if mode == "project":  # loaded once per process, as in the worker: not the file's cost
        from portal.dsn import norm

        loading = time.perf_counter()
        for version in norm.KNOWN_VERSIONS:
            norm.load(version)
        print(f"norm tables loaded in {time.perf_counter() - loading:.2f} s", file=sys.stderr)
    started = time.perf_counter()
    summary = floor(path) if mode == "floor" else project(path)
    seconds = time.perf_counter() - started
    print(f"{seconds}|{peak_megabytes()}|{summary}")


def run_child(mode: str, path: Path) -> tuple[float, float, str]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--file", str(path)],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    if output.returncode:
        raise SystemExit(output.stderr[-3000:])
    seconds, peak, summary = output.stdout.strip().splitlines()[-1].split("|")
    return float(seconds), float(peak), summary


def main() -> None:
    parser = argparse.ArgumentParser()
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--employees", type=int)
    size.add_argument("--megabytes", type=float)
    parser.add_argument("--child", choices=["floor", "project"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return
    if args.employees is None and args.megabytes is None:
        args.megabytes = 100
    name = (
        f"bench-dsn-{args.employees}e.dsn"
        if args.employees
        else f"bench-dsn-{args.megabytes:g}mb.dsn"
    )
    path = ROOT / "var" / name
    path.parent.mkdir(exist_ok=True)
    employees = generate(path, employees=args.employees, megabytes=args.megabytes)
    megabytes = path.stat().st_size / 1_000_000
    print(f"{path.name}: {megabytes:.1f} MB, {employees} employees")
    results = {}
    for mode in ("floor", "project"):
        runs = [run_child(mode, path) for _ in range(args.runs)]
        results[mode] = min(runs)  # best time (the machine is shared)
    print(f"{'':28}{'seconds':>10}{'MB/s':>9}{'peak MB':>10}")
    for label, (seconds, peak, summary) in (
        ("floor (split only)", results["floor"]),
        ("parser (parse + check)", results["project"]),
    ):
        print(f"{label:28}{seconds:10.2f}{megabytes / seconds:9.1f}{peak:10.1f}  {summary}")
    ratio = results["project"][0] / results["floor"][0]
    peak = results["project"][1]
    print(f"ratio parser / floor: {ratio:.2f}× (target ≤ 3×)")
    print(f"parser peak memory: {peak:.0f} MB (target < 150 MB)")


if __name__ == "__main__":
    main()
