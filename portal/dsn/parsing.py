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
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from sys import intern
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

CHUNK = 1 << 16  # 64 KB: a chunk, its text and its lines stay in the CPU caches (faster than 1 MB)
MAX_LINE = 256  # CT §3.4: a record is at most 256 characters
MAX_PENDING = 1 << 16  # bytes without a line end: not a DSN text file
MAX_FINDINGS = 10_000  # detailed; the others are counted
SNIFF_LINES = 10  # non-blank lines read before deciding that a file is not a DSN
BOM = b"\xef\xbb\xbf"
_KEY_RE = re.compile(r"S\d{2}\.G\d{2}\.\d{2}\.\d{3}")
_LOOSE_RE = re.compile(r"\s*(S\d{2}\.G\d{2}\.\d{2}\.\d{3})\s*,\s*'(.*)'\s*")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# A UTF-8 multi-byte sequence: in a file read as ISO-8859-1, the sign of UTF-8 lines.
# Searched in the chunk's non-ASCII bytes only (ISO-8859-1 letters are single bytes from 0xC0,
# rarely followed by a byte from 0x80 to 0xBF): a hit sends the chunk to the line-by-line path.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_ASCII = bytes(range(128))
_NATURE = "S20.G00.05.001"
_REQUIRED_CHILDREN = norms.REQUIRED_CHILDREN


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


def _non_ascii_lines(buffer: bytes) -> Iterator[tuple[int, bytes]]:
    """(start, line) of each line of `buffer` that holds a byte above 0x7F."""
    search = _NON_ASCII.search
    position = 0
    while (match := search(buffer, position)) is not None:
        start = buffer.rfind(b"\n", 0, match.start()) + 1
        end = buffer.find(b"\n", match.start())
        end = len(buffer) if end < 0 else end
        yield start, buffer[start:end]
        position = end + 1


class _Occurrence:
    """An open block occurrence while reading."""

    __slots__ = (
        "code",
        "counts",
        "fields",
        "first",
        "last_child",
        "line",
        "merged",
        "obj",
        "skips",
    )

    def __init__(
        self, code: str, line: int, fields: dict[str, str] | None, obj: Record | None
    ) -> None:
        self.code = code
        self.line = line
        self.fields = fields
        self.obj = obj
        # A merged block's rubriques go to a record opened by another block (S10.G00.01 into
        # the envoi): they are those of the record from index `first` on, their lines noted
        # when it closes (see `Record.extra_lines`). Set by `merged_into()`.
        self.merged = False
        self.first = 0
        self.skips: list[int] | None = None  # see `skip`
        self.counts: dict[str, int] | None = None
        self.last_child = ""

    def skip(self) -> None:
        """A line skipped inside this kept block (see `Record.skips`): the count of rubriques
        before it, noted in the record's skips (this occurrence's own when merged)."""
        assert self.fields is not None and self.obj is not None
        if self.skips is None:
            self.skips = []
            if not self.merged:
                self.obj.skips = self.skips
        self.skips.append(len(self.fields))

    @classmethod
    def merged_into(cls, code: str, line: int, record: Record) -> _Occurrence:
        occurrence = cls(code, line, record.fields, record)
        occurrence.merged = True
        occurrence.first = len(record.fields)
        return occurrence


# Blocks whose rubriques land in the typed model; the others are checked, then dropped.
_ENVOI_BLOCKS = frozenset({"S10.G00.00", "S10.G00.01", "S10.G00.02", "S10.G00.95", "S90.G00.90"})
_DECLARATION_BLOCKS = frozenset({"S20.G00.05", "S20.G00.96"})
_EMPLOYER_BLOCKS = frozenset({"S21.G00.06", "S21.G00.11"})
# What opening a block gives the hot loop: where its rubriques go (None: dropped), its
# occurrence when kept (told of the lines skipped inside it), and whether its rubriques are
# known to the norm.
Opened = tuple[dict[str, str] | None, _Occurrence | None, bool]
_DROPPED: Opened = (None, None, True)
# A dropped block without child blocks nor maximum: its next occurrence right after it changes
# nothing (same shared occurrence on the stack, its presence already counted), so the hot loop
# skips opening it (most of a payroll's blocks: S21.G00.51, .78, .81...). Equal to _DROPPED,
# told apart by identity.
_DROPPED_LEAF: Opened = (None, None, True)
_DROPPED_UNKNOWN: Opened = (None, None, False)
# A block's parent block, its depth (a root is 0), maximum occurrences, attacher, and for a
# block the model drops: its shared occurrence and what opening it gives the hot loop.
BlockInfo = tuple[
    str | None,
    int,
    int | None,
    Callable[[str, int, object], _Occurrence] | None,
    _Occurrence | None,
    Opened,
]
_RECORD_BLOCKS = (
    "S21.G00.15",
    "S21.G00.16",
    "S21.G00.30",
    "S21.G00.31",
    "S21.G00.40",
    "S21.G00.41",
    "S21.G00.62",
    "S21.G00.70",
    "S21.G00.73",
)


class _Reader:
    def __init__(self) -> None:
        self.norm, _ = norms.resolve(norms.BASE_VERSION)
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
        self.number = 0
        self.lines_read = 0  # the physical lines of the chunks read (see `chunks`)
        self.lot_open = False
        self.line_notes: dict[int, list[FindingCode]] = {}
        self.crlf = False  # the first line ends with CRLF: the others are expected to
        self.blank_lines = 0
        self.bad_lines = 0
        self.records_seen = False
        self.utf8_lines = 0
        self.latin1_lines = 0
        self.mixed_reported = False
        self.bom = False
        self.refused = False
        attachers = {code: self.attach_envoi for code in _ENVOI_BLOCKS}
        attachers.update({code: self.attach_declaration for code in _DECLARATION_BLOCKS})
        attachers.update({code: self.attach_employer for code in _EMPLOYER_BLOCKS})
        for code in _RECORD_BLOCKS:
            attachers[code] = self.attach_record
        self.attachers = attachers
        # A dropped block keeps no fields, and is closed without checks: one shared occurrence
        # per code stands for all of them on the stack (a block is never its own ancestor, so
        # at most one occurrence of a code is open), its child counts reset when it reopens.
        # The stack is always the chain of the top block's ancestors (a block opens only when
        # its parent is open, and closes what is above its parent): the occurrence at index i
        # is a block of depth i, and a block's parent, if open, is at its depth - 1.
        blocks = self.norm.blocks
        parents = {spec.parent for spec in blocks.values()}

        def depth(code: str) -> int:
            parent = blocks[code].parent
            return 0 if parent is None else depth(parent) + 1

        self.block_info: dict[str, BlockInfo] = {
            code: (
                spec.parent,
                depth(code),
                spec.maximum,
                attachers.get(code),
                _Occurrence(code, 0, None, None) if code not in attachers else None,
                _DROPPED if spec.maximum is not None or code in parents else _DROPPED_LEAF,
            )
            for code, spec in blocks.items()
        }
        self.required_nature: str | None = None
        self.required_norm: norms.Norm | None = None
        self.required_now: dict[str, tuple[str, ...]] = {}
        self.required_sets: dict[str, frozenset[str]] = {}

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

    def chunks(self, stream: BinaryIO) -> Iterator[list[str]]:
        """The file's lines, a chunk at a time.

        A well-formed line `code,'value'` comes as `code,'value` (its closing apostrophe and
        line end cut by one split of the chunk). A line that does not end so is not split from
        the next one: the hot loop finds the line end in the item and has `careful_items` split
        the rest of the chunk, one item per physical line (each line not well-formed, blank,
        trailing blanks, broken, or noted in `line_notes`, whole behind a NUL marker). A chunk
        with a note is split so from the start. The hot loop keeps `lines_read` up to date: a
        chunk is decoded once the previous one is read, its first line is `lines_read + 1`."""
        read = stream.read
        rest = b""
        first = True
        line_end_known = False
        while True:
            data = read(CHUNK)
            if data:
                if first:
                    first = False
                    if data.startswith(BOM):
                        self.bom = True
                        data = data[3:]
                buffer = rest + data if rest else data
                cut = buffer.rfind(b"\n") + 1
                if not cut:
                    if len(buffer) > MAX_PENDING:
                        self.fatal_unreadable(self.lines_read + 1, buffer[:64])
                    rest = buffer
                    continue
                rest = buffer[cut:]
                buffer = buffer[:cut]
                if not line_end_known:
                    line_end_known = True
                    self.crlf = buffer.find(b"\n") > 0 and buffer[buffer.find(b"\n") - 1] == 13
            elif rest:
                buffer, rest = rest + b"\n", b""
            else:
                return
            text, notes = self.decode(buffer, self.lines_read)
            items = text.split("'\r\n") if self.crlf else text.split("'\n")
            if items[-1] or notes:  # the chunk's last line is not well-formed, or a note
                items = self.careful_items(text)
                for index in notes:
                    if items[index][:1] != "\x00":
                        items[index] = "\x00" + items[index] + "'"
            else:
                items.pop()
            yield items

    def careful_items(self, text: str) -> list[str]:
        """The items of `text` (whole lines, each ending with a line end), one per line."""
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        lines.pop()
        return [line[:-1] if line[-1:] == "'" else "\x00" + line for line in lines]

    def decode(self, buffer: bytes, base: int) -> tuple[str, list[int]]:
        """The chunk's text (UTF-8 when valid, else ISO-8859-1, line by line when mixed) and
        the indexes of its lines that carry a note (broken accents, change of encoding).

        Cheap on the usual files: an ASCII or valid UTF-8 chunk is one decode; an ISO-8859-1
        chunk with no UTF-8 sequence in it (one regex scan) is one decode too."""
        notes: list[int] = []
        if buffer.isascii():
            return buffer.decode("ascii"), notes
        if not self.latin1_lines:
            try:
                text = buffer.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                self.utf8_lines += 1
                if "\ufffd" in text:
                    for start, line in _non_ascii_lines(buffer):
                        if "\ufffd" in line.decode("utf-8"):
                            self.note_line(buffer, start, base, notes, FindingCode.BROKEN_ACCENTS)
                return text, notes
        if _UTF8_SEQUENCE.search(buffer.translate(None, _ASCII)) is None:
            if self.utf8_lines and not self.mixed_reported:
                start, _ = next(_non_ascii_lines(buffer))
                self.note_line(buffer, start, base, notes, FindingCode.MIXED_ENCODINGS)
            self.latin1_lines += 1
            return buffer.decode("latin-1"), notes
        # Lines of both encodings in one chunk: decide line by line.
        lines: list[str] = []
        for raw in buffer.split(b"\n"):
            try:
                decoded = raw.decode("utf-8")
            except UnicodeDecodeError:
                decoded = raw.decode("latin-1")
                self.latin1_lines += 1
                kind_changed = bool(self.utf8_lines)
            else:
                utf8 = not raw.isascii()
                self.utf8_lines += utf8
                kind_changed = utf8 and bool(self.latin1_lines)
                if "\ufffd" in decoded:
                    self.note_index(len(lines), base, notes, FindingCode.BROKEN_ACCENTS)
            if kind_changed and not self.mixed_reported:
                self.note_index(len(lines), base, notes, FindingCode.MIXED_ENCODINGS)
            lines.append(decoded)
        return "\n".join(lines), notes

    def note_line(
        self, buffer: bytes, start: int, base: int, notes: list[int], code: FindingCode
    ) -> None:
        self.note_index(buffer.count(b"\n", 0, start), base, notes, code)

    def note_index(self, index: int, base: int, notes: list[int], code: FindingCode) -> None:
        if code is FindingCode.MIXED_ENCODINGS:
            self.mixed_reported = True
        notes.append(index)
        self.line_notes.setdefault(base + index + 1, []).append(code)

    def fatal_unreadable(self, line: int, raw: bytes) -> None:
        binary = b"\x00" in raw or _CONTROL_RE.search(raw.decode("latin-1")) is not None
        code = FindingCode.BINARY_FILE if binary else FindingCode.NOT_A_DSN
        self.report(code, line)
        raise DsnRefused(self.findings)

    def careful(self, item: str, number: int) -> tuple[str, str] | None:
        """A line off the fast path: its (rubrique, value), or None when it is blank or broken
        (then reported). Value problems are left to the caller."""
        raw = item[1:] if item[:1] == "\x00" else item + "'"
        for code in self.line_notes.pop(number, ()):
            text = raw.rstrip()
            self.report(code, number, text[:14] or None, text[16:-1] or None)
        text = raw.rstrip()
        if not text:
            self.blank_lines += 1
            return None
        if len(text) > 16 and text[14:16] == ",'" and text[-1] == "'":
            key, value = text[:14], text[16:-1]
            if _KEY_RE.fullmatch(key) is not None:
                return key, value
        match = _LOOSE_RE.fullmatch(text)
        if match is not None:
            return match[1], match[2]
        self.bad_lines += 1
        if not self.records_seen:
            if "\x00" in text or _CONTROL_RE.search(text):
                self.fatal_unreadable(number, text.encode("latin-1", "replace"))
            if self.bad_lines >= SNIFF_LINES:
                self.fatal_unreadable(number, text.encode("latin-1", "replace"))
        self.report(FindingCode.LINE_SYNTAX, number, None, text[:MAX_LINE])
        return None

    def run(self, stream: BinaryIO) -> Iterator[Event]:
        """The hot loop. A line already seen valid (`norm.valid_lines`) costs one dict lookup
        and the block comparison (its block code, interned, compared by identity); any other
        line takes the careful path."""
        out = self.out
        norm = self.norm  # changes only when a block opens (the envoi's version is read)
        valid_line = norm.valid_lines.get
        norm_fields = norm.fields
        saturated = norm.saturated
        report = self.report
        open_block = self.open
        cur_key = cur_code = ""
        cur_fields: dict[str, str] | None = None
        cur_kept: _Occurrence | None = None
        cur_known = True
        cur_free = False  # the current block is a `_DROPPED_LEAF`: its repeats open nothing
        number = 0
        for chunk in self.chunks(stream):
            items: list[str] | None = chunk
            while items is not None:  # again from the next line when the norm changes
                start = number + 1  # the line number of items[0]
                switched = resplit = False
                # The lookups run in C (map); a line's text is fetched only when it misses.
                for number, known in enumerate(map(valid_line, items), start):
                    if known:
                        key, value, code = known
                        if code is not cur_code or key <= cur_key:
                            if code is cur_code:  # the block again, from its start
                                self.check_restart(code, number, key, value)
                                if cur_free:
                                    cur_key = key
                                    continue
                            self.number = number
                            opened = open_block(code, number)
                            cur_fields, cur_kept, cur_known = opened
                            cur_free = opened is _DROPPED_LEAF
                            cur_code = code
                            if out:
                                yield from out
                                out.clear()
                            if self.norm is not norm:  # the rest of the chunk: the new memo
                                norm = self.norm
                                valid_line = norm.valid_lines.get
                                norm_fields = norm.fields
                                saturated = norm.saturated
                                switched = True
                                cur_key = key
                                if cur_fields is not None:
                                    cur_fields[key] = value
                                break
                        cur_key = key
                        if cur_fields is not None:
                            cur_fields[key] = value
                        continue
                    item = items[number - start]
                    if "\n" in item:  # a line not ending well: the rest, one item per line
                        separator = "'\r\n" if self.crlf else "'\n"
                        rest = separator.join(items[number - start :]) + separator
                        items = self.careful_items(rest)
                        number -= 1
                        resplit = True
                        break
                    # Off the fast path: a value to check, or a line to read carefully (marked,
                    # broken, or of a rubrique the norm does not know).
                    key = item[:14]
                    spec = norm_fields.get(key)
                    if spec is None or item[14:16] != ",'":
                        found = self.careful(item, number)
                        if found is None:
                            if cur_kept is not None:  # a line skipped inside a kept block
                                cur_kept.skip()
                            if out:
                                yield from out
                                out.clear()
                            continue
                        key, value = found
                        spec = norm_fields.get(key)
                        plain = False
                    else:
                        value = item[16:]
                        plain = True
                    if len(value) > MAX_LINE - 17:
                        report(
                            FindingCode.LINE_TOO_LONG, number, key, value, length=len(value) + 17
                        )
                        plain = False
                    if "'" in value:
                        plain = False
                        if "''" in value:
                            value = value.replace("''", "'")
                            report(FindingCode.DOUBLED_APOSTROPHE, number, key, value)
                        else:
                            report(FindingCode.APOSTROPHE_IN_VALUE, number, key, value)
                    code = key[:10]
                    if code != cur_code or key <= cur_key:
                        code = intern(code)
                        if code is cur_code:
                            self.check_restart(code, number, key, value)
                        self.number = number
                        cur_fields, cur_kept, cur_known = open_block(code, number)
                        cur_free = False
                        cur_code = code
                        if self.norm is not norm:
                            norm = self.norm
                            valid_line = norm.valid_lines.get
                            norm_fields = norm.fields
                            saturated = norm.saturated
                            spec = norm_fields.get(key)
                            switched = True
                    cur_key = key
                    if not value:
                        report(FindingCode.EMPTY_VALUE, number, key, value)
                        if cur_kept is not None:
                            cur_kept.skip()
                    else:
                        if spec is not None:
                            problem = norm.check(spec, value)
                            if problem is not None:
                                report(problem[0], number, key, value, **problem[1])
                            elif plain and key not in saturated:
                                norm.remember(key, item, value)
                        elif cur_known and not norms.is_service(key):
                            report(
                                FindingCode.UNKNOWN_RUBRIQUE,
                                number,
                                key,
                                value,
                                version=norm.version,
                            )
                        if cur_fields is not None:
                            cur_fields[key] = value
                    if out:
                        yield from out
                        out.clear()
                    if switched:
                        break
                if not resplit:
                    items = items[number - start + 1 :] if switched else None
            self.lines_read = number
        self.number = number + 1  # the records counted below are those before this line
        self.finish()
        yield from out
        out.clear()
        if self.refused:
            raise DsnRefused(self.findings)

    # Structure -----------------------------------------------------------------------------

    def records(self) -> int:
        """Records read before the line being processed (`self.number`)."""
        return self.number - 1 - self.blank_lines - self.bad_lines

    def check_restart(self, code: str, line: int, key: str, value: str) -> None:
        """A block repeated right after itself must restart at its first mandatory rubrique:
        otherwise its rubriques are out of order (e.g. 73.007 then 73.006)."""
        required = self.required().get(code)
        if required and key > required[0]:
            self.report(FindingCode.RUBRIQUE_OUT_OF_ORDER, line, key, value, block=code)

    def required(self) -> dict[str, tuple[str, ...]]:
        """The mandatory rubriques per block for the nature being read (S10: any nature)."""
        nature = self.declaration.nature if self.declaration is not None else "01"
        if nature != self.required_nature or self.required_norm is not self.norm:
            self.required_nature = nature
            self.required_norm = self.norm
            self.required_now = self.norm.mandatory.get(nature or "", {})
            self.required_sets = {code: frozenset(r) for code, r in self.required_now.items()}
        return self.required_now

    def open(self, code: str, line: int) -> Opened:
        """A new occurrence of `code` starts at `line`: close what it ends, attach it."""
        info = self.block_info.get(code)
        if info is None:
            self.records_seen = True
            self.report(
                FindingCode.UNKNOWN_BLOCK, line, code, block=code, version=self.norm.version
            )
            return _DROPPED_UNKNOWN
        parent_code, depth, maximum, attach, shared, dropped = info
        stack = self.stack
        if not depth:
            while stack:
                closed = stack.pop()
                if closed.fields is not None:
                    self.close(closed)
            return self.open_root(code, line)
        size = len(stack)
        if size != depth:  # blocks to close first, or no parent open
            if size < depth or stack[depth - 1].code != parent_code:
                self.records_seen = True
                self.report(FindingCode.ORPHAN_BLOCK, line, code, block=code, parent=parent_code)
                return _DROPPED
            while size > depth:
                closed = stack.pop()
                size -= 1
                if closed.fields is not None:  # a dropped block has nothing left to check
                    self.close(closed)
        parent = stack[-1]
        if parent.code != parent_code:
            self.records_seen = True
            self.report(FindingCode.ORPHAN_BLOCK, line, code, block=code, parent=parent_code)
            return _DROPPED
        counts = parent.counts
        if counts is None:
            parent.counts = {code: 1}
        elif code in counts:
            if parent.last_child != code:
                self.report(FindingCode.BLOCK_OUT_OF_ORDER, line, code, block=code)
            elif maximum is not None and counts[code] >= maximum:
                self.report(FindingCode.BLOCK_REPEATED, line, code, block=code, maximum=maximum)
            counts[code] += 1
        else:
            counts[code] = 1
        parent.last_child = code
        if shared is not None:  # a block the model does not keep: checked, then dropped
            stack.append(shared)
            if shared.counts is not None:
                shared.counts = None
                shared.last_child = ""
                return _DROPPED
            return dropped
        assert attach is not None
        occurrence = attach(code, line, parent.obj)
        stack.append(occurrence)
        if occurrence.obj is None:
            return _DROPPED
        return occurrence.fields, occurrence, True

    def open_root(self, code: str, line: int) -> Opened:
        self.records_seen = True
        if self.envoi_open and code != "S90.G00.90":
            self.end_envoi(line, total_missing=True)
        if code == "S10.G00.00":
            envoi = Envoi(code, line)  # checked_version set once S10.G00.00.006 is read
            self.envoi = envoi
            self.envoi_open = True
            self.envoi_first_record = self.records()
            occurrence = _Occurrence(code, line, envoi.fields, envoi)
        elif code == "S90.G00.90":
            if self.envoi is None or not self.envoi_open:
                self.report(FindingCode.ORPHAN_BLOCK, line, code, block=code, parent="S10.G00.00")
                return _DROPPED
            occurrence = self.merged_occurrence(code, line, self.envoi)
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
        return occurrence.fields, occurrence, True

    def attach_envoi(self, code: str, line: int, above: object) -> _Occurrence:
        assert self.envoi is not None
        if not self.envoi.checked_version:
            self.resolve_norm(self.envoi.line)
        return self.merged_occurrence(code, line, self.envoi)

    def attach_declaration(self, code: str, line: int, above: object) -> _Occurrence:
        if self.envoi is not None and not self.envoi.checked_version:
            self.resolve_norm(self.envoi.line)
        if code == "S20.G00.05":
            self.start_declaration(line)
        declaration = self.declaration
        assert declaration is not None
        if code == "S20.G00.05":
            return _Occurrence(code, line, declaration.fields, declaration)
        return self.merged_occurrence(code, line, declaration)

    def attach_employer(self, code: str, line: int, above: object) -> _Occurrence:
        if isinstance(above, Declaration):
            above.employer = Employer(code, line)
            return _Occurrence(code, line, above.employer.fields, above.employer)
        assert isinstance(above, Employer)
        return self.merged_occurrence(code, line, above)

    def merged_occurrence(self, code: str, line: int, record: Record) -> _Occurrence:
        """An occurrence of `code` whose rubriques go to `record` (read live by the intake:
        S21.G00.11's SIRET while the individuals are read). A repeated block (reported) replaces
        the rubriques of the one before."""
        fields = record.fields
        for rubrique in [rubrique for rubrique in fields if rubrique.startswith(code)]:
            del fields[rubrique]
            if record.extra_lines is not None:
                record.extra_lines.pop(rubrique, None)
        return _Occurrence.merged_into(code, line, record)

    def attach_record(self, code: str, line: int, above: object) -> _Occurrence:
        """The typed record of `code`, linked to its parent's."""
        record: Record
        if code == "S21.G00.70":  # the most frequent first
            assert isinstance(above, Contract)
            record = Affiliation(code, line)
            above.affiliations.append(record)
        elif code == "S21.G00.30":
            if not self.declaration_started and self.declaration is not None:
                self.declaration_started = True
                self.out.append(DeclarationStarted(self.declaration))
            record = self.individual = Individual(code, line)
        elif code == "S21.G00.40":
            record = Contract(code, line)
            assert isinstance(above, Individual)
            above.contracts.append(record)
        elif code == "S21.G00.73":
            assert isinstance(above, Affiliation)
            record = Dependant(code, line)
            above.dependants.append(record)
        elif code == "S21.G00.15":
            record = Adhesion(code, line)
            if self.declaration is not None:
                self.declaration.adhesions.append(record)
        elif code == "S21.G00.62":
            assert isinstance(above, Contract)
            record = above.end = ContractEnd(code, line)
        else:  # S21.G00.16, .31, .41: changes of their parent
            assert isinstance(above, Adhesion | Individual | Contract)
            record = Record(code, line)
            above.changes.append(record)
        return _Occurrence(code, line, record.fields, record)

    def close(self, occurrence: _Occurrence) -> None:
        fields = occurrence.fields
        if fields is None:  # not kept: nothing more to check
            return
        if occurrence.merged:
            record = occurrence.obj
            assert record is not None
            first, skips, start = occurrence.first, occurrence.skips or [], occurrence.line
            if record.extra_lines is None:
                record.extra_lines = {}
            extra_lines = record.extra_lines
            for index, rubrique in enumerate(islice(fields, first, None), first):
                extra_lines[rubrique] = start + index - first + bisect_right(skips, index)
        code = occurrence.code
        declaration = self.declaration  # required(), inlined: a close per block occurrence
        nature = declaration.fields.get(_NATURE) if declaration is not None else "01"
        if nature != self.required_nature or self.required_norm is not self.norm:
            self.required()
        needed = self.required_sets.get(code)
        if needed is not None and not fields.keys() >= needed:
            for rubrique in self.required_now[code]:
                if rubrique not in fields:
                    spec = self.norm.fields.get(rubrique)
                    self.report(
                        FindingCode.MISSING_RUBRIQUE,
                        occurrence.line,
                        rubrique,
                        missing=rubrique,
                        name=spec.name if spec else "",
                    )
        for child in _REQUIRED_CHILDREN.get(code, ()):
            if not occurrence.counts or child not in occurrence.counts:
                self.report(
                    FindingCode.MISSING_BLOCK,
                    occurrence.line,
                    child,
                    block=child,
                    name=self.norm.blocks[child].name,
                    parent=code,
                )
        if code == "S10.G00.00" and self.envoi is not None and not self.envoi.checked_version:
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
        envoi.declared_version = declared
        envoi.checked_version = self.norm.version
        envoi.exact_version = exact
        if declared is None:
            self.report(
                FindingCode.MISSING_NORM_VERSION,
                line,
                "S10.G00.00.006",
                None,
                version=self.norm.version,
            )
        elif not exact:
            self.report(
                FindingCode.UNKNOWN_NORM_VERSION,
                envoi.line_of("S10.G00.00.006") or line,
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
        envoi.rubrique_count = self.records() - self.envoi_first_record
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
                self.report(
                    code,
                    envoi.line_of(rubrique),
                    rubrique,
                    value,
                    expected=int(value),
                    actual=actual,
                )

    def finish(self) -> None:
        if not self.records_seen:
            if not self.finding_count:
                self.report(FindingCode.EMPTY_FILE, None)
            else:
                self.report(FindingCode.NOT_A_DSN, None)
            return
        while self.stack:
            self.close(self.stack.pop())
        if self.envoi_open:
            self.envoi_open = False
            self.report(FindingCode.TRUNCATED, self.number - 1)
            assert self.envoi is not None
            self.out.append(EnvoiEnded(self.envoi))
        elif self.lot_open:
            self.report(FindingCode.TRUNCATED, self.number - 1)
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
        return Summary(
            encoding, self.bom, self.number - 1, self.records(), self.finding_count, self.refused
        )


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
    envelope: list[Record] = []
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
