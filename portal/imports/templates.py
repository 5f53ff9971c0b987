"""The downloadable import templates (xlsx and CSV) and the workbook layout they share with the
rejection file.

The guide ("Via le fichier Excel ou structuré", 2/3): "Téléchargez le modèle .xlsx ou .csv",
"Renseignez les informations […] en respectant le format des cellules (date, texte)".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from portal.imports.columns import (
    CIVILITY_CHOICES,
    COLUMNS,
    DATA_SHEET,
    ERRORS_HEADER,
    HEADERS,
    INSTRUCTIONS_SHEET,
    TEMPLATE_VERSION,
    VERSION_SHEET,
    YESNO_CHOICES,
    Column,
)

TEMPLATE_ROWS = 2000
DATE_FORMAT = "DD/MM/YYYY"
TEXT_FORMAT = "@"
# Spreadsheets run a cell starting with one of these as a formula once it is edited
# (OWASP "CSV injection"): such values are written as text with Excel's leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@")
EXCEL_MAX_CELL_CHARS = 32_767

CellValue = str | date | None

_BOLD = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")

# What to write in each column, and its format, for the "Mode d'emploi" sheet.
_HELP: dict[str, tuple[str, str]] = {
    "civility": ("Madame ou Monsieur.", "Liste : Madame, Monsieur"),
    "last_name": ("Nom du salarié.", "Texte"),
    "first_name": ("Prénom du salarié.", "Texte"),
    "birth_date": ("Date de naissance du salarié.", "Date jj/mm/aaaa"),
    "nir": (
        "Les 15 caractères du numéro de sécurité sociale (13 chiffres et la clé), tels "
        "qu'ils figurent sur la carte Vitale ou l'attestation de droits.",
        "Texte",
    ),
    "fund_code": (
        "Code à 9 chiffres de la caisse d'assurance maladie (régime, caisse, centre), "
        "sur l'attestation de droits.",
        "Texte (zéro initial conservé)",
    ),
    "street_number": ("Numéro dans la voie (exemple : 12 ou 12 bis).", "Texte"),
    "street_name": ("Libellé de la voie (exemple : rue Gambetta).", "Texte, 38 caractères"),
    "staircase_floor": ("Escalier, étage, appartement.", "Texte, 38 caractères"),
    "building": ("Bâtiment, résidence.", "Texte, 38 caractères"),
    "locality": ("Lieu-dit, le cas échéant.", "Texte, 38 caractères"),
    "postal_code": ("Code postal (5 chiffres en France).", "Texte (zéro initial conservé)"),
    "city": ("Ville.", "Texte, 38 caractères"),
    "country": ("Pays ; laissez vide pour la France.", "Texte"),
    "email": (
        "Adresse e-mail du salarié : il y recevra son invitation. Sans adresse e-mail, "
        "l'adresse postale est obligatoire (il recevra deux courriers).",
        "Texte",
    ),
    "employee_number": (
        "Matricule du salarié. Recommandé : il permet de croiser nos fichiers avec vos "
        "fichiers de paie.",
        "Texte",
    ),
    "hire_date": ("Date d'embauche du salarié.", "Date jj/mm/aaaa"),
    "effective_date": ("Date d'effet du contrat pour ce salarié.", "Date jj/mm/aaaa"),
    "alsace_moselle": (
        "Oui si le salarié relève du régime local d'Alsace-Moselle, sinon Non.",
        "Liste : Oui, Non",
    ),
}

_RULES = (
    "Renseignez un salarié par ligne dans l'onglet « Salariés », à partir de la ligne 2.",
    "L'ordre des colonnes ne doit pas être modifié. N'ajoutez, ne supprimez et ne renommez "
    "aucune colonne.",
    "Les colonnes obligatoires sont désignées avec une *.",
    "Dès 5 salariés, le fichier vous permet de gagner du temps par rapport au formulaire.",
    "Nous vous recommandons d'indiquer le matricule du salarié pour croiser nos fichiers avec "
    "vos fichiers de paie.",
    "Le groupe d'assurés ne figure pas dans le fichier : vous le choisissez sur la page d'import, "
    "dans la liste « Groupe d'assurés ». Importez un fichier par groupe d'assurés.",
    "Respectez le format des cellules : dates en jj/mm/aaaa ; numéro de sécurité sociale, "
    "code postal, organisme de rattachement et matricule en texte.",
    "Vous pouvez enregistrer le fichier au format .xlsx, .xls, .ods ou .csv "
    "(séparateur point-virgule ou virgule).",
)


def build_xlsx_template() -> bytes:
    """The empty Excel template: typed columns, drop-down lists, instructions, version."""
    return write_workbook([])


def build_csv_template() -> bytes:
    """The empty CSV template: the header row, ";"-separated, UTF-8 with a BOM (for Excel)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow(HEADERS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_workbook(rows: Iterable[Sequence[CellValue]], *, errors_column: bool = False) -> bytes:
    """The template's workbook holding `rows` (one value per column, in COLUMNS order, plus the
    errors text when `errors_column`), streamed with openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(DATA_SHEET)
    headers = [*HEADERS, ERRORS_HEADER] if errors_column else list(HEADERS)
    formats = [DATE_FORMAT if column.kind == "date" else TEXT_FORMAT for column in COLUMNS]
    for index, header in enumerate(headers, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = 60 if header == ERRORS_HEADER else max(len(header) + 4, 14)
        if index <= len(formats):
            # A column style: cells typed beyond the pre-formatted rows get the format too.
            dimension.number_format = formats[index - 1]
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, header) for header in headers])

    cells = _Cells(sheet)
    row_formats = [*formats, TEXT_FORMAT]
    written = 0
    for values in rows:
        sheet.append(
            [cells.make(value, fmt) for value, fmt in zip(values, row_formats, strict=False)]
        )
        written += 1
    last_row = max(written, TEMPLATE_ROWS) + 1
    # Empty but typed cells, so that what the user types there keeps its format.
    for _ in range(written, TEMPLATE_ROWS):
        sheet.append([cells.empty(fmt) for fmt in formats])
    _add_choice_lists(sheet, last_row)

    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET))
    version = workbook.create_sheet(VERSION_SHEET)
    version.sheet_state = "veryHidden"
    version.append([TEMPLATE_VERSION])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def neutralised(value: str) -> tuple[str, bool]:
    """A string safe to put in a cell, and whether it must be shown as text (leading ')."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CELL_CHARS]
    return text, text.startswith(FORMULA_PREFIXES)


class _Cells:
    """Typed cells. Each style is built once and copied, as setting a cell's number format
    costs more than writing it (100,000 rows × 19 columns)."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.styles: dict[tuple[str, bool], object] = {}

    def _style(self, number_format: str, quoted: bool) -> object:
        style = self.styles.get((number_format, quoted))
        if style is None:
            prototype = WriteOnlyCell(self.sheet)
            prototype.number_format = number_format
            prototype.quotePrefix = quoted
            style = self.styles[(number_format, quoted)] = prototype._style
        return style

    def empty(self, number_format: str) -> Cell:
        return Cell(self.sheet, 1, 1, style_array=self._style(number_format, False))

    def make(self, value: CellValue, number_format: str) -> Cell | None:
        """A cell holding `value`; None (no cell: the column's format applies) when empty."""
        if isinstance(value, date):
            return Cell(
                self.sheet, 1, 1, value=value, style_array=self._style(number_format, False)
            )
        if not value:
            return None
        text, quoted = neutralised(value)
        cell = Cell(self.sheet, 1, 1, value=text, style_array=self._style(number_format, quoted))
        if quoted:
            # Never a formula: a string cell shown with Excel's leading apostrophe
            # (quotePrefix), which also keeps Excel from making it a formula once edited.
            cell.data_type = "s"
        return cell


def _header_cell(sheet: WriteOnlyWorksheet, header: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=header)
    cell.font = _BOLD
    cell.fill = _REQUIRED_FILL if header.endswith(" *") else _OPTIONAL_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def _add_choice_lists(sheet: WriteOnlyWorksheet, last_row: int) -> None:
    lists = {"civility": CIVILITY_CHOICES, "yesno": YESNO_CHOICES}
    for index, column in enumerate(COLUMNS, start=1):
        choices = lists.get(column.kind)
        if choices is None:
            continue
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.label,
            error="Choisissez " + " ou ".join(choices) + " dans la liste.",
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.data_validations.append(validation)


def _write_instructions(sheet: WriteOnlyWorksheet) -> None:
    for letter, width in zip("ABCD", (32, 14, 90, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    title = WriteOnlyCell(sheet, value="Mode d'emploi du modèle d'affiliation des salariés")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([])
    for rule in _RULES:
        sheet.append([rule])
    sheet.append([])
    sheet.append(
        [_bold(sheet, text) for text in ("Colonne", "Obligatoire", "Que saisir", "Format")]
    )
    for column in COLUMNS:
        sheet.append(_instruction_line(column))


def _instruction_line(column: Column) -> list[str]:
    what, form = _HELP[column.key]
    return [column.header, "Oui" if column.required else "Non", what, form]


def _bold(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = _BOLD
    return cell
