"""Reading an uploaded employee file (xlsx, xls, ods, csv) into rows of plain values, and writing
the rejection file.

The file layer only: it refuses a file that cannot be read as the template (`FileRefused`,
before any row is returned) and converts cells (dates, NIR, postal code, Oui/Non); business
rules stay in `portal.enrollment.declarations`. Refusal codes and their messages are
`portal.imports.errors.ImportFileError`'s.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from portal.core.addresses import afnor_line
from portal.core.errors import Problem
from portal.core.nir import normalise_nir
from portal.imports.columns import (
    COLUMNS,
    DATA_SHEET,
    ERRORS_HEADER,
    HEADERS,
    TEMPLATE_VERSION,
    VERSION_SHEET,
    Column,
)
from portal.imports.errors import ImportFileError
from portal.imports.templates import CellValue, write_workbook

ACCEPTED_EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# Excel saves a password-protected .xlsx as an OLE container holding this stream (MS-OFFCRYPTO).
ENCRYPTED_STREAM = "EncryptedPackage"
# Zip bombs: the directory's sizes are binding (the zip reader stops past a declared size).
UNCOMPRESSED_FACTOR = 20
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # spreadsheets compress 5 to 40 times; deflate tops out near 1,000
RATIO_CHECK_FROM_BYTES = 10 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
MAX_MANIFEST_BYTES = 1024 * 1024
EXCEL_EPOCH = date(1899, 12, 30)  # 1900 date system, after Excel's fictitious 29/02/1900
MAX_SERIAL = 100_000
MIN_YEAR, MAX_YEAR = 1900, 2100

RawCell = object
# Columns whose values repeat (civility, dates, city, Oui/Non…) convert each distinct cell once
# and share the resulting objects: on 100,000 rows this saves time and tens of megabytes.
_UNIQUE_KEYS = frozenset({"last_name", "nir", "email", "employee_number", "street_name"})
_MEMO_TYPES = frozenset({str, date})
MEMO_SIZE = 20_000
Converted = tuple[object, str]
Converter = Callable[[RawCell], Converted]
Rows = Iterator[tuple[int, list[RawCell]]]  # (spreadsheet row number, cells)
RowSource = Callable[[], Rows]  # reads the rows again from the start at each call
MergedRanges = list[tuple[tuple[int, int], tuple[int, int]]]  # 0-based corners


class FileRefused(Exception):
    """The whole file is refused. `code` is stable; `message` says, in French, what to do."""

    def __init__(self, code: ImportFileError, **params: object) -> None:
        self.code = code
        self.message = code.text(**params)
        super().__init__(self.message)


@dataclass(slots=True)
class ParsedRow:
    number: int  # the spreadsheet row number, header = 1
    values: dict[str, object]  # key -> str | date | bool | None
    raw: dict[str, str]  # key -> original text as the user typed it, for the rejection file
    problems: list[Problem] = field(default_factory=list)


def open_file(data: bytes, filename: str, *, max_rows: int, max_bytes: int) -> EmployeeFile:
    """The file, checked as a whole (FileRefused if it cannot be read as the template) and
    ready to give its employees' rows (`EmployeeFile.rows`)."""
    basename = filename.replace("\\", "/").rsplit("/", 1)[-1]
    extension = "." + basename.rsplit(".", 1)[-1].lower() if "." in basename else ""
    name = basename if len(basename) <= 100 else basename[:90] + "…" + extension
    if extension not in ACCEPTED_EXTENSIONS:
        raise FileRefused(ImportFileError.EXTENSION_REFUSED, name=name)
    if not data:
        raise FileRefused(ImportFileError.EMPTY_FILE, name=name)
    if len(data) > max_bytes:
        raise FileRefused(
            ImportFileError.TOO_LARGE,
            name=name,
            size=_megabytes(len(data)),
            limit=_megabytes(max_bytes),
        )
    if extension == ".csv":
        rows = _csv_rows(data, name, extension)
        merged: MergedRanges = []
    else:
        rows, merged = _workbook_rows(data, name, extension, max_bytes)
    return EmployeeFile(rows, merged, name, max_rows=max_rows)


def write_rejection_xlsx(rows: Iterable[tuple[dict[str, str], list[str]]]) -> bytes:
    """The template holding only the given rows, as typed (`ParsedRow.raw`), with an "Erreurs"
    column listing every problem of the row; once corrected it re-imports as is."""
    return write_workbook(
        (_rejected_line(raw, problems) for raw, problems in rows), errors_column=True
    )


def _rejected_line(raw: dict[str, str], problems: list[str]) -> list[CellValue]:
    line: list[CellValue] = []
    for column in COLUMNS:
        text = raw.get(column.key, "")
        # A date shown as jj/mm/aaaa goes back as a real date (it reads back as the same text).
        line.append(_strict_date(text) if column.kind == "date" else text)
    line.append(" ; ".join(problems))
    return line


def _strict_date(text: str) -> CellValue:
    match = _DAY_FIRST_STRICT_RE.match(text)
    if match is None:
        return text
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return text


# --- file level -------------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",")


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def _refuse_content(name: str, extension: str, hint: str = "") -> FileRefused:
    return FileRefused(ImportFileError.CONTENT_MISMATCH, name=name, extension=extension, hint=hint)


def _refuse_unreadable(name: str) -> FileRefused:
    return FileRefused(ImportFileError.UNREADABLE, name=name)


def _refuse_password(name: str) -> FileRefused:
    return FileRefused(ImportFileError.PASSWORD_PROTECTED, name=name)


def _is_encrypted_ole(data: bytes) -> bool:
    # OLE directory entries hold stream names in UTF-16LE.
    return ENCRYPTED_STREAM.encode("utf-16-le") in data or ENCRYPTED_STREAM.encode("ascii") in data


def _workbook_rows(
    data: bytes, name: str, extension: str, max_bytes: int
) -> tuple[RowSource, MergedRanges]:
    if extension == ".xls":
        if data.startswith(ZIP_MAGIC):
            raise _refuse_content(name, extension, " (c'est un classeur .xlsx ou .ods)")
        if not data.startswith(OLE_MAGIC):
            raise _refuse_content(name, extension)
        if _is_encrypted_ole(data):
            raise _refuse_password(name)
    else:
        if data.startswith(OLE_MAGIC):
            if _is_encrypted_ole(data):
                raise _refuse_password(name)
            raise _refuse_content(name, extension, " (c'est un classeur Excel 97-2003 .xls)")
        if not data.startswith(ZIP_MAGIC):
            raise _refuse_content(name, extension)
        _check_archive(data, name, extension, max_bytes)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as error:
        raise _refuse_password(name) from error
    except (CalamineError, ValueError, OSError) as error:
        raise _refuse_unreadable(name) from error
    sheet_name = _choose_sheet(workbook, name)
    try:
        _check_version(workbook)
        sheet = workbook.get_sheet_by_name(sheet_name)
    except PasswordError as error:
        raise _refuse_password(name) from error
    except (CalamineError, ValueError, OSError) as error:
        raise _refuse_unreadable(name) from error
    if sheet.start is None:
        return lambda: iter(()), []
    # iter_rows() starts at the first row but at the first non-empty column: pad it back so
    # that cells keep their column.
    padding: list[RawCell] = [""] * sheet.start[1]

    def rows() -> Rows:
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                yield number, [*padding, *cells] if padding else list(cells)
        except (CalamineError, ValueError) as error:
            raise _refuse_unreadable(name) from error

    return rows, sheet.merged_cell_ranges or []


def _check_archive(data: bytes, name: str, extension: str, max_bytes: int) -> None:
    """Refuse zip bombs before any decompression, and zips that are not the announced type."""
    limit = min(UNCOMPRESSED_FACTOR * max_bytes, MAX_UNCOMPRESSED_BYTES)
    bomb = FileRefused(ImportFileError.ZIP_BOMB, name=name, limit=_megabytes(limit))
    # Each member has a central directory header; counting them first keeps a directory of
    # millions of entries from being parsed at all.
    if data.count(b"PK\x01\x02") > MAX_ZIP_MEMBERS:
        raise bomb
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > limit:
                raise bomb
            for member in members:
                ratio_limit = MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
                if member.file_size > RATIO_CHECK_FROM_BYTES and member.file_size > ratio_limit:
                    raise bomb
            names = {member.filename for member in members}
            if extension == ".xlsx" and "xl/workbook.xml" not in names:
                raise _refuse_content(name, extension)
            if extension == ".ods":
                if "content.xml" not in names:
                    raise _refuse_content(name, extension)
                manifest = archive.getinfo("META-INF/manifest.xml")
                if manifest.file_size > MAX_MANIFEST_BYTES:
                    raise _refuse_unreadable(name)
                if b"encryption-data" in archive.read(manifest):
                    raise _refuse_password(name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, OSError) as error:
        raise _refuse_unreadable(name) from error


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _choose_sheet(workbook: CalamineWorkbook, name: str) -> str:
    """The sheet named "Salariés", else the only visible worksheet."""
    worksheets = [s for s in workbook.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
    for sheet in worksheets:
        if _fold(sheet.name) == _fold(DATA_SHEET):
            return sheet.name
    visible = [s.name for s in worksheets if s.visible == SheetVisibleEnum.Visible]
    candidates = visible or [s.name for s in worksheets]
    if not candidates:
        raise _refuse_unreadable(name)
    if len(candidates) > 1:
        names = ", ".join(f"« {sheet} »" for sheet in candidates)
        raise FileRefused(
            ImportFileError.SEVERAL_SHEETS, name=name, sheets=names, data_sheet=DATA_SHEET
        )
    return candidates[0]


def _check_version(workbook: CalamineWorkbook) -> None:
    """A workbook made from our template carries its version on a hidden sheet."""
    for sheet in workbook.sheets_metadata:
        if _fold(sheet.name) != _fold(VERSION_SHEET):
            continue
        if sheet.visible == SheetVisibleEnum.Visible:
            return
        cells = workbook.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False, nrows=1)
        found = str(cells[0][0]).strip() if cells and cells[0] else ""
        if found != TEMPLATE_VERSION:
            raise FileRefused(ImportFileError.OLD_TEMPLATE)
        return


def _csv_rows(data: bytes, name: str, extension: str) -> RowSource:
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise _refuse_content(name, extension, " (c'est un classeur Excel ou OpenDocument)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(ImportFileError.UNREADABLE_UTF16, name=name)
    if b"\x00" in data:
        raise _refuse_content(name, extension, " (ce n'est pas un fichier texte)")
    try:
        # utf-8-sig reads UTF-8 with or without its BOM.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # "CSV (séparateur : point-virgule)" of French Excel
        except UnicodeDecodeError as error:
            raise _refuse_unreadable(name) from error
    first_line = text.partition("\n")[0]
    delimiter = "," if first_line.count(",") > first_line.count(";") else ";"

    def rows() -> Rows:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            # Rows as a spreadsheet numbers them (a quoted cell may span several lines).
            for number, cells in enumerate(reader, start=1):
                yield number, list(cells)
        except csv.Error as error:
            raise _refuse_unreadable(name) from error

    return rows


# --- header -----------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    """Headers compare without surrounding spaces, case, and the " *" of mandatory columns."""
    return _fold(text).removesuffix("*").rstrip()


_EXPECTED_KEYS = [_header_key(header) for header in HEADERS]


def _check_header(cells: Sequence[RawCell]) -> int:
    """Refuse a header row that differs from the template; the number of columns to read."""
    found = [_text_of(cell).strip() for cell in cells]
    while found and not found[-1]:
        found.pop()
    width = len(HEADERS)
    if found and _header_key(found[-1]) == _header_key(ERRORS_HEADER):
        # A corrected rejection file: its last column lists the errors and is ignored.
        width = len(found)
        found.pop()
        while found and not found[-1]:
            found.pop()
    keys = [_header_key(text) for text in found]
    if keys == _EXPECTED_KEYS:
        return max(width, len(HEADERS))
    if not set(keys) & set(_EXPECTED_KEYS):
        first = ", ".join(f"« {header} »" for header in HEADERS[:3])
        raise FileRefused(ImportFileError.HEADER_MISSING, first=first)
    pairs = enumerate(zip(keys, _EXPECTED_KEYS, strict=False))
    index = next((i for i, (a, b) in pairs if a != b), min(len(keys), len(_EXPECTED_KEYS)))
    if index >= len(keys):
        detail = f"Colonne {index + 1} : « {HEADERS[index]} » attendue, colonne absente."
    elif index >= len(HEADERS):
        detail = f"Colonne {index + 1} : aucune colonne attendue, « {found[index]} » trouvée."
    else:
        shown = f"« {found[index]} »" if found[index] else "une cellule vide"
        detail = f"Colonne {index + 1} : « {HEADERS[index]} » attendue, {shown} trouvée."
    if sorted(keys) == sorted(_EXPECTED_KEYS):
        code = ImportFileError.COLUMNS_REORDERED
    elif len(keys) < len(_EXPECTED_KEYS) and set(keys) <= set(_EXPECTED_KEYS):
        code = ImportFileError.COLUMNS_MISSING
    elif len(keys) > len(_EXPECTED_KEYS) and set(_EXPECTED_KEYS) <= set(keys):
        code = ImportFileError.COLUMNS_EXTRA
    else:
        code = ImportFileError.COLUMNS_RENAMED
    raise FileRefused(code, detail=detail)


# --- rows -------------------------------------------------------------------------------------


class EmployeeFile:
    """An accepted file: `count` employees, whose rows are converted as they are read.

    Opening it reads the file once, without converting cells, to refuse it as a whole if
    needed (header, values outside the columns, too many rows) before any row is declared.
    Only the workbook stays in memory, not 100,000 converted rows.
    """

    def __init__(self, source: RowSource, merged: MergedRanges, name: str, *, max_rows: int):
        self._source = source
        self._merged = merged
        rows = source()
        header = next(((number, cells) for number, cells in rows if not _is_empty(cells)), None)
        if header is None:
            raise _refuse_no_rows(name)
        self._header_number, self._width = header[0], _check_header(header[1])
        self.count = 0
        for _ in self._data_rows():
            if self.count >= max_rows:
                raise FileRefused(ImportFileError.TOO_MANY_ROWS, name=name, limit=_count(max_rows))
            self.count += 1
        if not self.count:
            raise _refuse_no_rows(name)

    def _data_rows(self) -> Rows:
        """(number, cells) of the non-empty rows under the header, merges applied."""
        merges = _Merges(self._merged, self._header_number)
        width, count = self._width, len(COLUMNS)
        for number, cells in self._source():
            if number <= self._header_number:
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            elif len(cells) > width:
                _check_no_data_beyond(cells, width, number)
            if number in merges.rows:
                merges.apply(number, cells)
            if not _is_empty(cells, count):
                yield number, cells

    def rows(self, skip: int = 0) -> Iterator[ParsedRow]:
        """One `ParsedRow` per employee, in file order, after the first `skip` ones.

        Values: "" for an empty text cell, None for an empty date or Oui/Non cell and for any
        cell with a problem (its `Problem` says why); civility is "MME" or "M".
        """
        merges = _Merges(self._merged, self._header_number)
        converters: list[tuple[int, str, Converter, Column, dict[object, Converted] | None]] = [
            (i, c.key, _converter(c), c, None if c.key in _UNIQUE_KEYS else {})
            for i, c in enumerate(COLUMNS)
        ]
        for index, (number, cells) in enumerate(self._data_rows()):
            if index < skip:
                continue
            values: dict[str, object] = {}
            raw: dict[str, str] = {}
            problems: list[Problem] = []
            for column_index, key, convert, column, memo in converters:
                cell = cells[column_index]
                try:
                    if memo is None or type(cell) not in _MEMO_TYPES:
                        values[key], raw[key] = convert(cell)
                        continue
                    converted = memo.get(cell)
                    if converted is None:
                        converted = convert(cell)
                        if len(memo) < MEMO_SIZE:
                            memo[cell] = converted
                    values[key], raw[key] = converted
                except _CellError as error:
                    values[key] = None
                    raw[key] = error.raw
                    problems.append(_problem(column, number, error.code, text=error.text))
            if number in merges.wide:
                problems.extend(merges.problems(number))
            _keep_foreign_postal_code(values, raw)
            yield ParsedRow(number, values, raw, problems)


def read_typed(number: int, typed: Mapping[str, str]) -> ParsedRow:
    """A rejected row as corrected in the browser (`typed`: column key -> text), read cell by
    cell exactly as a CSV file's row: the same conversions and the same cell problems, which
    name the row's line in the file."""
    values: dict[str, object] = {}
    raw: dict[str, str] = {}
    problems: list[Problem] = []
    for column in COLUMNS:
        cell = typed.get(column.key, "")
        try:
            values[column.key], raw[column.key] = _converter(column)(cell)
        except _CellError as error:
            values[column.key] = None
            raw[column.key] = error.raw
            problems.append(_problem(column, number, error.code, text=error.text))
    _keep_foreign_postal_code(values, raw)
    return ParsedRow(number, values, raw, problems)


def _refuse_no_rows(name: str) -> FileRefused:
    return FileRefused(ImportFileError.NO_ROWS, name=name)


def _is_empty(cells: Sequence[RawCell], count: int | None = None) -> bool:
    for cell in cells[:count] if count is not None else cells:
        if cell is None or cell == "":
            continue
        if isinstance(cell, str) and not cell.strip():
            continue
        return False
    return True


def _check_no_data_beyond(cells: Sequence[RawCell], width: int, number: int) -> None:
    for index in range(width, len(cells)):
        if not _is_empty(cells[index : index + 1]):
            raise FileRefused(
                ImportFileError.COLUMNS_EXTRA,
                detail=f"Colonne {index + 1}, ligne {number} : une valeur se trouve hors des "
                f"colonnes du modèle (« {_text_of(cells[index])[:40]} »).",
            )


def _problem(column: Column, number: int, code: ImportFileError, **params: str) -> Problem:
    """A cell's problem: about the column's key, its message naming the column and the line."""
    return Problem.of(code, column.key, column=column.header, line=number, **params)


class _Merges:
    """Merged cells: a merge down one column repeats its value on every row it covers (as the
    user sees it); a merge across columns cannot be read and is a problem on its rows."""

    def __init__(self, merged: MergedRanges, header_number: int) -> None:
        self.fills: dict[int, list[tuple[int, int]]] = {}  # row -> (column, source row)
        self.sources: dict[int, list[int]] = {}  # source row -> columns to remember
        self.wide: dict[int, list[tuple[int, int]]] = {}  # row -> (first, last column)
        self.values: dict[tuple[int, int], RawCell] = {}
        for (top, left), (bottom, right) in merged:
            top, bottom = top + 1, bottom + 1
            if left >= len(COLUMNS) or bottom <= header_number:
                continue
            if right > left:
                for number in range(max(top, header_number + 1), bottom + 1):
                    self.wide.setdefault(number, []).append((left, min(right, len(COLUMNS) - 1)))
            elif bottom > top:
                self.sources.setdefault(top, []).append(left)
                for number in range(top + 1, bottom + 1):
                    self.fills.setdefault(number, []).append((left, top))
        self.rows = set(self.fills) | set(self.sources) | set(self.wide)

    def apply(self, number: int, cells: list[RawCell]) -> None:
        for column in self.sources.get(number, []):
            self.values[(number, column)] = cells[column]
        for column, source in self.fills.get(number, []):
            cells[column] = self.values.get((source, column), "")

    def problems(self, number: int) -> list[Problem]:
        return [
            _problem(
                COLUMNS[left],
                number,
                ImportFileError.CELL_MERGED,
                last_column=COLUMNS[right].header,
            )
            for left, right in self.wide[number]
        ]


def _keep_foreign_postal_code(values: dict[str, object], raw: dict[str, str]) -> None:
    """Zero-padding restores French postal codes whose leading zero the spreadsheet dropped;
    abroad, a 4-digit code is genuine."""
    country = values.get("country")
    foreign = isinstance(country, str) and afnor_line(country) not in ("", "FRANCE")
    if foreign and isinstance(values.get("postal_code"), str):
        values["postal_code"] = raw["postal_code"].strip()


# --- cells ------------------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, raw: str, code: ImportFileError) -> None:
        self.raw = raw
        self.code = code
        self.text = raw.strip()


def _number_text(value: float) -> str:
    """A number as typed: 1850575115123.0 -> "1850575115123" (doubles hold 15 digits)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date_text(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _text_of(value: RawCell) -> str:
    """A cell as the user typed it."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return _date_text(value)
        return f"{_date_text(value)} {value:%H:%M}"
    if isinstance(value, date):
        return _date_text(value)
    return str(value)


def _convert_text(value: RawCell) -> tuple[str, str]:
    if type(value) is str:
        return value.strip(), value
    text = _text_of(value)
    return text.strip(), text


def _padded(width: int) -> Callable[[RawCell], Converted]:
    """Codes whose leading zeros a spreadsheet drops once it takes them for numbers."""

    def convert(value: RawCell) -> Converted:
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = _number_text(value)
            return (text.zfill(width) if text.isdigit() else text), text
        stripped, raw = _convert_text(value)
        if len(stripped) == width - 1 and stripped.isascii() and stripped.isdigit():
            return "0" + stripped, raw
        return stripped, raw

    return convert


_SCIENTIFIC_RE = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")


def _convert_nir(value: RawCell) -> Converted:
    text = _text_of(value)
    stripped = text.strip()
    if _SCIENTIFIC_RE.match(stripped):
        raise _CellError(text, ImportFileError.CELL_NUMBER_TRUNCATED)
    return (normalise_nir(stripped) if stripped else ""), text


_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_FIRST_RE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})" + _TIME + "$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + "$")
_DAY_FIRST_STRICT_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _convert_date(value: RawCell) -> Converted:
    if isinstance(value, datetime):
        day: date | None = value.date()
        text = _text_of(value)
    elif isinstance(value, date):
        day = value
        text = _date_text(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        day = _from_serial(value)
        text = _date_text(day) if day else _number_text(value)
    else:
        text = _text_of(value)
        stripped = text.strip()
        if not stripped:
            return None, text
        day = _parse_date(stripped)
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _CellError(text, ImportFileError.CELL_DATE_INVALID)
    return day, text


def _from_serial(value: float) -> date | None:
    """An Excel serial number (1900 date system) as a date."""
    if not 1 <= value < MAX_SERIAL:
        return None
    days = int(value)
    if days == 60:  # 29/02/1900, which Excel counts but never existed
        return None
    return EXCEL_EPOCH + timedelta(days=days if days > 60 else days + 1)


def _parse_date(text: str) -> date | None:
    match = _DAY_FIRST_RE.match(text)
    if match is not None:
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    else:
        match = _ISO_RE.match(text)
        if match is None:
            return None
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    try:
        return date(year, month, day)
    except ValueError:
        return None


_CIVILITIES = {
    **dict.fromkeys(["madame", "mme", "mme.", "mlle", "mlle.", "mademoiselle"], "MME"),
    **dict.fromkeys(["monsieur", "m", "m.", "mr", "mr."], "M"),
}


def _convert_civility(value: RawCell) -> Converted:
    text = _text_of(value)
    key = text.strip().casefold()
    if not key:
        return "", text
    civility = _CIVILITIES.get(key)
    if civility is None:
        raise _CellError(text, ImportFileError.CELL_CIVILITY_INVALID)
    return civility, text


_YESNO = {
    **dict.fromkeys(["oui", "o", "yes", "y", "1", "true", "vrai"], True),
    **dict.fromkeys(["non", "n", "no", "0", "false", "faux"], False),
}


def _convert_yesno(value: RawCell) -> Converted:
    if isinstance(value, bool):
        return value, _text_of(value)
    text = _text_of(value)
    key = text.strip().casefold()
    if not key:
        return None, text
    answer = _YESNO.get(key)
    if answer is None:
        raise _CellError(text, ImportFileError.CELL_YES_NO_INVALID)
    return answer, text


_CONVERTERS: dict[str, Callable[[RawCell], Converted]] = {
    "civility": _convert_civility,
    "text": _convert_text,
    "date": _convert_date,
    "nir": _convert_nir,
    "postal": _padded(5),
    "yesno": _convert_yesno,
}
# The organisme de rattachement has 9 digits and often starts with 0 (régime général "01").
_KEY_CONVERTERS: dict[str, Callable[[RawCell], Converted]] = {"fund_code": _padded(9)}


def _converter(column: Column) -> Callable[[RawCell], Converted]:
    return _KEY_CONVERTERS.get(column.key) or _CONVERTERS[column.kind]
