"""The spreadsheet writers behind the employee exports: streamed in batches, text kept text."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from portal.documents.exports import CSV_BATCH_ROWS, XLSX_BATCH_ROWS, csv_lines, xlsx_chunks

HEADER = ["Nom", "Matricule", "Date d'effet", "Date de fin"]


def rows(count: int) -> list[list[object]]:
    return [[f"NOM{n}", f"M{n}", date(2026, 1, 1), None] for n in range(count)]


def test_the_csv_streams_a_chunk_per_thousand_rows_and_loses_none() -> None:
    chunks = list(csv_lines(HEADER, rows(2 * CSV_BATCH_ROWS + 1)))

    assert len(chunks) == 3
    lines = list(csv.reader(io.StringIO("".join(chunks)), delimiter=";"))
    assert lines[0] == ["\ufeffNom", "Matricule", "Date d'effet", "Date de fin"]
    assert len(lines) == 1 + 2 * CSV_BATCH_ROWS + 1
    assert lines[1] == ["NOM0", "M0", "01/01/2026", ""]
    assert lines[-1] == [f"NOM{2 * CSV_BATCH_ROWS}", f"M{2 * CSV_BATCH_ROWS}", "01/01/2026", ""]


def test_an_empty_csv_is_its_header() -> None:
    assert list(csv_lines(HEADER, [])) == ["\ufeffNom;Matricule;Date d'effet;Date de fin\r\n"]


def test_the_xlsx_keeps_text_as_text_dates_as_dates_and_blanks_empty() -> None:
    data = [
        ["=SUM(A1:A9)", "http://example.org", date(2026, 3, 1), None],
        ["0123", "1e5", date(2026, 4, 1), ""],
    ]
    content = b"".join(xlsx_chunks(HEADER, data, title="Collaborateurs de la société très longue"))

    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "Collaborateurs de la société tr"  # 31 characters at most
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Nom", "Matricule", "Date d'effet", "Date de fin")
    assert sheet["A1"].font.b is True
    assert values[1][0] == "'=SUM(A1:A9)" and sheet["A2"].data_type == "s"
    assert values[1][1] == "http://example.org" and sheet["B2"].hyperlink is None
    assert values[2][:2] == ("0123", "1e5")  # never made numbers
    assert values[1][2].date() == date(2026, 3, 1) and sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["C1"].font.b is True and sheet["A2"].font.b is False
    assert values[1][3] is None and values[2][3] is None


def test_the_xlsx_streams_a_chunk_per_thousand_rows_that_calamine_reads_back() -> None:
    from python_calamine import CalamineWorkbook

    chunks = list(xlsx_chunks(HEADER, rows(2 * XLSX_BATCH_ROWS + 5), title="Collaborateurs"))

    assert len(chunks) == 3 and all(chunks)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(chunks))).get_sheet_by_index(0)
    values = sheet.to_python()
    assert values[0] == ["Nom", "Matricule", "Date d'effet", "Date de fin"]
    assert len(values) == 1 + 2 * XLSX_BATCH_ROWS + 5
    assert values[-1][:3] == [
        f"NOM{2 * XLSX_BATCH_ROWS + 4}",
        f"M{2 * XLSX_BATCH_ROWS + 4}",
        date(2026, 1, 1),
    ]


def test_xlsx_text_is_escaped_and_stripped_of_what_xml_cannot_hold() -> None:
    data = [["A & B <C> \x07bell", "  spaces kept  ", 42, True]]

    content = b"".join(xlsx_chunks(HEADER, data, title="Liste [a/b]:*?"))

    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Liste  a b"]
    assert list(workbook.active.iter_rows(min_row=2, values_only=True)) == [
        ("A & B <C> bell", "  spaces kept  ", 42, True)
    ]
