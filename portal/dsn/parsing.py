"""Read a DSN file: bytes in, events out, memory flat whatever the size. Pure: no ORM, no clock.

    for event in events(stream): ...   # EnvoiStarted, DeclarationStarted, Individual, Finding…
    document = parse(stream)           # the same, gathered into a DsnDocument (small files, tests)

The file is read in chunks of 1 MiB and split into lines (CRLF or LF; blank lines and trailing
blanks skipped; a BOM dropped). Each line is decoded as UTF-8 when valid, else as ISO-8859-1
(the norm's encoding). A record is `<rubrique>,'<value>'`; the value runs to the last apostrophe
of the line (values are not escaped, dsn.md §1.1). The block hierarchy is rebuilt as dsn.md §1.3
says: a new occurrence of a block starts when the block id changes or the rubrique number does
not increase; its parent is the open occurrence of its parent block (from the norm's tables),
and opening it closes every open block below that parent. Values are checked against the norm
of the envoi (`S10.G00.00.006`; an unknown version against the nearest table, with a warning).

Every problem is a `Finding` (errors.py). The only exception raised on a broken file is
`DsnRefused`, carrying the findings, when one of them is fatal (empty, binary, not a DSN,
truncated, wrong S90 totals); it comes after the last event of the file, or as soon as the file
is recognised as binary or not a DSN.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from portal.dsn import norm as norms
from portal.dsn.errors import DsnRefused, Finding, FindingCode, Severity
from portal.dsn.model import (
    Adhesion,
    Affiliation,
    Contract,
    ContractEnd,
    Declaration,
    Dependant,
    DsnDocument,
    Employer,
    Envoi,
    Individual,
    Record,
    Summary,
)

CHUNK = 1 << 20
MAX_LINE = 256  # CT §3.4: a record is at most 256 characters
MAX_PENDING = 1 << 16  # bytes without a line end: not a DSN text file
MAX_FINDINGS = 10_000  # detailed; the others are counted
SNIFF_LINES = 10  # non-blank lines read before deciding that a file is not a DSN
BOM = b"\xef\xbb\xbf"
_KEY_RE = re.compile(r"S\d{2}\.G\d{2}\.\d{2}\.\d{3}")
_LOOSE_RE = re.compile(r"\s*(S\d{2}\.G\d{2}\.\d{2}\.\d{3})\s*,\s*'(.*)'\s*")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class EnvoiStarted:
    envoi: Envoi  # its S10 rubriques are read; the S90 total is not


@dataclass(frozen=True, slots=True)
class DeclarationStarted:
    declaration: Declaration  # header, employer and adhésions read; individuals follow


@dataclass(frozen=True, slots=True)
class DeclarationEnded:
    declaration: Declaration


@dataclass(frozen=True, slots=True)
class EnvoiEnded:
    envoi: Envoi  # S90 read and checked


@dataclass(frozen=True, slots=True)
class EnvelopeRead:
    record: Record  # S05/S06/S95/S96 of the concentrator


@dataclass(frozen=True, slots=True)
class FileEnded:
    summary: Summary


Event = (
    EnvoiStarted
    | DeclarationStarted
    | Individual
    | DeclarationEnded
    | EnvoiEnded
    | EnvelopeRead
    | Finding
    | FileEnded
)


class _Occurrence:
    """An open block occurrence while reading."""

    __slots__ = ("code", "counts", "fields", "last_child", "line", "obj")

    def __init__(self, code: str, line: int, fields: dict[str, str], obj: object) -> None:
        self.code = code
        self.line = line
        self.fields = fields
        self.obj = obj
        self.counts: dict[str, int] = {}
        self.last_child = ""


# Blocks whose rubriques land in the typed model; the others are checked, then dropped.
_ENVOI_BLOCKS = frozenset({"S10.G00.00", "S10.G00.01", "S10.G00.02", "S10.G00.95", "S90.G00.90"})
_DECLARATION_BLOCKS = frozenset({"S20.G00.05", "S20.G00.96"})
_EMPLOYER_BLOCKS = frozenset({"S21.G00.06", "S21.G00.11"})


class _Reader:
    def __init__(self) -> None:
        self.norm, _ = norms.resolve(norms.BASE_VERSION)
        self.fields_get = self.norm.fields.get
        self.out: list[Event] = []
        self.findings: list[Finding] = []
        self.finding_count = 0
        self.stack: list[_Occurrence] = []
        self.root_counts: dict[str, int] = {}
        self.envelope: list[Record] = []
        self.envoi: Envoi | None = None
        self.envoi_open = False  # from S10.G00.00 to the close of S90
        self.envoi_first_record = 0
        self.declaration: Declaration | None = None
        self.declaration_started = False
        self.individual: Individual | None = None
        self.records = 0
        self.number = 0
        self.lot_open = False
        self.utf8_lines = 0
        self.latin1_lines = 0
        self.mixed_reported = False
        self.bom = False
        self.refused = False
        self.scratch_lines: dict[str, int] = {}  # lines of the blocks not kept (bounded by ids)

    # Findings ------------------------------------------------------------------------------

    def report(
        self,
        code: FindingCode,
        line: int | None,
        rubrique: str | None = None,
        value: str | None = None,
        **context: object,
    ) -> None:
        self.finding_count += 1
        severity = code.severity
        if severity is Severity.FATAL:
            self.refused = True
        elif self.finding_count > MAX_FINDINGS:
            if self.finding_count == MAX_FINDINGS + 1:
                self._store(Finding.of(FindingCode.TOO_MANY_FINDINGS, line, limit=MAX_FINDINGS))
            return
        self._store(Finding.of(code, line, rubrique, value, **context))

    def _store(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.out.append(finding)
        if self.declaration is not None:
            self.declaration.findings.append(finding)
        elif self.envoi is not None and self.envoi_open:
            self.envoi.findings.append(finding)

    # Reading -------------------------------------------------------------------------------

    def chunks(self, stream: BinaryIO) -> Iterator[list[bytes]]:
        read = stream.read
        rest = b""
        first = True
        while True:
            data = read(CHUNK)
            if not data:
                break
            if first:
                first = False
                if data.startswith(BOM):
                    self.bom = True
                    data = data[3:]
            if rest:
                data = rest + data
            parts = data.split(b"\n")
            rest = parts.pop()
            if len(rest) > MAX_PENDING:
                yield parts
                self.fatal_unreadable(self.number + 1, rest[:64])
            yield parts
        if rest:
            yield [rest]

    def fatal_unreadable(self, line: int, raw: bytes) -> None:
        binary = b"\x00" in raw or _CONTROL_RE.search(raw.decode("latin-1")) is not None
        code = FindingCode.BINARY_FILE if binary else FindingCode.NOT_A_DSN
        self.report(code, line)
        raise DsnRefused(self.findings)

    def run(self, stream: BinaryIO) -> Iterator[Event]:  # noqa: C901 (the hot loop, inlined)
        out = self.out
        fields_get = self.fields_get
        check = self.norm.check
        is_service = norms.is_service
        report = self.report
        cur_code = ""
        cur_rub = ""
        cur_fields: dict[str, str] | None = None
        cur_lines: dict[str, int] | None = None
        cur_known = True
        number = 0
        records = 0
        bad_lines = 0
        for parts in self.chunks(stream):
            for raw in parts:
                number += 1
                line = raw.rstrip()
                if not line:
                    continue
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    text = line.decode("latin-1")
                    self.latin1_lines += 1
                    if self.utf8_lines and not self.mixed_reported:
                        self.mixed_reported = True
                        report(FindingCode.MIXED_ENCODINGS, number)
                else:
                    if not line.isascii():
                        self.utf8_lines += 1
                        if "\ufffd" in text:
                            report(FindingCode.BROKEN_ACCENTS, number, text[:14], text[16:-1])
                        if self.latin1_lines and not self.mixed_reported:
                            self.mixed_reported = True
                            report(FindingCode.MIXED_ENCODINGS, number)
                if len(text) > 16 and text[14] == "," and text[15] == "'" and text[-1] == "'":
                    key = text[:14]
                    value = text[16:-1]
                    spec = fields_get(key)
                    if spec is None and _KEY_RE.fullmatch(key) is None:
                        key = ""
                else:
                    match = _LOOSE_RE.fullmatch(text)
                    if match is None:
                        key = ""
                    else:
                        key, value = match[1], match[2]
                        spec = fields_get(key)
                if not key:
                    bad_lines += 1
                    if not records:
                        if b"\x00" in line or _CONTROL_RE.search(text):
                            self.number = number
                            self.fatal_unreadable(number, line)
                        if bad_lines >= SNIFF_LINES:
                            self.number = number
                            self.fatal_unreadable(number, line)
                    report(FindingCode.LINE_SYNTAX, number, None, text[:MAX_LINE])
                    if out:
                        yield from out
                        out.clear()
                    continue
                if len(text) > MAX_LINE:
                    report(FindingCode.LINE_TOO_LONG, number, key, value, length=len(text))
                code = key[:10]
                rub = key[11:]
                if code != cur_code or rub <= cur_rub:
                    if code == cur_code:
                        self.check_restart(code, rub, number, key, value)
                    self.records = records
                    self.number = number
                    cur_fields, cur_lines, cur_known = self.open(code, number)
                    cur_code = code
                    fields_get = self.fields_get
                    check = self.norm.check
                cur_rub = rub
                records += 1
                if "'" in value:
                    if "''" in value:
                        value = value.replace("''", "'")
                        report(FindingCode.DOUBLED_APOSTROPHE, number, key, value)
                    else:
                        report(FindingCode.APOSTROPHE_IN_VALUE, number, key, value)
                if not value:
                    report(FindingCode.EMPTY_VALUE, number, key, value)
                    continue
                if spec is not None:
                    if value not in spec.valid:
                        problem = check(spec, value)
                        if problem is not None:
                            report(problem[0], number, key, value, **problem[1])
                elif cur_known and not is_service(key):
                    report(FindingCode.UNKNOWN_RUBRIQUE, number, key, value, version=self.norm.version)
                if cur_fields is not None:
                    cur_fields[key] = value
                    cur_lines[key] = number  # type: ignore[index]
                if out:
                    yield from out
                    out.clear()
        self.records = records
        self.number = number
        self.finish()
        yield from out
        out.clear()
        if self.refused:
            raise DsnRefused(self.findings)

    # Structure -----------------------------------------------------------------------------

    def check_restart(self, code: str, rub: str, line: int, key: str, value: str) -> None:
        """A block repeated right after itself must restart at its first mandatory rubrique:
        otherwise its rubriques are out of order (e.g. 73.007 then 73.006)."""
        nature = self.declaration.nature if self.declaration is not None else "01"
        required = self.norm.mandatory.get(nature or "", {}).get(code, ())
        if required and rub > required[0]:
            self.report(FindingCode.RUBRIQUE_OUT_OF_ORDER, line, key, value, block=code)

    def open(self, code: str, line: int) -> tuple[dict[str, str] | None, dict[str, int] | None, bool]:
        """A new occurrence of `code` starts at `line`: close what it ends, attach it."""
        spec = self.norm.blocks.get(code)
        if spec is None:
            self.report(FindingCode.UNKNOWN_BLOCK, line, code, block=code, version=self.norm.version)
            return None, None, False
        stack = self.stack
        parent_code = spec.parent
        if parent_code is None:
            while stack:
                self.close(stack.pop())
            return self.open_root(code, line)
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth].code == parent_code:
                break
        else:
            self.report(
                FindingCode.ORPHAN_BLOCK, line, code, block=code, parent=parent_code
            )
            return None, None, True
        while len(stack) > depth + 1:
            self.close(stack.pop())
        parent = stack[depth]
        count = parent.counts.get(code, 0)
        if count and parent.last_child != code:
            self.report(FindingCode.BLOCK_OUT_OF_ORDER, line, code, block=code)
        elif spec.maximum is not None and count >= spec.maximum:
            self.report(FindingCode.BLOCK_REPEATED, line, code, block=code, maximum=spec.maximum)
        parent.counts[code] = count + 1
        parent.last_child = code
        occurrence = self.attach(code, line, parent)
        stack.append(occurrence)
        if occurrence.obj is None:
            return occurrence.fields, self.scratch_lines, True
        record = occurrence.obj
        assert isinstance(record, Record)
        return occurrence.fields, record.lines, True

    def open_root(self, code: str, line: int) -> tuple[dict[str, str], dict[str, int] | None, bool]:
        if self.envoi_open and code != "S90.G00.90":
            self.end_envoi(line, total_missing=True)
        if code == "S10.G00.00":
            envoi = Envoi(code, line, checked_version=self.norm.version)
            self.envoi = envoi
            self.envoi_open = True
            self.envoi_first_record = self.records
            occurrence = _Occurrence(code, line, envoi.fields, envoi)
        elif code == "S90.G00.90":
            if self.envoi is None or not self.envoi_open:
                self.report(FindingCode.ORPHAN_BLOCK, line, code, block=code, parent="S10.G00.00")
                return {}, None, True
            occurrence = _Occurrence(code, line, self.envoi.fields, self.envoi)
        else:  # the concentrator's envelope
            record = Record(code, line)
            self.envelope.append(record)
            if code == "S05.G51.00":
                self.lot_open = True
            elif code == "S95.G51.00":
                self.lot_open = False
            self.out.append(EnvelopeRead(record))
            occurrence = _Occurrence(code, line, record.fields, record)
        self.stack.append(occurrence)
        obj = occurrence.obj
        assert isinstance(obj, Record)
        return occurrence.fields, obj.lines, True

    def attach(self, code: str, line: int, parent: _Occurrence) -> _Occurrence:
        """The occurrence of `code`, its typed object linked to its parent's (or dropped)."""
        above = parent.obj
        if code in _ENVOI_BLOCKS:
            assert self.envoi is not None
            return _Occurrence(code, line, self.envoi.fields, self.envoi)
        if code == "S20.G00.05":
            self.start_declaration(line)
            assert self.declaration is not None
            return _Occurrence(code, line, self.declaration.fields, self.declaration)
        if code in _DECLARATION_BLOCKS and isinstance(above, Declaration):
            return _Occurrence(code, line, above.fields, above)
        if code == "S21.G00.06" and isinstance(above, Declaration):
            above.employer = Employer(code, line)
            return _Occurrence(code, line, above.employer.fields, above.employer)
        if code == "S21.G00.11" and isinstance(above, Employer):
            return _Occurrence(code, line, above.fields, above)
        record: Record
        if code == "S21.G00.15" and self.declaration is not None:
            record = Adhesion(code, line)
            self.declaration.adhesions.append(record)
        elif code == "S21.G00.16" and isinstance(above, Adhesion):
            record = Record(code, line)
            above.changes.append(record)
        elif code == "S21.G00.30" and self.declaration is not None:
            if not self.declaration_started:
                self.declaration_started = True
                self.out.append(DeclarationStarted(self.declaration))
            record = self.individual = Individual(code, line)
        elif code == "S21.G00.31" and isinstance(above, Individual):
            record = Record(code, line)
            above.changes.append(record)
        elif code == "S21.G00.40" and isinstance(above, Individual):
            record = Contract(code, line)
            above.contracts.append(record)
        elif code == "S21.G00.41" and isinstance(above, Contract):
            record = Record(code, line)
            above.changes.append(record)
        elif code == "S21.G00.62" and isinstance(above, Contract):
            record = above.end = ContractEnd(code, line)
        elif code == "S21.G00.70" and isinstance(above, Contract):
            record = Affiliation(code, line)
            above.affiliations.append(record)
        elif code == "S21.G00.73" and isinstance(above, Affiliation):
            record = Dependant(code, line)
            above.dependants.append(record)
        else:
            return _Occurrence(code, line, {}, None)
        return _Occurrence(code, line, record.fields, record)

    def close(self, occurrence: _Occurrence) -> None:
        code = occurrence.code
        nature = "01" if code[:3] == "S10" or self.declaration is None else self.declaration.nature
        required = self.norm.mandatory.get(nature or "", {}).get(code, ())
        fields = occurrence.fields
        for number in required:
            rubrique = f"{code}.{number}"
            if rubrique not in fields:
                spec = self.norm.fields.get(rubrique)
                self.report(
                    FindingCode.MISSING_RUBRIQUE,
                    occurrence.line,
                    rubrique,
                    missing=rubrique,
                    name=spec.name if spec else "",
                )
        for child in norms.REQUIRED_CHILDREN.get(code, ()):
            if child not in occurrence.counts:
                self.report(
                    FindingCode.MISSING_BLOCK,
                    occurrence.line,
                    child,
                    block=child,
                    name=self.norm.blocks[child].name,
                    parent=code,
                )
        if code == "S10.G00.00":
            self.resolve_norm(occurrence.line)
        elif code == "S21.G00.30" and self.declaration is not None:
            individual = occurrence.obj
            assert isinstance(individual, Individual)
            self.declaration.individual_count += 1
            self.individual = None
            self.out.append(individual)
        elif code == "S20.G00.05":
            self.end_declaration()
        elif code == "S90.G00.90":
            self.end_envoi(occurrence.line, total_missing=False)

    def resolve_norm(self, line: int) -> None:
        envoi = self.envoi
        assert envoi is not None
        declared = envoi.fields.get("S10.G00.00.006")
        self.norm, exact = norms.resolve(declared)
        self.fields_get = self.norm.fields.get
        envoi.declared_version = declared
        envoi.checked_version = self.norm.version
        envoi.exact_version = exact
        if declared is None:
            self.report(FindingCode.MISSING_NORM_VERSION, line, "S10.G00.00.006", None,
                        version=self.norm.version)  # fmt: skip
        elif not exact:
            self.report(
                FindingCode.UNKNOWN_NORM_VERSION,
                envoi.lines.get("S10.G00.00.006", line),
                "S10.G00.00.006",
                declared,
                declared=declared,
                version=self.norm.version,
            )

    def start_declaration(self, line: int) -> None:
        envoi = self.envoi
        assert envoi is not None
        if envoi.declaration_count == 0:
            self.out.append(EnvoiStarted(envoi))
        envoi.declaration_count += 1
        self.declaration = Declaration("S20.G00.05", line)
        self.declaration_started = False

    def end_declaration(self) -> None:
        declaration = self.declaration
        if declaration is None:
            return
        if not self.declaration_started:
            self.out.append(DeclarationStarted(declaration))
        declaration.last_line = self.number - 1
        self.out.append(DeclarationEnded(declaration))
        self.declaration = None
        self.individual = None

    def end_envoi(self, line: int, *, total_missing: bool) -> None:
        envoi = self.envoi
        assert envoi is not None
        self.envoi_open = False
        envoi.rubrique_count = self.records - self.envoi_first_record
        if total_missing:
            self.report(FindingCode.MISSING_TOTAL, line)
        else:
            self.check_totals(envoi)
        self.out.append(EnvoiEnded(envoi))

    def check_totals(self, envoi: Envoi) -> None:
        for rubrique, actual, code in (
            ("S90.G00.90.001", envoi.rubrique_count, FindingCode.TOTAL_RUBRIQUES),
            ("S90.G00.90.002", envoi.declaration_count, FindingCode.TOTAL_DECLARATIONS),
        ):
            value = envoi.fields.get(rubrique)
            if value is None or not value.isdigit():
                continue  # reported as a missing rubrique or a bad value
            if int(value) != actual:
                self.report(code, envoi.lines.get(rubrique), rubrique, value,
                            expected=int(value), actual=actual)  # fmt: skip

    def finish(self) -> None:
        if not self.records:
            if not self.finding_count:
                self.report(FindingCode.EMPTY_FILE, None)
            else:
                self.report(FindingCode.NOT_A_DSN, None)
            return
        while self.stack:
            self.close(self.stack.pop())
        if self.envoi_open:
            self.envoi_open = False
            self.report(FindingCode.TRUNCATED, self.number)
            assert self.envoi is not None
            self.out.append(EnvoiEnded(self.envoi))
        elif self.lot_open:
            self.report(FindingCode.TRUNCATED, self.number)
        elif self.envoi is None:
            self.report(FindingCode.NOT_A_DSN, None)
        self.out.append(FileEnded(self.summary()))

    def summary(self) -> Summary:
        if self.utf8_lines and self.latin1_lines:
            encoding = "mixte"
        elif self.latin1_lines:
            encoding = "iso-8859-1"
        elif self.utf8_lines or self.bom:
            encoding = "utf-8"
        else:
            encoding = "ascii"
        return Summary(encoding, self.bom, self.number, self.records, self.finding_count,
                       self.refused)  # fmt: skip


def _stream(source: BinaryIO | bytes | bytearray | memoryview) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    return source


def events(source: BinaryIO | bytes | bytearray | memoryview) -> Iterator[Event]:
    """The file's events in order. Raises only `DsnRefused`, once the file is refused."""
    yield from _Reader().run(_stream(source))


def parse(source: BinaryIO | bytes | bytearray | memoryview) -> DsnDocument:
    """The whole file as a DsnDocument (individuals kept in memory: for tests and small files;
    the intake of large files walks `events`). Raises only `DsnRefused`."""
    envelope: list = []
    envois: list[Envoi] = []
    findings: list[Finding] = []
    summary = Summary("ascii", False, 0, 0, 0, False)
    declaration: Declaration | None = None
    for event in events(source):
        if isinstance(event, Finding):
            findings.append(event)
        elif isinstance(event, Individual):
            if declaration is not None:
                declaration.individuals.append(event)
        elif isinstance(event, DeclarationStarted):
            declaration = event.declaration
            if envois:
                envois[-1].declarations.append(declaration)
        elif isinstance(event, DeclarationEnded):
            declaration = None
        elif isinstance(event, EnvoiStarted):
            envois.append(event.envoi)
        elif isinstance(event, EnvoiEnded):
            if not envois or envois[-1] is not event.envoi:
                envois.append(event.envoi)
        elif isinstance(event, EnvelopeRead):
            envelope.append(event.record)
        elif isinstance(event, FileEnded):
            summary = event.summary
    return DsnDocument(summary, envelope, envois, findings)


def refusal(source: BinaryIO | bytes | bytearray | memoryview) -> tuple[Finding, ...] | None:
    """The findings if the file is refused, else None: a quick check before an intake."""
    try:
        for _ in events(source):
            pass
    except DsnRefused as refused:
        return refused.findings
    return None


__all__ = [
    "DeclarationEnded",
    "DeclarationStarted",
    "DsnRefused",
    "EnvelopeRead",
    "EnvoiEnded",
    "EnvoiStarted",
    "Event",
    "FileEnded",
    "Finding",
    "events",
    "parse",
    "refusal",
]
