"""The file import's problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode

_CELL = "Colonne « {column} », ligne {line} : "
_FILE = "Le fichier « {name} » "
_SAVE_AGAIN = "Ouvrez-le dans votre tableur, enregistrez-le"
_COLUMN_RULE = "L'ordre des colonnes ne doit pas être modifié."
_DOWNLOAD_TEMPLATE = (
    "Téléchargez le modèle et recopiez-y vos salariés, sans ajouter, supprimer, renommer "
    "ni déplacer de colonne."
)
_COLUMNS = _COLUMN_RULE + " {detail} " + _DOWNLOAD_TEMPLATE


class ImportFileError(ErrorCode):
    """An upload refused as a whole, one cell of a row that cannot be read, or a correction of
    rejected rows in the browser that cannot be taken."""

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
    EXTENSION_REFUSED = (
        "extension_refused",
        _FILE + "n'est pas accepté : seuls les fichiers .xlsx, .xls, .ods et .csv le sont. "
        "Téléchargez le modèle Excel ou CSV et enregistrez-y vos salariés.",
    )
    EMPTY_FILE = (
        "empty_file",
        _FILE + "est vide. Vérifiez que vous avez choisi le bon fichier et qu'il a été "
        "enregistré après avoir été complété.",
    )
    TOO_LARGE = (
        "too_large",
        _FILE + "pèse {size} Mo : la limite est de {limit} Mo. Répartissez vos salariés dans "
        "plusieurs fichiers.",
    )
    CONTENT_MISMATCH = (
        "content_mismatch",
        _FILE + "porte l'extension {extension} mais son contenu n'est pas celui d'un fichier "
        "{extension}{hint}. " + _SAVE_AGAIN + " au format .xlsx ou .csv, puis importez-le de "
        "nouveau.",
    )
    UNREADABLE = (
        "unreadable",
        _FILE + "est illisible ou endommagé. " + _SAVE_AGAIN + " de nouveau au format .xlsx ou "
        ".csv, puis importez-le.",
    )
    UNREADABLE_UTF16 = (
        "unreadable_utf16",
        _FILE + "est enregistré en Unicode UTF-16. Enregistrez-le au format « CSV UTF-8 » ou "
        "« CSV (séparateur : point-virgule) », puis importez-le de nouveau.",
    )
    PASSWORD_PROTECTED = (
        "password_protected",
        _FILE + "est protégé par un mot de passe et ne peut pas être lu. Ouvrez-le, "
        "enregistrez-le sans mot de passe, puis importez-le de nouveau.",
    )
    ZIP_BOMB = (
        "zip_bomb",
        _FILE + "est anormal : une fois décompressé, il dépasserait {limit} Mo. Recopiez vos "
        "salariés dans le modèle, sans autre contenu, puis importez-le de nouveau.",
    )
    SEVERAL_SHEETS = (
        "several_sheets",
        "Le classeur « {name} » contient plusieurs onglets ({sheets}) et aucun ne s'appelle "
        "« {data_sheet} ». Renommez « {data_sheet} » l'onglet de vos salariés, ou supprimez les "
        "autres onglets, puis importez-le de nouveau.",
    )
    OLD_TEMPLATE = (
        "old_template",
        "Ce fichier a été préparé avec une ancienne version du modèle, dont les colonnes ont "
        "changé. " + _COLUMN_RULE + " " + _DOWNLOAD_TEMPLATE,
    )
    HEADER_MISSING = (
        "header_missing",
        "La première ligne du fichier doit contenir les en-têtes des colonnes du modèle "
        "({first}…). " + _COLUMN_RULE + " " + _DOWNLOAD_TEMPLATE,
    )
    COLUMNS_MISSING = "columns_missing", _COLUMNS
    COLUMNS_EXTRA = "columns_extra", _COLUMNS
    COLUMNS_REORDERED = "columns_reordered", _COLUMNS
    COLUMNS_RENAMED = "columns_renamed", _COLUMNS
    NO_ROWS = (
        "no_rows",
        _FILE + "ne contient aucun salarié : renseignez un salarié par ligne, sous la ligne "
        "d'en-tête du modèle.",
    )
    TOO_MANY_ROWS = (
        "too_many_rows",
        _FILE + "contient plus de {limit} salariés, la limite par fichier : répartissez-les "
        "dans plusieurs fichiers d'au plus {limit} lignes.",
    )
    IMPORT_STILL_RUNNING = (
        "import_still_running",
        "Le fichier est encore en cours de traitement : ses lignes en erreur pourront être "
        "corrigées une fois le traitement terminé.",
    )
    CORRECTION_NOTHING_SENT = (
        "correction_nothing_sent",
        "Aucune ligne en erreur de cet import n'a été reçue. Actualisez la page, corrigez les "
        "lignes du tableau puis cliquez de nouveau sur « Valider les corrections ».",
    )
    ROW_ALREADY_DECLARED = (
        "row_already_declared",
        "La ligne {line} a déjà été corrigée et déclarée : elle ne l'est pas une seconde fois.",
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
