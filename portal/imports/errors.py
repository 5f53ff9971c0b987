"""The file import's problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode

_CELL = "Colonne « {column} », ligne {line} : "


class ImportFileError(ErrorCode):
    """An upload refused as a whole, or one cell of a row that cannot be read."""

    IMPORT_GROUP_UNKNOWN = (
        "import_group_unknown",
        "Ce groupe d'assurés n'existe pas pour votre entreprise.",
    )
    UPLOAD_TOO_LARGE = (
        "upload_too_large",
        "Le fichier pèse plus de {megabytes} Mo : répartissez vos salariés dans plusieurs "
        "fichiers.",
    )
    CELL_NUMBER_TRUNCATED = (
        "cell_number_truncated",
        _CELL + "« {text} » : le tableur a transformé le numéro en nombre et en a perdu des "
        "chiffres. Mettez la colonne au format Texte et recopiez le numéro en entier.",
    )
    CELL_DATE_INVALID = (
        "cell_date_invalid",
        _CELL + "« {text} » n'est pas une date valide. Écrivez-la jj/mm/aaaa.",
    )
    CELL_CIVILITY_INVALID = (
        "cell_civility_invalid",
        _CELL + "« {text} » : écrivez Madame ou Monsieur.",
    )
    CELL_YES_NO_INVALID = "cell_yes_no_invalid", _CELL + "« {text} » : écrivez Oui ou Non."
    CELL_MERGED = (
        "cell_merged",
        _CELL + "cellules fusionnées de « {column} » à « {last_column} ». Défusionnez-les et "
        "écrivez une valeur dans chaque colonne.",
    )
    # A rejected row stored before problems had codes: its message is the text shown then.
    LEGACY = "legacy", "Ligne rejetée par une version précédente du portail."


# The problems of a cell: their message already names the column and the line.
CELL_CODES = frozenset(
    {
        ImportFileError.CELL_NUMBER_TRUNCATED,
        ImportFileError.CELL_DATE_INVALID,
        ImportFileError.CELL_CIVILITY_INVALID,
        ImportFileError.CELL_YES_NO_INVALID,
        ImportFileError.CELL_MERGED,
    }
)
