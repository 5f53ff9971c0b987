"""The DSN norm as the parser needs it: blocks and their parents, rubriques with their checks.

Loaded once per process from the TSVs in `data/` (P24V01, see data/README.md), plus the later
additions that the research notes list. Pure: no Django, no clock.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from sys import intern

from portal.dsn.errors import FindingCode

DATA = Path(__file__).resolve().parent / "data"
BASE_VERSION = "P24V01"
VALID_PER_RUBRIQUE = 1024
KNOWN_VERSIONS = ("P24V01", "P25V01", "P26V01")
_VERSION_RE = re.compile(r"P(\d{2})V(\d{2})")

# Concentrator envelope and service blocks (dsn.md §1.2): kept, values not checked.
ENVELOPE_BLOCKS = ("S05.G51.00", "S06.G51.00", "S96.G51.00", "S95.G51.00")
SERVICE_BLOCKS = {"S10.G00.95": "S10.G00.00", "S20.G00.96": "S20.G00.05", "S21.G00.80": None}
SERVICE_RUBRIQUES = frozenset(
    {"S21.G00.11.110", "S21.G00.11.111", "S21.G00.11.112", "S21.G00.80.003", "S21.G00.85.850"}
)

# Child blocks that must be present under their parent (min ≥ 1 in the norm). The insurer
# receives files filtered by net-entreprises (only its data), so the blocks that a filtered
# file may lack (S21.G00.50, .51, .63, .71) are not required here.
REQUIRED_CHILDREN: dict[str, tuple[str, ...]] = {
    "S10.G00.00": ("S10.G00.01", "S10.G00.02", "S20.G00.05"),
    "S20.G00.05": ("S21.G00.06",),
    "S21.G00.06": ("S21.G00.11",),
    "S21.G00.30": ("S21.G00.40",),
}

# Mandatory rubriques (usage O of the cahier technique) are checked in the blocks the insurer
# relies on; net-entreprises filters the rest (payroll, withholding tax) out of an insurer's
# files, so their absence there says nothing. For the contract, only the rubriques it uses.
MANDATORY_CHECKED: dict[str, frozenset[str] | None] = {
    "S10.G00.00": None,
    "S20.G00.05": None,
    "S21.G00.06": frozenset({"001"}),
    "S21.G00.11": frozenset({"001"}),
    "S21.G00.15": None,
    "S21.G00.16": None,
    "S21.G00.30": None,
    "S21.G00.40": frozenset({"001", "002", "003", "007", "009"}),
    "S21.G00.62": None,
    "S21.G00.70": None,
    "S21.G00.73": None,
    "S90.G00.90": None,
}

# Natures of the usage table columns (usages_CT2025.1_excerpt.tsv).
_USAGE_COLUMNS = ("01", "04", "05", "07", "08", "09")


@dataclass(frozen=True, slots=True)
class Addition:
    version: str
    rubrique: str
    code: str | None = None  # a new enumeration code; None: a new rubrique
    spec: tuple[str, str, str, int, int, str] | None = None  # label, datatype, nature, lens, regexp


# Later than the P24V01 tables (dsn.md §2 and §5): added to every later version.
LATER_ADDITIONS = (
    Addition("P25V01", "S21.G00.62.002", code="119"),
    Addition(
        "P25V01",
        "S21.G00.62.021",
        spec=("Refus de CDI proposé", "DSN_Refus_CDI", "Enumeration", 2, 2, ""),
    ),
    Addition("P25V01", "S21.G00.62.021", code="01"),
    Addition("P26V01", "S20.G00.05.001", code="10"),
)


@dataclass(slots=True)
class FieldSpec:
    """One rubrique: its checks, compiled."""

    rubrique: str
    name: str
    datatype: str
    nature: str
    min_len: int
    max_len: int
    pattern: Callable[[str], object] | None
    codes: frozenset[str] | None
    is_date: bool


@dataclass(frozen=True, slots=True)
class BlockSpec:
    code: str
    name: str
    parent: str | None
    minimum: int
    maximum: int | None  # None: unbounded


@dataclass(frozen=True, slots=True)
class Norm:
    version: str
    fields: dict[str, FieldSpec]
    blocks: dict[str, BlockSpec]
    # Mandatory rubriques per nature and block: {"01": {"S21.G00.30": ("S21.G00.30.002", …)}}.
    mandatory: dict[str, dict[str, tuple[str, ...]]]
    # Lines already found valid, as `rubrique,'value` (the parser's fast path: one set lookup),
    # at most VALID_PER_RUBRIQUE per rubrique so that memory stays bounded.
    # Each maps to its (rubrique, value, block code): one dict lookup hands the hot loop all
    # three, the rubrique already hashed for the record's dicts, the block code interned (the
    # loop compares it by identity).
    valid_lines: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    valid_counts: dict[str, int] = field(default_factory=dict)
    # The rubriques whose lines are no longer remembered (their quota is reached: NIRs, names).
    saturated: set[str] = field(default_factory=set)

    def remember(self, rubrique: str, line: str, value: str) -> None:
        count = self.valid_counts.get(rubrique, 0) + 1
        self.valid_counts[rubrique] = count
        self.valid_lines[line] = (rubrique, value, intern(rubrique[:10]))
        if count >= VALID_PER_RUBRIQUE:
            self.saturated.add(rubrique)

    def check(self, spec: FieldSpec, value: str) -> tuple[FindingCode, dict[str, object]] | None:
        """The first problem of `value` for `spec`, or None."""
        length = len(value)
        if not spec.min_len <= length <= spec.max_len:
            return FindingCode.VALUE_LENGTH, {
                "minimum": spec.min_len,
                "maximum": spec.max_len,
                "length": length,
            }
        if spec.codes is not None:
            if value not in spec.codes:
                return FindingCode.VALUE_ENUMERATION, {"version": self.version}
        elif spec.pattern is not None and spec.pattern(value) is None:
            return FindingCode.VALUE_PATTERN, {"datatype": spec.datatype}
        if spec.is_date and not _calendar_date(value):
            return FindingCode.VALUE_DATE, {}
        return None


_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _calendar_date(value: str) -> bool:
    """JJMMAAAA is a real day (the pattern already checked the digits and ranges)."""
    if len(value) != 8 or not value.isdigit():
        return False
    day, month, year = int(value[:2]), int(value[2:4]), int(value[4:])
    if not 1 <= month <= 12 or day < 1 or day > _DAYS[month - 1]:
        return False
    return not (month == 2 and day == 29 and (year % 4 or (year % 100 == 0 and year % 400)))


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@cache
def _base_tables() -> tuple[
    dict[str, BlockSpec],
    list[dict[str, str]],
    dict[str, set[str]],
    dict[str, dict[str, tuple[str, ...]]],
]:
    blocks: dict[str, BlockSpec] = {}
    for row in _rows("blocks_P24V01.tsv"):
        maximum = None if row["max"] == "*" else int(row["max"])
        blocks[row["block_id"]] = BlockSpec(
            row["block_id"], row["name"], row["parent_id"] or None, int(row["min"]), maximum
        )
    for code, parent in SERVICE_BLOCKS.items():
        blocks[code] = BlockSpec(code, "Rubriques de service", parent or "S21.G00.11", 0, None)
    for code in ENVELOPE_BLOCKS:
        blocks[code] = BlockSpec(code, "Enveloppe du concentrateur", None, 0, None)
    enums: dict[str, set[str]] = {}
    for row in _rows("enumerations_P24V01.tsv"):
        enums.setdefault(row["rubrique"], set()).add(row["code"])
    mandatory: dict[str, dict[str, list[str]]] = {nature: {} for nature in _USAGE_COLUMNS}
    for row in _rows("usages_CT2025.1_excerpt.tsv"):
        for nature, column in zip(_USAGE_COLUMNS, list(row.values())[2:], strict=False):
            rubrique = row["rubrique"]
            block = rubrique[:10]
            if column == "O" and block in MANDATORY_CHECKED:
                only = MANDATORY_CHECKED[block]
                if only is not None and rubrique[11:] not in only:
                    continue
                mandatory[nature].setdefault(block, []).append(rubrique)
    frozen = {
        nature: {block: tuple(sorted(numbers)) for block, numbers in by_block.items()}
        for nature, by_block in mandatory.items()
    }
    return blocks, _rows("fields_P24V01.tsv"), enums, frozen


def _spec(
    rubrique: str,
    name: str,
    datatype: str,
    nature: str,
    lens: tuple[int, int],
    rx: str,
    codes: set[str] | None,
) -> FieldSpec:
    pattern = re.compile(f"(?:{rx})").fullmatch if rx else None
    is_enum = nature == "Enumeration" and codes is not None
    return FieldSpec(
        rubrique,
        name,
        datatype,
        nature,
        lens[0],
        lens[1],
        pattern,
        frozenset(codes) if is_enum and codes else None,
        nature == "Date",
    )


@cache
def load(version: str) -> Norm:
    """The norm of `version` (one of KNOWN_VERSIONS), built once per process."""
    if version not in KNOWN_VERSIONS:
        raise ValueError(version)
    blocks, field_rows, base_enums, mandatory = _base_tables()
    enums = {rubrique: set(codes) for rubrique, codes in base_enums.items()}
    extra_rows: list[tuple[str, tuple[str, str, str, int, int, str]]] = []
    for addition in LATER_ADDITIONS:
        if addition.version > version:
            continue
        if addition.spec is not None:
            extra_rows.append((addition.rubrique, addition.spec))
        if addition.code is not None:
            enums.setdefault(addition.rubrique, set()).add(addition.code)
    fields: dict[str, FieldSpec] = {}
    for row in field_rows:
        rubrique = row["rubrique"]
        fields[rubrique] = _spec(
            rubrique,
            row["name"],
            row["datatype"],
            row["nature"],
            (int(row["min_len"]), int(row["max_len"])),
            row["regexp"],
            enums.get(rubrique),
        )
    for rubrique, (name, datatype, nature, low, high, rx) in extra_rows:
        fields[rubrique] = _spec(
            rubrique, name, datatype, nature, (low, high), rx, enums.get(rubrique)
        )
    # The version itself is checked by `resolve`, against KNOWN_VERSIONS, not the P24V01 list.
    fields["S10.G00.00.006"].codes = None
    return Norm(version, fields, blocks, mandatory)


def resolve(declared: str | None) -> tuple[Norm, bool]:
    """The norm to check a file of version `declared` against, and whether it is exact.

    An unknown version is checked against the nearest known one (by year, then version)."""
    if declared in KNOWN_VERSIONS:
        return load(declared), True
    match = _VERSION_RE.fullmatch(declared or "")
    if match is None:
        return load(KNOWN_VERSIONS[-1]), False
    wanted = int(match[1]) * 100 + int(match[2])

    def distance(known: str) -> tuple[int, int]:
        found = _VERSION_RE.fullmatch(known)
        assert found is not None
        value = int(found[1]) * 100 + int(found[2])
        return abs(value - wanted), -value

    return load(min(KNOWN_VERSIONS, key=distance)), False


def is_service(rubrique: str) -> bool:
    """A concentrator's service rubrique (kept, not checked): S10.G00.95.*, S20.G00.96.*, .9xx…"""
    block = rubrique[:10]
    return (
        block in SERVICE_BLOCKS
        or block in ENVELOPE_BLOCKS
        or rubrique[11:12] == "9"
        or rubrique in SERVICE_RUBRIQUES
    )
