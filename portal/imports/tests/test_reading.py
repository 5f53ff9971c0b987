"""The file layer of the employee import: templates, reading, refusals, rejection file.

No database: files are built in each test (openpyxl, csv, zipfile) and read back.
"""

from __future__ import annotations

import csv
import io
import resource
import struct
import time
import zipfile
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from portal.imports.columns import (
    COLUMNS,
    DATA_SHEET,
    ERRORS_HEADER,
    HEADERS,
    INSTRUCTIONS_SHEET,
    TEMPLATE_VERSION,
    VERSION_SHEET,
)
from portal.imports.reading import FileRefused, ParsedRow, open_file, write_rejection_xlsx
from portal.imports.templates import build_csv_template, build_xlsx_template

MB = 1024 * 1024
KEYS = [column.key for column in COLUMNS]
RULE = "L'ordre des colonnes ne doit pas être modifié."

# One employee as an HR correspondent types it in Excel.
TYPED: dict[str, Any] = {
    "civility": "Madame",
    "last_name": "Lefèvre",
    "first_name": "Hélène",
    "birth_date": date(1985, 5, 14),
    "nir": "285057511512345",
    "fund_code": "011751234",
    "street_number": "12",
    "street_name": "rue de l'Église",
    "staircase_floor": "",
    "building": "Bâtiment B",
    "locality": "",
    "postal_code": "01000",
    "city": "Bourg-en-Bresse",
    "country": "",
    "email": "helene.lefevre@example.org",
    "employee_number": "00042",
    "hire_date": date(2024, 3, 1),
    "effective_date": date(2024, 3, 1),
    "alsace_moselle": "Non",
}
EXPECTED_VALUES: dict[str, object] = {
    **TYPED,
    "civility": "MME",
    "alsace_moselle": False,
}
EXPECTED_RAW = {
    **TYPED,
    "birth_date": "14/05/1985",
    "hire_date": "01/03/2024",
    "effective_date": "01/03/2024",
}


def typed(**overrides: Any) -> list[Any]:
    values = {**TYPED, **overrides}
    return [values[key] for key in KEYS]


def as_text(**overrides: Any) -> list[str]:
    """The row as a CSV holds it."""
    return [
        f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value)
        for value in typed(**overrides)
    ]


def read(data: bytes, filename: str = "salaries.xlsx", **limits: int) -> list[ParsedRow]:
    opened = open_file(
        data,
        filename,
        max_rows=limits.get("max_rows", 1000),
        max_bytes=limits.get("max_bytes", 5 * MB),
    )
    rows = list(opened.rows())
    assert opened.count == len(rows)
    return rows


def refusal(data: bytes, filename: str = "salaries.xlsx", **limits: int) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        read(data, filename, **limits)
    return caught.value


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx(
    rows: list[list[Any]],
    headers: list[str] | tuple[str, ...] = HEADERS,
    sheet: str = DATA_SHEET,
) -> bytes:
    """A plain workbook (not made from the template) with one sheet."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(headers))
    for row in rows:
        worksheet.append(row)
    return workbook_bytes(workbook)


def filled_template(rows: list[list[Any]]) -> bytes:
    """The downloaded template, filled in as a user does, cell by cell."""
    workbook = load_workbook(io.BytesIO(build_xlsx_template()))
    worksheet = workbook[DATA_SHEET]
    for number, row in enumerate(rows, start=2):
        for index, value in enumerate(row, start=1):
            worksheet.cell(number, index, value)
    return workbook_bytes(workbook)


def csv_bytes(
    rows: list[list[str]],
    encoding: str = "utf-8-sig",
    delimiter: str = ";",
    headers: list[str] | tuple[str, ...] = HEADERS,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def only_row(data: bytes, filename: str = "salaries.xlsx") -> ParsedRow:
    rows = read(data, filename)
    assert len(rows) == 1
    return rows[0]


# --- templates ----------------------------------------------------------------------------------


def test_xlsx_template_has_typed_columns_lists_instructions_and_hidden_version() -> None:
    workbook = load_workbook(io.BytesIO(build_xlsx_template()))

    assert workbook.sheetnames == [DATA_SHEET, INSTRUCTIONS_SHEET, VERSION_SHEET]
    sheet = workbook[DATA_SHEET]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    assert HEADERS[0] == "Civilité *" and HEADERS[4] == "N° de sécurité sociale"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    for row in (2, 2001):
        assert sheet[f"D{row}"].number_format == "DD/MM/YYYY"  # birth date
        assert sheet[f"Q{row}"].number_format == "DD/MM/YYYY"  # hire date
        assert sheet[f"E{row}"].number_format == "@"  # NIR
        assert sheet[f"F{row}"].number_format == "@"  # fund code
        assert sheet[f"L{row}"].number_format == "@"  # postal code
        assert sheet[f"P{row}"].number_format == "@"  # matricule
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists == {"A2:A2001": '"Madame,Monsieur"', "S2:S2001": '"Oui,Non"'}

    instructions = "\n".join(
        str(cell.value) for row in workbook[INSTRUCTIONS_SHEET].iter_rows() for cell in row
    )
    assert RULE in instructions
    assert "Dès 5 salariés" in instructions
    assert "matricule" in instructions and "paie" in instructions
    assert "Le groupe d'assurés ne figure pas dans le fichier" in instructions
    for column in COLUMNS:
        assert column.header in instructions

    version = workbook[VERSION_SHEET]
    assert version.sheet_state == "veryHidden"
    assert version["A1"].value == TEMPLATE_VERSION == "MODELE-AFFILIATION-V1"


def test_csv_template_is_the_header_row_in_utf8_with_bom_and_semicolons() -> None:
    content = build_csv_template()

    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig") == ";".join(HEADERS) + "\r\n"


def test_empty_templates_are_refused_as_holding_no_employee() -> None:
    assert refusal(build_xlsx_template()).code == "no_rows"
    assert refusal(build_csv_template(), "modele.csv").code == "no_rows"


def test_xlsx_template_round_trip() -> None:
    rows = [
        typed(),
        typed(civility="Monsieur", first_name="Loïc", alsace_moselle="Oui", nir=""),
        typed(last_name="Œuvray", employee_number="", email="", postal_code="75011"),
    ]

    parsed = read(filled_template(rows))

    assert [row.number for row in parsed] == [2, 3, 4]
    assert parsed[0].values == EXPECTED_VALUES
    assert parsed[0].raw == EXPECTED_RAW
    assert parsed[0].problems == []
    assert parsed[1].values == {
        **EXPECTED_VALUES,
        "civility": "M",
        "first_name": "Loïc",
        "alsace_moselle": True,
        "nir": "",
    }
    assert parsed[2].values == {
        **EXPECTED_VALUES,
        "last_name": "Œuvray",
        "employee_number": "",
        "email": "",
        "postal_code": "75011",
    }


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-8-sig", ";"), ("utf-8", ";"), ("cp1252", ",")]
)
def test_csv_template_round_trip(encoding: str, delimiter: str) -> None:
    template = build_csv_template().decode("utf-8-sig")
    headers = next(csv.reader(io.StringIO(template), delimiter=";"))
    rows = [as_text(), as_text(civility="Monsieur", first_name="Loïc", alsace_moselle="Oui")]

    parsed = read(csv_bytes(rows, encoding, delimiter, headers), "salaries.csv")

    assert [row.number for row in parsed] == [2, 3]
    assert parsed[0].values == EXPECTED_VALUES
    assert parsed[0].raw == EXPECTED_RAW
    assert parsed[1].values["first_name"] == "Loïc"
    assert parsed[1].values["alsace_moselle"] is True


def test_reads_ods() -> None:
    row = only_row(ods([list(HEADERS), as_text()]), "salaries.ods")

    assert row.values == EXPECTED_VALUES


def test_extension_is_case_insensitive() -> None:
    assert only_row(xlsx([typed()]), "SALARIES.XLSX").values == EXPECTED_VALUES


# --- refused files ------------------------------------------------------------------------------


def test_refuses_other_extensions() -> None:
    error = refusal(b"Civilit\xc3\xa9 *;Nom *\r\n", "salaries.txt")

    assert error.code == "extension_refused"
    assert "« salaries.txt »" in error.message
    assert ".xlsx, .xls, .ods et .csv" in error.message


def test_refuses_a_file_without_extension() -> None:
    assert refusal(xlsx([typed()]), "salaries").code == "extension_refused"


@pytest.mark.parametrize(
    ("content", "filename", "hint"),
    [
        (b"Civilite;Nom\r\nMadame;Durand\r\n", "salaries.xlsx", "extension .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "salaries.xlsx", "97-2003"),
        (b"PK\x03\x04 not an old Excel file", "salaries.xls", "extension .xls"),
        (b"<html><table><tr><td>Nom</td></tr></table></html>", "export.xls", ".xls"),
        (b"PK\x03\x04" + b"\x00" * 100, "salaries.csv", "Excel ou OpenDocument"),
        (b"Nom;Pr\x00nom\r\n", "salaries.csv", "pas un fichier texte"),
    ],
)
def test_refuses_content_that_does_not_match_the_extension(
    content: bytes, filename: str, hint: str
) -> None:
    error = refusal(content, filename)

    assert error.code == "content_mismatch"
    assert hint in error.message


def test_refuses_a_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")

    assert refusal(buffer.getvalue(), "salaries.xlsx").code == "content_mismatch"
    assert refusal(buffer.getvalue(), "salaries.ods").code == "content_mismatch"


def test_refuses_an_xlsx_renamed_ods() -> None:
    assert refusal(xlsx([typed()]), "salaries.ods").code == "content_mismatch"


@pytest.mark.parametrize("filename", ["salaries.xlsx", "salaries.csv", "salaries.ods"])
def test_refuses_an_empty_file(filename: str) -> None:
    error = refusal(b"", filename)

    assert error.code == "empty_file"
    assert "est vide" in error.message


def test_refuses_a_file_over_the_size_limit() -> None:
    data = csv_bytes([as_text()] * 10_000)
    assert len(data) > MB

    error = refusal(data, "salaries.csv", max_bytes=MB)

    assert error.code == "too_large"
    assert "la limite est de 1 Mo" in error.message


def ole_with_stream(name: str) -> bytes:
    """An OLE compound file whose directory holds `name` (names are UTF-16LE there)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = name.encode("utf-16-le").ljust(64, b"\x00") + struct.pack("<H", 2 * len(name) + 2)
    return header + entry.ljust(128, b"\x00") + b"\x00" * 1024


@pytest.mark.parametrize("filename", ["salaries.xlsx", "salaries.xls"])
def test_refuses_a_password_protected_workbook(filename: str) -> None:
    error = refusal(ole_with_stream("EncryptedPackage"), filename)

    assert error.code == "password_protected"
    assert "enregistrez-le sans mot de passe" in error.message


def test_refuses_a_password_protected_ods() -> None:
    data = ods([list(HEADERS), as_text()], manifest_extra="<manifest:encryption-data/>")

    assert refusal(data, "salaries.ods").code == "password_protected"


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
        archive.writestr(name, content)
    return buffer.getvalue()


def test_refuses_a_zip_bomb_by_its_uncompressed_size() -> None:
    data = with_member(xlsx([typed()]), "xl/media/image1.bin", b"\x00" * (30 * MB))
    assert len(data) < MB

    error = refusal(data, max_bytes=MB)

    assert error.code == "zip_bomb"
    assert "20 Mo" in error.message


def test_refuses_a_zip_bomb_by_its_compression_ratio() -> None:
    data = with_member(xlsx([typed()]), "xl/media/image1.bin", b"\x00" * (15 * MB))

    assert refusal(data, max_bytes=50 * MB).code == "zip_bomb"


def test_refuses_a_zip_whose_directory_understates_a_member() -> None:
    """The declared sizes bound decompression: a member larger than declared is refused."""
    data = xlsx([typed()])
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read("xl/worksheets/sheet1.xml").replace(
        b"<sheetData>", b"<sheetData>" + b" " * (30 * MB)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(
                info.filename,
                sheet if info.filename.endswith("sheet1.xml") else source.read(info.filename),
            )
    lying = bytearray(buffer.getvalue())
    for info in zipfile.ZipFile(io.BytesIO(bytes(lying))).infolist():
        if info.filename.endswith("sheet1.xml"):
            struct.pack_into("<I", lying, info.header_offset + 22, 1000)  # local header
    position = lying.find(b"PK\x01\x02")
    while position != -1:  # central directory entries
        length = struct.unpack_from("<H", lying, position + 28)[0]
        if lying[position + 46 : position + 46 + length].endswith(b"sheet1.xml"):
            struct.pack_into("<I", lying, position + 24, 1000)
        position = lying.find(b"PK\x01\x02", position + 4)

    assert refusal(bytes(lying), max_bytes=50 * MB).code == "unreadable"


def test_refuses_a_corrupt_workbook() -> None:
    data = xlsx([typed()])
    error = refusal(data[: len(data) // 2])

    assert error.code == "unreadable"
    assert "illisible ou endommagé" in error.message


def test_refuses_or_survives_an_xml_entity_expansion() -> None:
    """A "billion laughs" in sheet1.xml: 10⁹ "lol" if the parser expanded entities."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    data = xlsx([typed(last_name="PLACEHOLDER")])
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read("xl/worksheets/sheet1.xml").decode()
    sheet = f"<!DOCTYPE worksheet [{entities}]>" + sheet.replace("PLACEHOLDER", "&lol9;")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(
                info.filename, sheet.encode() if info.filename.endswith("sheet1.xml") else content
            )
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    try:
        rows = read(buffer.getvalue())
    except FileRefused as error:
        assert error.code == "unreadable"
    else:
        assert len(str(rows[0].values["last_name"])) < 1000

    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before < 200 * 1024


def test_refuses_a_file_without_data_rows() -> None:
    error = refusal(xlsx([]))

    assert error.code == "no_rows"
    assert "ne contient aucun salarié" in error.message


def test_refuses_more_rows_than_the_limit() -> None:
    error = refusal(xlsx([typed()] * 4), max_rows=3)

    assert error.code == "too_many_rows"
    assert "plus de 3 salariés" in error.message


def test_trailing_empty_rows_are_not_counted() -> None:
    rows = [typed()] * 3 + [[""] * len(KEYS)] * 5 + [["   ", "", None]] * 5

    assert len(read(xlsx(rows), max_rows=3)) == 3


def test_rows_are_numbered_as_in_the_spreadsheet_and_empty_middle_rows_skipped() -> None:
    rows = [typed(), [None] * len(KEYS), ["  "] * len(KEYS), typed(first_name="Loïc")]

    parsed = read(filled_template(rows))

    assert [(row.number, row.values["first_name"]) for row in parsed] == [
        (2, "Hélène"),
        (5, "Loïc"),
    ]


def test_thousands_are_written_the_french_way_in_the_row_limit() -> None:
    error = refusal(csv_bytes([as_text()] * 3), "salaries.csv", max_rows=2)
    assert "plus de 2 salariés" in error.message

    error = refusal(csv_bytes([as_text()] * 1001), "salaries.csv", max_rows=1000)
    assert "plus de 1\u00a0000 salariés" in error.message


# --- header -------------------------------------------------------------------------------------


def test_refuses_reordered_columns_naming_the_first_difference() -> None:
    headers = list(HEADERS)
    headers[1], headers[2] = "Prénom", "Nom"

    error = refusal(xlsx([typed()], headers))

    assert error.code == "columns_reordered"
    assert error.message.startswith(RULE)
    assert "Colonne 2 : « Nom * » attendue, « Prénom » trouvée. Téléchargez le modèle" in (
        error.message
    )


def test_refuses_a_missing_column() -> None:
    headers = [header for header in HEADERS if header != "Nom *"]

    error = refusal(xlsx([typed()[:1] + typed()[2:]], headers))

    assert error.code == "columns_missing"
    assert RULE in error.message
    assert "Colonne 2 : « Nom * » attendue, « Prénom * » trouvée." in error.message


def test_refuses_a_missing_last_column() -> None:
    error = refusal(xlsx([typed()[:-1]], HEADERS[:-1]))

    assert error.code == "columns_missing"
    assert "Colonne 19 : « Régime local Alsace Moselle * » attendue, colonne absente." in (
        error.message
    )


def test_refuses_an_extra_column() -> None:
    error = refusal(xlsx([[*typed(), "à revoir"]], [*HEADERS, "Commentaire"]))

    assert error.code == "columns_extra"
    assert "Colonne 20 : aucune colonne attendue, « Commentaire » trouvée." in error.message


def test_refuses_an_inserted_column() -> None:
    headers = [HEADERS[0], "Nom de naissance", *HEADERS[1:]]

    error = refusal(xlsx([], headers))

    assert error.code == "columns_extra"
    assert "Colonne 2 : « Nom * » attendue, « Nom de naissance » trouvée." in error.message


def test_refuses_a_renamed_column() -> None:
    headers = [*HEADERS]
    headers[14] = "Adresse e-mail"

    error = refusal(xlsx([typed()], headers), "salaries.xlsx")

    assert error.code == "columns_renamed"
    assert "Colonne 15 : « Email » attendue, « Adresse e-mail » trouvée." in error.message


def test_refuses_data_outside_the_template_columns() -> None:
    error = refusal(xlsx([[*typed(), None, "note"]]))

    assert error.code == "columns_extra"
    assert "Colonne 21, ligne 2" in error.message


def test_refuses_a_file_without_header_row() -> None:
    workbook = Workbook()
    workbook.active.title = DATA_SHEET
    workbook.active.append(typed())

    error = refusal(workbook_bytes(workbook))

    assert error.code == "header_missing"
    assert RULE in error.message


def test_headers_tolerate_case_surrounding_spaces_and_the_mandatory_mark() -> None:
    headers = [f"  {header.upper()} " for header in HEADERS]
    headers[0] = "Civilité"  # without " *"
    headers[4] = "N° de sécurité sociale *"  # with an extra " *"
    headers[1] = "Nom*"

    assert only_row(xlsx([typed()], headers)).values == EXPECTED_VALUES


# --- sheets -------------------------------------------------------------------------------------


def test_refuses_several_sheets_when_none_is_named_salaries() -> None:
    workbook = Workbook()
    workbook.active.title = "Feuil1"
    workbook.active.append(list(HEADERS))
    workbook.active.append(typed())
    workbook.create_sheet("Feuil2")

    error = refusal(workbook_bytes(workbook))

    assert error.code == "several_sheets"
    assert "(« Feuil1 », « Feuil2 »)" in error.message
    assert "Salariés" in error.message


def test_reads_the_salaries_sheet_wherever_it_is() -> None:
    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["à relire"])
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append(list(HEADERS))
    sheet.append(typed())

    assert only_row(workbook_bytes(workbook)).values == EXPECTED_VALUES


def test_reads_a_single_sheet_whatever_its_name() -> None:
    assert only_row(xlsx([typed()], sheet="Feuil1")).values == EXPECTED_VALUES


def test_refuses_an_old_template_version() -> None:
    workbook = load_workbook(io.BytesIO(filled_template([typed()])))
    workbook[VERSION_SHEET]["A1"] = "MODELE-AFFILIATION-V0"

    error = refusal(workbook_bytes(workbook))

    assert error.code == "old_template"
    assert "ancienne version du modèle" in error.message
    assert RULE in error.message


# --- cells --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        date(1985, 5, 14),
        datetime(1985, 5, 14, 0, 0),  # noqa: DTZ001  # Excel cells hold naive datetimes
        31181,
        31181.0,
        31181.75,
        "14/05/1985",
        " 14/05/1985 ",
        "14-05-1985",
        "14.05.1985",
        "1985-05-14",
        "14/05/1985 00:00:00",
        "1985-05-14 00:00:00",
    ],
)
def test_reads_dates_as_dates_text_and_excel_serial_numbers(cell: object) -> None:
    row = only_row(xlsx([typed(birth_date=cell)]))

    assert row.values["birth_date"] == date(1985, 5, 14)
    assert row.problems == []


def test_reads_day_first_dates_with_one_digit() -> None:
    row = only_row(csv_bytes([as_text(birth_date="4/5/1985")]), "salaries.csv")

    assert row.values["birth_date"] == date(1985, 5, 4)
    assert row.raw["birth_date"] == "4/5/1985"


def test_serial_numbers_read_back_as_dates_in_raw() -> None:
    assert only_row(xlsx([typed(birth_date=31181)])).raw["birth_date"] == "14/05/1985"


@pytest.mark.parametrize("cell", ["31/02/1990", "14/05/85", "demain", "05/14/1985/1", "1885-01-01"])
def test_a_date_that_cannot_be_read_is_a_cell_problem(cell: str) -> None:
    row = only_row(xlsx([typed(birth_date=cell)]))

    assert row.values["birth_date"] is None
    assert row.raw["birth_date"] == cell
    assert [(p.field, p.code, p.message) for p in row.problems] == [
        (
            "birth_date",
            "cell_date_invalid",
            f"Colonne « Date de naissance * », ligne 2 : « {cell} » n'est pas une date "
            "valide. Écrivez-la jj/mm/aaaa.",
        )
    ]


def test_the_problem_names_the_spreadsheet_row() -> None:
    rows = [typed()] * 5 + [typed(birth_date="31/02/1990")]

    parsed = read(filled_template(rows))

    assert parsed[5].number == 7
    assert parsed[5].problems[0].message == (
        "Colonne « Date de naissance * », ligne 7 : « 31/02/1990 » n'est pas une date valide. "
        "Écrivez-la jj/mm/aaaa."
    )


@pytest.mark.parametrize(
    ("cell", "raw"),
    [
        (285057511512345, "285057511512345"),
        (285057511512345.0, "285057511512345"),
        ("2 85 05 75 115 123 45", "2 85 05 75 115 123 45"),
        ("2.85.05.75.115.123.45", "2.85.05.75.115.123.45"),
        ("  285057511512345\u00a0", "  285057511512345\u00a0"),
    ],
)
def test_reads_a_nir_stored_as_a_number_or_typed_with_separators(cell: object, raw: str) -> None:
    row = only_row(xlsx([typed(nir=cell)]))

    assert row.values["nir"] == "285057511512345"
    assert row.raw["nir"] == raw


def test_reads_a_13_digit_nir_stored_as_a_number_with_all_its_digits() -> None:
    assert only_row(xlsx([typed(nir=1850575115123.0)])).values["nir"] == "1850575115123"


def test_a_nir_in_scientific_notation_lost_digits_and_is_a_problem() -> None:
    row = only_row(csv_bytes([as_text(nir="2,85058E+14")]), "salaries.csv")

    assert row.values["nir"] is None
    assert "a perdu des chiffres" in row.problems[0].message
    assert (row.problems[0].field, row.problems[0].code) == ("nir", "cell_number_truncated")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(1000, "01000"), (92000.0, "92000"), ("1000", "01000"), (" 75011 ", "75011")],
)
def test_postal_codes_keep_their_leading_zero(cell: object, expected: str) -> None:
    assert only_row(xlsx([typed(postal_code=cell)])).values["postal_code"] == expected


def test_a_foreign_postal_code_is_not_padded() -> None:
    row = only_row(xlsx([typed(postal_code=1000, country="Belgique")]))

    assert row.values["postal_code"] == "1000"


@pytest.mark.parametrize(("cell", "expected"), [(42, "42"), (42.0, "42"), ("M-0042", "M-0042")])
def test_a_matricule_stored_as_a_number_has_no_decimal_part(cell: object, expected: str) -> None:
    assert only_row(xlsx([typed(employee_number=cell)])).values["employee_number"] == expected


def test_a_fund_code_stored_as_a_number_keeps_its_leading_zero() -> None:
    assert only_row(xlsx([typed(fund_code=11751234)])).values["fund_code"] == "011751234"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Madame", "MME"),
        ("mme", "MME"),
        ("Mme.", "MME"),
        ("MADAME ", "MME"),
        ("Monsieur", "M"),
        ("M.", "M"),
        ("m", "M"),
        ("Mr", "M"),
        ("", ""),
    ],
)
def test_reads_civilities(cell: str, expected: str) -> None:
    row = only_row(xlsx([typed(civility=cell)]))

    assert row.values["civility"] == expected
    assert row.problems == []


def test_an_unknown_civility_is_a_cell_problem() -> None:
    row = only_row(xlsx([typed(civility="Dr")]))

    assert row.values["civility"] is None
    assert (row.problems[0].field, row.problems[0].code) == ("civility", "cell_civility_invalid")
    assert row.problems[0].message == (
        "Colonne « Civilité * », ligne 2 : « Dr » : écrivez Madame ou Monsieur."
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Oui", True),
        ("oui", True),
        ("O", True),
        ("Yes", True),
        ("1", True),
        ("True", True),
        (True, True),
        (1, True),
        ("Non", False),
        ("N", False),
        ("No", False),
        ("0", False),
        ("False", False),
        (False, False),
        (0, False),
        ("", None),
    ],
)
def test_reads_yes_no(cell: object, expected: bool | None) -> None:
    row = only_row(xlsx([typed(alsace_moselle=cell)]))

    assert row.values["alsace_moselle"] is expected
    assert row.problems == []


def test_an_unknown_yes_no_is_a_cell_problem() -> None:
    row = only_row(xlsx([typed(alsace_moselle="peut-être")]))

    assert row.values["alsace_moselle"] is None
    assert row.problems[0].message == (
        "Colonne « Régime local Alsace Moselle * », ligne 2 : « peut-être » : écrivez Oui ou Non."
    )


def test_text_is_trimmed_but_raw_keeps_what_was_typed() -> None:
    row = only_row(xlsx([typed(last_name="  Lefèvre ")]))

    assert row.values["last_name"] == "Lefèvre"
    assert row.raw["last_name"] == "  Lefèvre "


def test_formulas_are_never_evaluated() -> None:
    row = only_row(xlsx([typed(street_number="=1+2", city='=HYPERLINK("http://x")')]))

    # openpyxl stores formulas without a cached result: nothing to read, nothing computed.
    assert row.values["street_number"] == ""
    assert row.values["city"] == ""


def test_values_starting_with_an_equals_sign_are_kept_as_text() -> None:
    row = only_row(csv_bytes([as_text(street_name="=1+2", building="@SOMME(A1)")]), "s.csv")

    assert row.values["street_name"] == "=1+2"
    assert row.values["building"] == "@SOMME(A1)"


def test_accents_survive_in_cp1252_and_utf8() -> None:
    names = {"last_name": "Lefèvre-Œuvray", "first_name": "Hélène", "building": "Bâtiment à"}
    for encoding in ("cp1252", "utf-8", "utf-8-sig"):
        row = only_row(csv_bytes([as_text(**names)], encoding), "salaries.csv")
        assert {key: row.values[key] for key in names} == names


def test_refuses_a_utf16_csv() -> None:
    error = refusal(csv_bytes([as_text()], "utf-16"), "salaries.csv")

    assert (error.code, error.message) == (
        "unreadable_utf16",
        "Le fichier « salaries.csv » est enregistré en Unicode UTF-16. Enregistrez-le au format "
        "« CSV UTF-8 » ou « CSV (séparateur : point-virgule) », puis importez-le de nouveau.",
    )


def test_a_quoted_cell_spanning_lines_keeps_the_row_numbers() -> None:
    rows = [as_text(street_name="rue du Port\nQuai 2"), as_text(first_name="Loïc")]

    parsed = read(csv_bytes(rows), "salaries.csv")

    assert [row.number for row in parsed] == [2, 3]
    assert parsed[0].values["street_name"] == "rue du Port\nQuai 2"


def test_short_csv_rows_are_padded_with_empty_cells() -> None:
    row = only_row(csv_bytes([as_text()[:18]]), "salaries.csv")

    assert row.values["alsace_moselle"] is None


def test_a_value_merged_down_a_column_applies_to_every_row() -> None:
    workbook = load_workbook(io.BytesIO(filled_template([typed()] * 3)))
    sheet = workbook[DATA_SHEET]
    sheet.merge_cells("R2:R4")  # "Date d'effet du contrat", typed once for three employees
    sheet["R2"] = date(2025, 1, 1)

    parsed = read(workbook_bytes(workbook))

    assert [row.values["effective_date"] for row in parsed] == [date(2025, 1, 1)] * 3
    assert all(row.problems == [] for row in parsed)


def test_cells_merged_across_columns_are_a_cell_problem() -> None:
    workbook = load_workbook(io.BytesIO(filled_template([typed()] * 2)))
    sheet = workbook[DATA_SHEET]
    sheet.merge_cells("B3:C3")
    sheet["B3"] = "Lefèvre Hélène"

    parsed = read(workbook_bytes(workbook))

    assert parsed[0].problems == []
    assert [p.message for p in parsed[1].problems] == [
        "Colonne « Nom * », ligne 3 : cellules fusionnées de « Nom * » à « Prénom * ». "
        "Défusionnez-les et écrivez une valeur dans chaque colonne."
    ]


def test_leading_empty_rows_do_not_shift_the_row_numbers() -> None:
    """A sheet whose data starts lower is read with the spreadsheet's own row numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append([])
    sheet.append(list(HEADERS))
    sheet.append(typed())

    row = only_row(workbook_bytes(workbook))

    assert row.number == 3
    assert row.values == EXPECTED_VALUES


# --- rejection file -----------------------------------------------------------------------------


def full_raw(**overrides: str) -> dict[str, str]:
    return {**dict.fromkeys(KEYS, ""), **EXPECTED_RAW, **overrides}


def test_rejection_file_round_trip_keeps_raw_values_and_neutralises_formulas() -> None:
    dangerous = {
        "street_name": '=HYPERLINK("http://evil.example","clic")',
        "building": "+33 6 12 34 56 78",
        "staircase_floor": "-2",
        "locality": "@SOMME(A1:A9)",
    }
    rows = [
        (full_raw(birth_date="31/02/1990"), ["Colonne « Date de naissance * » : invalide"]),
        (full_raw(nir="2 85 05 75 115 123 45", postal_code="1000", **dangerous), ["a", "b"]),
        (full_raw(hire_date="2024-03-01", alsace_moselle="peut-être"), []),
    ]

    content = write_rejection_xlsx(rows)
    parsed = read(content, "salaries-rejet.xlsx")

    assert [row.raw for row in parsed] == [raw for raw, _ in rows]
    assert [row.number for row in parsed] == [2, 3, 4]
    assert parsed[1].values["street_name"] == dangerous["street_name"]

    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [DATA_SHEET, INSTRUCTIONS_SHEET, VERSION_SHEET]
    assert workbook[VERSION_SHEET].sheet_state == "veryHidden"
    sheet = workbook[DATA_SHEET]
    assert [cell.value for cell in sheet[1]] == [*HEADERS, ERRORS_HEADER]
    assert sheet["T2"].value == "Colonne « Date de naissance * » : invalide"
    assert sheet["T3"].value == "a ; b"
    assert sheet["D3"].value == datetime(1985, 5, 14)  # noqa: DTZ001  # a real (naive) Excel date again
    assert sheet["D3"].number_format == "DD/MM/YYYY"
    assert sheet["E3"].number_format == "@"
    for coordinate in ("H3", "J3", "I3", "K3"):
        assert sheet[coordinate].data_type == "s"
        assert sheet[coordinate].quotePrefix
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml


def test_rejection_file_of_a_read_file_reimports_as_is() -> None:
    rows = [typed(), typed(birth_date="31/02/1990", civility="Dr"), typed(nir=285057511512345)]
    parsed = read(filled_template(rows))
    rejected = [row for row in parsed if row.problems]

    content = write_rejection_xlsx((row.raw, [p.message for p in row.problems]) for row in rejected)
    again = read(content)

    assert [row.raw for row in again] == [row.raw for row in rejected]
    assert [row.problems for row in again] == [
        [replace(p, message=p.message.replace("ligne 3", "ligne 2")) for p in row.problems]
        for row in rejected
    ]


def test_rejection_file_strips_characters_excel_cannot_hold() -> None:
    content = write_rejection_xlsx([(full_raw(last_name="Lef\x07èvre"), ["x"])])

    assert read(content)[0].raw["last_name"] == "Lefèvre"


# --- helpers ------------------------------------------------------------------------------------


def ods(rows: list[list[str]], manifest_extra: str = "") -> bytes:
    """A minimal OpenDocument spreadsheet, as LibreOffice writes one."""

    def cell(value: str) -> str:
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{text}</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(value) for value in row) + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{DATA_SHEET}">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
        ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        f'<manifest:file-entry manifest:full-path="content.xml">{manifest_extra}'
        "</manifest:file-entry></manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return buffer.getvalue()
