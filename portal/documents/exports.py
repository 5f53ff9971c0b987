"""Spreadsheet exports (CSV and xlsx), streamed, safe against formula injection."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# A cell starting with one of these is read as a formula by spreadsheet software (OWASP
# "CSV injection"): such values are written with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


CSV_BATCH_ROWS = 1000  # rows per streamed chunk: one chunk a row costs more than the rows


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV as French Excel opens it: UTF-8 with BOM, ";" separator, dd/mm/yyyy dates; streamed
    a thousand rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            [v.strftime("%d/%m/%Y") if isinstance(v, date) else safe_cell(v) for v in row]
        )
        if count % CSV_BATCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- xlsx, streamed ---------------------------------------------------------------------------
# No maintained library streams an xlsx: openpyxl (write-only) and XlsxWriter (constant memory)
# write it whole to a file first and spend 5–12 s on 100,000 rows (bench/employer_lists.py). The
# format needs little for a plain table: a zip (the standard library's, which writes to an
# unseekable stream with data descriptors) of five fixed parts and one sheet of inline strings,
# written a batch of rows at a time as the response goes out (ECMA-376 Part 1, §18.3 and §18.8).

XLSX_BATCH_ROWS = 1000
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/></Types>'
)
_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/></Relationships>'
)
# Cell styles: 0 plain, 1 a date (dd/mm/yyyy), 2 bold (the header).
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# XML 1.0 has no place for these; a cell holds at most 32,767 characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_CELL = 32767


def _text(value: str) -> str:
    value = _NOT_XML.sub("", value[:_MAX_CELL])
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, n = "", index + 1
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _cells(values: Iterable[Any], line: int, columns: list[str], style: str = "") -> str:
    """One `<row>`: text as inline strings (never a formula), dates as day numbers in the date
    style, numbers as numbers; None and "" left out (blank)."""
    parts = [f'<row r="{line}">']
    for column, value in zip(columns, values, strict=False):
        if value is None or value == "":
            continue
        kind = value.__class__
        if kind is str:
            parts.append(
                f'<c r="{column}{line}"{style} t="inlineStr"><is><t xml:space="preserve">'
                f"{_text(safe_cell(value))}</t></is></c>"
            )
        elif kind is date or (isinstance(value, date) and not isinstance(value, datetime)):
            parts.append(f'<c r="{column}{line}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>')
        elif kind is bool:
            parts.append(f'<c r="{column}{line}" t="b"><v>{int(value)}</v></c>')
        elif kind in (int, float, Decimal):
            parts.append(f'<c r="{column}{line}"><v>{value}</v></c>')
        else:  # a datetime or anything else: its text
            parts.append(
                f'<c r="{column}{line}" t="inlineStr"><is><t xml:space="preserve">'
                f"{_text(safe_cell(str(value)))}</t></is></c>"
            )
    parts.append("</row>")
    return "".join(parts)


class _Sink:
    """The zip's output: what was written since the last `drain()`. No `tell()`: the zip is
    written for a stream (sizes after each part, in data descriptors)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def xlsx_chunks(header: list[str], rows: Iterable[list[Any]], *, title: str) -> Iterator[bytes]:
    """An xlsx of one sheet, streamed: the bytes of each batch of rows as soon as they are
    compressed, memory flat whatever the number of rows."""
    sink = _Sink()
    name = _SHEET_NAME_FORBIDDEN.sub(" ", title)[:31].strip() or "Feuille1"
    columns = _column_letters(len(header))
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
            f'<sheet name="{_text(name).replace(chr(34), "&quot;")}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                (
                    _HEAD + f'<worksheet xmlns="{_MAIN}"><cols><col min="1" max="{len(header)}" '
                    'width="18" customWidth="1"/></cols><sheetData>'
                    + _cells(header, 1, columns, style=' s="2"')
                ).encode()
            )
            batch: list[str] = []
            for line, row in enumerate(rows, start=2):
                batch.append(_cells(row, line, columns))
                if len(batch) == XLSX_BATCH_ROWS:
                    sheet.write("".join(batch).encode())
                    batch = []
                    yield sink.drain()
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    yield sink.drain()
