"""The columns of the employee import template, in the one order the file must keep.

The guide ("Via le fichier Excel ou structuré", 2/3): mandatory columns are marked with a *,
and "L'ordre des colonnes ne doit pas être modifié." Keys are the field names of
`portal.enrollment.declarations.EmployeeDeclaration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Bump when a column is added, removed, renamed or moved: files made from an older template are
# then refused (their hidden "Version" sheet holds the old value).
TEMPLATE_VERSION = "MODELE-AFFILIATION-V1"
DATA_SHEET = "Salariés"
INSTRUCTIONS_SHEET = "Mode d'emploi"
VERSION_SHEET = "Version"
# The last column of a rejection file; accepted (and ignored) when a corrected one is re-imported.
ERRORS_HEADER = "Erreurs"
REQUIRED_MARK = " *"

# civility: Madame/Monsieur → "MME"/"M"; date: a date; nir, postal, text: a string (kept as
# typed, leading zeros included); yesno: Oui/Non → True/False.
Kind = Literal["civility", "text", "date", "nir", "postal", "yesno"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind
    required: bool

    @property
    def label(self) -> str:
        """The header without the mandatory mark."""
        return self.header.removesuffix(REQUIRED_MARK)


def _column(key: str, label: str, kind: Kind = "text", *, required: bool = False) -> Column:
    return Column(key, label + REQUIRED_MARK if required else label, kind, required)


COLUMNS: tuple[Column, ...] = (
    _column("civility", "Civilité", "civility", required=True),
    _column("last_name", "Nom", required=True),
    _column("first_name", "Prénom", required=True),
    _column("birth_date", "Date de naissance", "date", required=True),
    _column("nir", "N° de sécurité sociale", "nir"),
    _column("fund_code", "Organisme de rattachement"),
    _column("street_number", "Numéro"),
    _column("street_name", "Libellé de la voie"),
    _column("staircase_floor", "Escalier / Etage"),
    _column("building", "Bâtiment / Résidence"),
    _column("locality", "Lieu-dit"),
    _column("postal_code", "Code postal", "postal"),
    _column("city", "Ville"),
    _column("country", "Pays"),
    _column("email", "Email"),
    _column("employee_number", "Matricule"),
    _column("hire_date", "Date d'embauche", "date", required=True),
    _column("effective_date", "Date d'effet du contrat", "date", required=True),
    _column("alsace_moselle", "Régime local Alsace Moselle", "yesno", required=True),
)
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)
COLUMNS_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}

CIVILITY_CHOICES = ("Madame", "Monsieur")
YESNO_CHOICES = ("Oui", "Non")
