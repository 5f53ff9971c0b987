"""The DSN parser's findings: one stable code per problem, one French message and one severity each.

Severities:
- `fatal`: the file cannot be trusted as a whole (empty, binary, truncated, wrong totals); the
  parser refuses it with `DsnRefused`, which carries every finding.
- `error`: a value or a block breaks the norm; the file is read, the declaration that holds it
  must answer with a return in its compte rendu métier.
- `warning`: worth telling the declarant or the staff, nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.core.errors import ErrorCode


class Severity(StrEnum):
    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"


class FindingCode(StrEnum):
    # The file as a whole (fatal).
    EMPTY_FILE = "empty_file"
    BINARY_FILE = "binary_file"
    NOT_A_DSN = "not_a_dsn"
    TRUNCATED = "truncated"
    MISSING_TOTAL = "missing_total"
    TOTAL_RUBRIQUES = "total_rubriques"
    TOTAL_DECLARATIONS = "total_declarations"
    # Encoding and syntax of a line.
    BROKEN_ACCENTS = "broken_accents"
    MIXED_ENCODINGS = "mixed_encodings"
    LINE_SYNTAX = "line_syntax"
    LINE_TOO_LONG = "line_too_long"
    APOSTROPHE_IN_VALUE = "apostrophe_in_value"
    DOUBLED_APOSTROPHE = "doubled_apostrophe"
    EMPTY_VALUE = "empty_value"
    # Structure.
    UNKNOWN_BLOCK = "unknown_block"
    UNKNOWN_RUBRIQUE = "unknown_rubrique"
    ORPHAN_BLOCK = "orphan_block"
    BLOCK_OUT_OF_ORDER = "block_out_of_order"
    BLOCK_REPEATED = "block_repeated"
    RUBRIQUE_OUT_OF_ORDER = "rubrique_out_of_order"
    MISSING_BLOCK = "missing_block"
    MISSING_RUBRIQUE = "missing_rubrique"
    # Values.
    VALUE_LENGTH = "value_length"
    VALUE_PATTERN = "value_pattern"
    VALUE_ENUMERATION = "value_enumeration"
    VALUE_DATE = "value_date"
    # Norm version.
    MISSING_NORM_VERSION = "missing_norm_version"
    UNKNOWN_NORM_VERSION = "unknown_norm_version"
    # Too many problems to list them all.
    TOO_MANY_FINDINGS = "too_many_findings"

    @property
    def severity(self) -> Severity:
        return _SEVERITIES[self]

    def message(self, **context: object) -> str:
        return _MESSAGES[self].format(**context)


_MESSAGES: dict[FindingCode, str] = {
    FindingCode.EMPTY_FILE: "Le fichier est vide : il ne contient aucune rubrique DSN.",
    FindingCode.BINARY_FILE: "Le fichier n'est pas un fichier texte DSN (contenu binaire).",
    FindingCode.NOT_A_DSN: "Le fichier n'est pas un fichier DSN : ses premières lignes ne sont "
    "pas de la forme S21.G00.30.001,'valeur'.",
    FindingCode.TRUNCATED: "Le fichier est tronqué : il s'arrête avant le total de l'envoi "
    "(S90.G00.90).",
    FindingCode.MISSING_TOTAL: "L'envoi ne se termine pas par son total (S90.G00.90).",
    FindingCode.TOTAL_RUBRIQUES: "Le total S90.G00.90.001 annonce {expected} rubriques, "
    "l'envoi en contient {actual}.",
    FindingCode.TOTAL_DECLARATIONS: "Le total S90.G00.90.002 annonce {expected} déclarations, "
    "l'envoi en contient {actual}.",
    FindingCode.BROKEN_ACCENTS: "Le fichier a été réenregistré en UTF-8 avec des accents perdus "
    "(caractère de remplacement) : vérifiez la valeur.",
    FindingCode.MIXED_ENCODINGS: "Le fichier mélange des lignes en UTF-8 et en ISO-8859-1 : "
    "cette ligne a été lue en ISO-8859-1.",
    FindingCode.LINE_SYNTAX: "Ligne illisible : une ligne DSN a la forme S21.G00.30.001,'valeur'.",
    FindingCode.LINE_TOO_LONG: "La ligne dépasse 256 caractères ({length}).",
    FindingCode.APOSTROPHE_IN_VALUE: "La valeur contient une apostrophe : elle a été lue jusqu'à "
    "la dernière apostrophe de la ligne.",
    FindingCode.DOUBLED_APOSTROPHE: "La valeur contient une apostrophe doublée ('') : "
    "elle a été lue comme une seule apostrophe.",
    FindingCode.EMPTY_VALUE: "La rubrique est vide : une rubrique sans valeur ne doit pas "
    "être transmise.",
    FindingCode.UNKNOWN_BLOCK: "Le bloc {block} n'existe pas dans la norme {version}.",
    FindingCode.UNKNOWN_RUBRIQUE: "La rubrique n'existe pas dans la norme {version}.",
    FindingCode.ORPHAN_BLOCK: "Le bloc {block} n'est pas précédé de son bloc parent {parent} : "
    "ses rubriques sont ignorées.",
    FindingCode.BLOCK_OUT_OF_ORDER: "Le bloc {block} reprend après un autre bloc : les blocs de "
    "même type doivent se suivre.",
    FindingCode.BLOCK_REPEATED: "Le bloc {block} ne peut figurer qu'une fois ({maximum} au plus) "
    "sous son bloc parent.",
    FindingCode.RUBRIQUE_OUT_OF_ORDER: "Les rubriques du bloc {block} ne sont pas dans l'ordre "
    "croissant : cette rubrique ouvre un nouveau bloc.",
    FindingCode.MISSING_BLOCK: "Le bloc obligatoire {block} ({name}) manque sous le bloc "
    "{parent} commencé à cette ligne.",
    FindingCode.MISSING_RUBRIQUE: "La rubrique obligatoire {missing} ({name}) manque dans le "
    "bloc commencé à cette ligne.",
    FindingCode.VALUE_LENGTH: "La valeur doit compter de {minimum} à {maximum} caractères "
    "(elle en compte {length}).",
    FindingCode.VALUE_PATTERN: "La valeur n'a pas le format attendu ({datatype}).",
    FindingCode.VALUE_ENUMERATION: "La valeur ne fait pas partie des codes autorisés par la "
    "norme {version}.",
    FindingCode.VALUE_DATE: "La date n'existe pas au calendrier (JJMMAAAA).",
    FindingCode.MISSING_NORM_VERSION: "La version de la norme (S10.G00.00.006) manque : le "
    "fichier a été contrôlé avec la norme {version}.",
    FindingCode.UNKNOWN_NORM_VERSION: "La norme {declared} n'est pas connue du portail : le "
    "fichier a été contrôlé avec la norme la plus proche, {version}.",
    FindingCode.TOO_MANY_FINDINGS: "Plus de {limit} anomalies : les suivantes ne sont pas "
    "détaillées.",
}

_SEVERITIES: dict[FindingCode, Severity] = {
    code: Severity.ERROR
    for code in (
        FindingCode.LINE_SYNTAX,
        FindingCode.LINE_TOO_LONG,
        FindingCode.EMPTY_VALUE,
        FindingCode.UNKNOWN_BLOCK,
        FindingCode.UNKNOWN_RUBRIQUE,
        FindingCode.ORPHAN_BLOCK,
        FindingCode.BLOCK_OUT_OF_ORDER,
        FindingCode.BLOCK_REPEATED,
        FindingCode.RUBRIQUE_OUT_OF_ORDER,
        FindingCode.MISSING_BLOCK,
        FindingCode.MISSING_RUBRIQUE,
        FindingCode.VALUE_LENGTH,
        FindingCode.VALUE_PATTERN,
        FindingCode.VALUE_ENUMERATION,
        FindingCode.VALUE_DATE,
    )
}
_SEVERITIES.update(
    {
        code: Severity.FATAL
        for code in (
            FindingCode.EMPTY_FILE,
            FindingCode.BINARY_FILE,
            FindingCode.NOT_A_DSN,
            FindingCode.TRUNCATED,
            FindingCode.MISSING_TOTAL,
            FindingCode.TOTAL_RUBRIQUES,
            FindingCode.TOTAL_DECLARATIONS,
        )
    }
)
_SEVERITIES.update(
    {
        code: Severity.WARNING
        for code in (
            FindingCode.BROKEN_ACCENTS,
            FindingCode.MIXED_ENCODINGS,
            FindingCode.APOSTROPHE_IN_VALUE,
            FindingCode.DOUBLED_APOSTROPHE,
            FindingCode.MISSING_NORM_VERSION,
            FindingCode.UNKNOWN_NORM_VERSION,
            FindingCode.TOO_MANY_FINDINGS,
        )
    }
)
assert set(_MESSAGES) == set(FindingCode) == set(_SEVERITIES)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a file: where (line, rubrique), what (value, code), the French text."""

    line: int | None
    rubrique: str | None
    value: str | None
    code: FindingCode
    message: str
    severity: Severity

    @classmethod
    def of(
        cls,
        code: FindingCode,
        line: int | None = None,
        rubrique: str | None = None,
        value: str | None = None,
        **context: object,
    ) -> Finding:
        return cls(line, rubrique, value, code, code.message(**context), code.severity)


class DsnRefused(Exception):
    """The file is refused as a whole. The only exception the parser raises on a broken file."""

    def __init__(self, findings: list[Finding] | tuple[Finding, ...]) -> None:
        self.findings = tuple(findings)
        fatal = [f for f in self.findings if f.severity is Severity.FATAL]
        first = fatal[0] if fatal else (self.findings[0] if self.findings else None)
        self.message = "Le fichier DSN est refusé" + (f" : {first.message}" if first else ".")
        super().__init__(self.message)


# --- Ends of contract (S21.G00.62) --------------------------------------------------------------

# Business codes of the compte rendu métier (dsn.md §4, GEREP's): an end of contract that could
# not be applied ("impossibilité de radier"), and one reported for information.
CRM_END_ERROR = "EFCT98"
CRM_END_INFORMATION = "IFCT99"


class DsnEndError(ErrorCode):
    """What applying a DSN end of contract (S21.G00.62) says about one individual."""

    END_TERMINATED = (
        "dsn_end_terminated",
        "Résiliation au {termination_date} (motif DSN {motif} : {label}), portabilité : "
        "{portability}.",
    )
    END_UNDONE = (
        "dsn_end_undone",
        "Annulation de la fin de contrat (motif 099) : la résiliation au {termination_date} "
        "est annulée, l'adhésion est rétablie.",
    )
    END_TRANSFER = (
        "dsn_end_transfer",
        "Transfert du contrat de travail sans rupture (motif {motif}) : l'affiliation est "
        "maintenue, aucune résiliation n'est faite.",
    )
    END_AFFILIATION_KEPT = (
        "dsn_end_affiliation_kept",
        "Maintien de l'affiliation au contrat collectif (S21.G00.62.016 = 01) : l'affiliation "
        "continue, aucune résiliation n'est faite.",
    )
    END_ALREADY_APPLIED = (
        "dsn_end_already_applied",
        "Cette fin de contrat a déjà été prise en compte (résiliation au {termination_date}) : "
        "aucun changement.",
    )
    END_ALREADY_TERMINATED = (
        "dsn_end_already_terminated",
        "Ce salarié est déjà radié dans le portail (au {end_date}) : aucun changement.",
    )
    END_NO_CURRENT_MEMBERSHIP = (
        "dsn_end_no_current_membership",
        "Ce salarié n'a aucune adhésion en cours dans le portail : aucune résiliation n'est "
        "nécessaire.",
    )
    END_PERSON_UNKNOWN = (
        "dsn_end_person_unknown",
        "Impossibilité de radier : aucun salarié de l'entreprise n'a ce numéro de sécurité "
        "sociale dans le portail. Vérifiez le numéro déclaré.",
    )
    END_INCOMPLETE = (
        "dsn_end_incomplete",
        "La fin du contrat n'indique pas sa date (S21.G00.62.001) ou son motif "
        "(S21.G00.62.002) : la résiliation est à traiter par nos services.",
    )
    END_MOTIF_REVIEW = (
        "dsn_end_motif_review",
        "Le motif de rupture {motif} ({label}) ne dit pas si la portabilité est ouverte : la "
        "résiliation est à traiter par nos services, elle n'est pas faite automatiquement.",
    )
    END_MOTIF_UNKNOWN = (
        "dsn_end_motif_unknown",
        "Le motif de rupture {motif} n'est pas connu du portail : la résiliation est à traiter "
        "par nos services, elle n'est pas faite automatiquement.",
    )
    END_CANCELLATION_NOTHING_TO_UNDO = (
        "dsn_end_cancellation_nothing_to_undo",
        "Annulation de la fin de contrat (motif 099) : aucune résiliation faite depuis la DSN "
        "pour ce contrat de travail (N° {number}, débuté le {start_date}) n'a été trouvée.",
    )
    END_CANCELLATION_ALREADY_APPLIED = (
        "dsn_end_cancellation_already_applied",
        "Annulation de la fin de contrat (motif 099) déjà prise en compte : la résiliation "
        "avait été annulée, aucun changement.",
    )
    END_CANCELLATION_TOO_LATE = (
        "dsn_end_cancellation_too_late",
        "Annulation de la fin de contrat (motif 099) : la résiliation au {termination_date} a "
        "déjà été traitée par nos services et ne peut plus être annulée automatiquement.",
    )
    END_CANCELLED_BY_STAFF = (
        "dsn_end_cancelled_by_staff",
        "Cette fin de contrat au {termination_date} a déjà été déclarée et sa résiliation a "
        "été annulée par nos services : elle n'est pas refaite automatiquement, à examiner.",
    )
    END_ABSENT_FROM_MONTHLY = (
        "dsn_end_absent_from_monthly",
        "Ce salarié a une adhésion en cours dans le portail mais n'est pas déclaré dans la DSN "
        "mensuelle, sans fin de contrat : vérifiez sa situation (il n'est pas radié "
        "automatiquement).",
    )
    END_ABSENT_WITHOUT_NIR = (
        "dsn_end_absent_without_nir",
        "Ce salarié a une adhésion en cours mais aucun numéro de sécurité sociale dans le "
        "portail : il ne peut pas être rapproché de la DSN mensuelle. Complétez son numéro.",
    )

    @property
    def crm_code(self) -> str:
        """The compte rendu métier's business code of this return."""
        return CRM_END_INFORMATION if self in _END_INFORMATION else CRM_END_ERROR


_END_INFORMATION = frozenset(
    {
        DsnEndError.END_TERMINATED,
        DsnEndError.END_UNDONE,
        DsnEndError.END_TRANSFER,
        DsnEndError.END_AFFILIATION_KEPT,
        DsnEndError.END_ALREADY_APPLIED,
        DsnEndError.END_ALREADY_TERMINATED,
        DsnEndError.END_NO_CURRENT_MEMBERSHIP,
        DsnEndError.END_CANCELLATION_ALREADY_APPLIED,
    }
)


def end_crm_code(code: str) -> str:
    """The CRM business code of an end-of-contract outcome's `code`: a termination refused by
    a rule (its own code, e.g. too retroactive) cannot be applied, `EFCT98`; one applied
    without a remark (code "") has none."""
    if not code:
        return ""
    known = _END_CODES.get(code)
    return known.crm_code if known is not None else CRM_END_ERROR


_END_CODES: dict[str, DsnEndError] = {code.value: code for code in DsnEndError}


class DsnError(ErrorCode):
    """The intake's business returns (the compte rendu métier's codes, dsn.md §4): what a
    declaration's data could not be matched to, one French message each. The value is the
    CRM code in lower case (the house style of codes): `crm` gives it as the CRM writes it."""

    @property
    def crm(self) -> str:
        return self.value.upper()

    DSN_FILE_TOO_LARGE = (
        "dsn_file_too_large",
        "Le fichier dépasse {megabytes} Mo : il ne peut pas être déposé.",
    )
    UNKNOWN_ESTABLISHMENT = (
        "eetb01",
        "L'établissement de SIRET {siret} n'est pas une entreprise cliente du portail : la "
        "déclaration n'est pas intégrée.",
    )
    UNKNOWN_CONTRACT_REFERENCE = (
        "eadh02",
        "La référence contrat {reference} (S21.G00.15.001) ne correspond à aucun contrat de "
        "l'entreprise.",
    )
    UNKNOWN_ORGANISME = (
        "eadh03",
        "Le code organisme {organisme} (S21.G00.15.002) ne correspond pas au contrat {reference}.",
    )
    UNKNOWN_DELEGATAIRE = (
        "eadh04",
        "Le code délégataire {delegataire} (S21.G00.15.003) ne correspond pas au contrat "
        "{reference}.",
    )
    UNKNOWN_OPTION = (
        "eaff03",
        "Le code option {option} (S21.G00.70.004) n'est pas prévu par le contrat {reference}.",
    )
    UNKNOWN_POPULATION = (
        "eaff06",
        "Le code population {population} (S21.G00.70.005) n'est pas prévu par le contrat "
        "{reference}.",
    )
    AFFILIATION_ENDED = (
        "iaff15",
        "Fin d'affiliation au {date} (S21.G00.70.015) sans fin du contrat de travail, pour une "
        "personne qui n'est pas affiliée à ce contrat dans le portail : à examiner.",
    )
    AFFILIATION_END_APPLIED = (
        "iaff16",
        "Fin d'affiliation au {date} (S21.G00.70.015) sans fin du contrat de travail : "
        "l'affiliation au contrat {reference} est résiliée (sans portabilité), les autres "
        "contrats continuent.",
    )
    AFFILIATION_END_ALREADY = (
        "iaff17",
        "Fin d'affiliation au {date} (S21.G00.70.015) déjà prise en compte : aucun changement.",
    )
    OPTION_CHANGED = (
        "iaff03",
        "Le code option passe de {before} à {after} : changement à examiner, non appliqué.",
    )
    POPULATION_CHANGED = (
        "iaff06",
        "Le code population passe de {before} à {after} : changement à examiner, non appliqué.",
    )
    DSN_NIR_MISSING = (
        "eind01",
        "Le salarié n'a pas de NIR valide (S21.G00.30.001) : il ne peut pas être affilié.",
    )
    DSN_NIR_TWICE = (
        "eind03",
        "Ce salarié (même NIR) est déjà déclaré ligne {line} de cette déclaration : ce second "
        "individu n'est pas intégré, à examiner.",
    )


# --- Compte rendu métier (CRM) codes --------------------------------------------------------
# The official CRM code list was not found (dsn.md §5): the portal's own codes for what has
# none in GEREP's list, in its shape (E… error, I… information; a block letter code, a rank).

# The parser's findings in a declaration: syntax (ESYN), structure (ESTR), format of a value
# (EFMT), norm version (INRM), warnings on the encoding (IFMT); the whole-file ones (EFIC)
# never reach a CRM (a refused file has no declaration) but keep a code all the same.
FINDING_CRM_CODES: dict[FindingCode, str] = {
    FindingCode.EMPTY_FILE: "EFIC01",
    FindingCode.BINARY_FILE: "EFIC02",
    FindingCode.NOT_A_DSN: "EFIC03",
    FindingCode.TRUNCATED: "EFIC04",
    FindingCode.MISSING_TOTAL: "EFIC05",
    FindingCode.TOTAL_RUBRIQUES: "EFIC06",
    FindingCode.TOTAL_DECLARATIONS: "EFIC07",
    FindingCode.BROKEN_ACCENTS: "IFMT01",
    FindingCode.MIXED_ENCODINGS: "IFMT02",
    FindingCode.LINE_SYNTAX: "ESYN01",
    FindingCode.LINE_TOO_LONG: "ESYN02",
    FindingCode.APOSTROPHE_IN_VALUE: "IFMT03",
    FindingCode.DOUBLED_APOSTROPHE: "IFMT04",
    FindingCode.EMPTY_VALUE: "ESYN03",
    FindingCode.UNKNOWN_BLOCK: "ESTR01",
    FindingCode.UNKNOWN_RUBRIQUE: "ESTR02",
    FindingCode.ORPHAN_BLOCK: "ESTR03",
    FindingCode.BLOCK_OUT_OF_ORDER: "ESTR04",
    FindingCode.BLOCK_REPEATED: "ESTR05",
    FindingCode.RUBRIQUE_OUT_OF_ORDER: "ESTR06",
    FindingCode.MISSING_BLOCK: "ESTR07",
    FindingCode.MISSING_RUBRIQUE: "ESTR08",
    FindingCode.VALUE_LENGTH: "EFMT01",
    FindingCode.VALUE_PATTERN: "EFMT02",
    FindingCode.VALUE_ENUMERATION: "EFMT03",
    FindingCode.VALUE_DATE: "EFMT04",
    FindingCode.MISSING_NORM_VERSION: "INRM01",
    FindingCode.UNKNOWN_NORM_VERSION: "INRM02",
    FindingCode.TOO_MANY_FINDINGS: "IFMT99",
}
assert set(FINDING_CRM_CODES) == set(FindingCode)

# A rule of the declaration path (the form's own codes, e.g. `name_invalid`) refusing an
# individual, by the block of the rubrique it is about; an end of contract refused by a rule
# is GEREP's EFCT98 ("impossibilité de radier").
RULE_CRM_CODES: dict[str, str] = {
    "S21.G00.30": "EIND02",  # the individual's identity, address, e-mail
    "S21.G00.40": "ECTR01",  # the work contract (its start date)
    "S21.G00.62": CRM_END_ERROR,
    "S21.G00.70": "EAFF01",  # the affiliation (its start date)
}
RULE_CRM_DEFAULT = "EIND02"


def outcome_crm_code(code: str, rubrique: str) -> str:
    """The CRM business code of an individual's outcome (its stored `code` and `rubrique`);
    "" for an outcome without a remark."""
    if not code:
        return ""
    if code in _DSN_CODES:
        return _DSN_CODES[code].crm
    if code in _END_CODES:
        return _END_CODES[code].crm_code
    if code in _REPLACE_CODES:
        return _REPLACE_CODES[code].crm_code
    return RULE_CRM_CODES.get(rubrique[:10], RULE_CRM_DEFAULT)


_DSN_CODES: dict[str, DsnError] = {code.value: code for code in DsnError}


# --- Annule et remplace (S20.G00.05.002 = 03, 04, 05), duplicates ------------------------------


class DsnReplaceError(ErrorCode):
    """What receiving a declaration that replaces or cancels an earlier one (or repeats one
    already received) says: about the declaration as a whole, or one individual of the
    earlier declaration whose result is withdrawn (dsn.md §1.5, §4 "Before processing")."""

    DUPLICATE = (
        "dsn_duplicate",
        "Cette déclaration (numéro d'ordre {sequence}) a déjà été reçue le {received} dans le "
        "fichier « {file} » : elle n'est pas intégrée une seconde fois.",
    )
    OUTDATED = (
        "dsn_outdated",
        "Cette déclaration a déjà été remplacée ou annulée par la déclaration reçue le "
        "{received} dans le fichier « {file} » : elle n'est pas intégrée.",
    )
    MONTHLY_CANNOT_BE_CANCELLED = (
        "dsn_monthly_cannot_be_cancelled",
        "Une DSN mensuelle ne peut pas être annulée (S20.G00.05.002 = 04) : elle est remplacée "
        "par une déclaration « annule et remplace » (03). La déclaration n'est pas intégrée.",
    )
    REPLACED_ID_MISSING = (
        "dsn_replaced_id_missing",
        "Ce signalement annule ou remplace une déclaration sans l'identifier "
        "(S20.G00.05.006) : il n'est pas intégré.",
    )
    CANCELLED_NOT_RECEIVED = (
        "dsn_cancelled_not_received",
        "La déclaration annulée ({replaced}) n'a pas été reçue : rien n'est à annuler, elle ne "
        "sera pas intégrée si elle arrive plus tard.",
    )
    REPLACED_NOT_RECEIVED = (
        "dsn_replaced_not_received",
        "La déclaration remplacée ({replaced}) n'a pas été reçue : celle-ci est intégrée, la "
        "déclaration remplacée ne le sera pas si elle arrive plus tard.",
    )
    REPLACED = (
        "dsn_replaced",
        "Cette déclaration remplace celle reçue le {received} dans le fichier « {file} » : "
        "seuls les résultats qu'elle ne reprend pas sont annulés.",
    )
    CANCELLED = (
        "dsn_cancelled",
        "Cette déclaration annule celle reçue le {received} dans le fichier « {file} » : ses "
        "résultats sont annulés.",
    )
    AFFILIATION_WITHDRAWN = (
        "dsn_affiliation_withdrawn",
        "L'affiliation déclarée par la déclaration remplacée ou annulée n'est plus déclarée : "
        "elle est annulée, le lien d'inscription du salarié ne fonctionne plus.",
    )
    AFFILIATION_TOO_LATE = (
        "dsn_affiliation_too_late",
        "L'affiliation déclarée par la déclaration remplacée ou annulée n'est plus déclarée, "
        "mais la demande est « {state} » : elle ne peut plus être annulée automatiquement, "
        "elle est à examiner par nos services.",
    )
    TERMINATION_WITHDRAWN = (
        "dsn_termination_withdrawn",
        "La résiliation au {termination_date} faite par la déclaration remplacée ou annulée "
        "n'est plus déclarée : elle est annulée, l'adhésion est rétablie.",
    )
    TERMINATION_TOO_LATE = (
        "dsn_termination_too_late",
        "La résiliation au {termination_date} faite par la déclaration remplacée ou annulée "
        "n'est plus déclarée, mais elle a déjà été traitée par nos services : elle ne peut "
        "plus être annulée automatiquement, elle est à examiner.",
    )
    UNDO_NOT_REPEATED = (
        "dsn_undo_not_repeated",
        "La déclaration remplacée ou annulée avait annulé la résiliation au "
        "{termination_date} (motif 099), ce que la nouvelle déclaration ne reprend pas : à "
        "examiner par nos services, la résiliation n'est pas refaite automatiquement.",
    )
    CANCELLATION_NOTE = (
        "dsn_cancellation_note",
        "Déclaration DSN remplacée ou annulée (fichier « {file} »).",
    )

    @property
    def crm_code(self) -> str:
        """The compte rendu métier's code of this return, in the E…/I… shape of the others:
        EDEC/IDEC about the declaration as a whole, EAFF/IAFF and EFCT/IFCT about one
        individual's affiliation or end of contract withdrawn."""
        return _REPLACE_CRM_CODES[self]


_REPLACE_CRM_CODES: dict[DsnReplaceError, str] = {
    DsnReplaceError.DUPLICATE: "EDEC01",
    DsnReplaceError.OUTDATED: "EDEC02",
    DsnReplaceError.MONTHLY_CANNOT_BE_CANCELLED: "EDEC03",
    DsnReplaceError.REPLACED_ID_MISSING: "EDEC04",
    DsnReplaceError.CANCELLED_NOT_RECEIVED: "IDEC01",
    DsnReplaceError.REPLACED_NOT_RECEIVED: "IDEC02",
    DsnReplaceError.REPLACED: "IDEC03",
    DsnReplaceError.CANCELLED: "IDEC04",
    DsnReplaceError.CANCELLATION_NOTE: "IDEC05",
    DsnReplaceError.AFFILIATION_WITHDRAWN: "IAFF20",
    DsnReplaceError.AFFILIATION_TOO_LATE: "EAFF20",
    DsnReplaceError.TERMINATION_WITHDRAWN: "IFCT20",
    DsnReplaceError.TERMINATION_TOO_LATE: "EFCT20",
    DsnReplaceError.UNDO_NOT_REPEATED: "EFCT21",
}
assert set(_REPLACE_CRM_CODES) == set(DsnReplaceError)
_REPLACE_CODES: dict[str, DsnReplaceError] = {code.value: code for code in DsnReplaceError}


class DsnAnomalyError(ErrorCode):
    """Staff handling the DSN anomalies of "À traiter"."""

    NOT_AN_ANOMALY = ("not_an_anomaly", "Ce résultat DSN n'est pas une anomalie.")
    ANOMALY_ALREADY_HANDLED = (
        "anomaly_already_handled",
        "Cette anomalie a déjà été traitée par {holder} le {at}.",
    )
