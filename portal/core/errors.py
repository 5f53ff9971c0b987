"""The one error vocabulary of every door: a `Problem`, its `ErrorCode`, and `BusinessError`.

Each app lists its codes in `portal/<app>/errors.py`, an `ErrorCode` enum whose members carry
their one French message: the form, the rejection file, the DSN report and the API show the same
text for the same code. A service raises every problem it finds at once (`BusinessError.of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Self


class ErrorCode(StrEnum):
    """A stable code (the member's value) and its one French message.

    Members are written `NAME = "code", "Message."`; a message may hold `{placeholders}` for
    the values it quotes (`code.text(label="NIR")`).
    """

    message: str

    def __new__(cls, code: str, message: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        return member

    def text(self, **params: object) -> str:
        """The message with its placeholders filled in."""
        return self.message.format(**params) if params else self.message


@dataclass(frozen=True)
class Problem:
    """One thing wrong: the field it is about ("" for the whole operation; a file import's
    column key for a cell), a stable code, the French message, and optionally a link that
    helps (e.g. the employee already declared)."""

    field: str
    code: str
    message: str
    link: str = ""

    @classmethod
    def of(cls, code: ErrorCode, field: str = "", *, link: str = "", **params: object) -> Problem:
        """The problem `code` on `field`, its message filled in with `params`."""
        return cls(field, str(code), code.text(**params), link)

    def on(self, field: str) -> Problem:
        """The same problem, about another field."""
        return replace(self, field=field)

    def as_dict(self) -> dict[str, str]:
        """What a stored row or a JSON answer keeps: `{field, code, message}`."""
        return {"field": self.field, "code": self.code, "message": self.message}


class BusinessError(Exception):
    """A rule refused the operation; `problems` says every reason, in the order found.

    `BusinessError(SomeError.CODE, field=..., **params)` raises one problem with its message;
    `BusinessError.of(problems)` raises several.
    """

    problems: list[Problem]

    def __init__(
        self, code: ErrorCode, *, field: str = "", link: str = "", **params: object
    ) -> None:
        self._carry([Problem.of(code, field, link=link, **params)])

    def _carry(self, problems: list[Problem]) -> None:
        self.problems = problems
        Exception.__init__(self, problems[0].message)

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> BusinessError:
        """One error carrying all of `problems` (at least one)."""
        found = list(problems)
        if not found:
            raise ValueError("A business error needs at least one problem.")
        error = cls.__new__(cls)
        error._carry(found)
        return error

    @property
    def code(self) -> str:
        return self.problems[0].code

    @property
    def message(self) -> str:
        return self.problems[0].message

    @property
    def field(self) -> str:
        return self.problems[0].field


_INVALID_NIR = "Le numéro de sécurité sociale est invalide : "
_CHECK_CARD = "sur l'attestation de droits ou la carte Vitale."
_RETRY = "puis déposez-le de nouveau."
_DATES = "Corrigez le numéro ou la date de naissance."


class CoreError(ErrorCode):
    """The kernel's checks: NIR, dates declared with it, uploaded files."""

    NIR_FORMAT = (
        "nir_format",
        _INVALID_NIR + "il doit comporter 15 caractères, soit 13 chiffres suivis de la clé de 2 "
        "chiffres (seuls les 6e et 7e peuvent être 2A ou 2B, pour une naissance en Corse). "
        "Recopiez-le en entier depuis l'attestation de droits ou la carte Vitale.",
    )
    NIR_SEX = (
        "nir_sex",
        _INVALID_NIR + "il doit commencer par 1 (homme) ou 2 (femme), ou par 7 ou 8 pour un "
        "numéro provisoire. Vérifiez le premier chiffre " + _CHECK_CARD,
    )
    NIR_MONTH = (
        "nir_month",
        _INVALID_NIR + "ses 4e et 5e chiffres ne correspondent à aucun mois de naissance. "
        "Vérifiez-les " + _CHECK_CARD,
    )
    NIR_PLACE = (
        "nir_place",
        _INVALID_NIR + "ses chiffres 6 à 10 ne correspondent à aucun lieu de naissance "
        "(département, outre-mer ou pays). Vérifiez-les " + _CHECK_CARD,
    )
    NIR_ORDER = (
        "nir_order",
        _INVALID_NIR + "ses chiffres 11 à 13 ne peuvent pas être 000. Vérifiez-les " + _CHECK_CARD,
    )
    NIR_KEY = (
        "nir_key",
        _INVALID_NIR + "sa clé ne correspond pas. Vérifiez les 15 chiffres " + _CHECK_CARD,
    )
    NIR_PROVISIONAL = (
        "nir_provisional",
        "Ce numéro de sécurité sociale est un numéro provisoire (il commence par 7 ou 8) : "
        "remplacez-le par le numéro définitif dès que le salarié le reçoit.",
    )
    NIR_CIVILITY_MISMATCH = (
        "nir_civility_mismatch",
        "Le numéro de sécurité sociale commence par {sex} ({nir_says}) alors que la civilité "
        "est « {form_says} ». Corrigez le numéro ou la civilité.",
    )
    NIR_BIRTH_YEAR_MISMATCH = (
        "nir_birth_year_mismatch",
        "Le numéro de sécurité sociale ne correspond pas à la « Date de naissance » : "
        "ses 2e et 3e chiffres (« {year} ») devraient être ceux de l'année de naissance "
        "(« {birth_year} »). " + _DATES,
    )
    NIR_BIRTH_MONTH_MISMATCH = (
        "nir_birth_month_mismatch",
        "Le numéro de sécurité sociale ne correspond pas à la « Date de naissance » : "
        "ses 4e et 5e chiffres (« {digits} ») indiquent le mois de {nir_month}, mais la date "
        "de naissance est en {birth_month}. " + _DATES,
    )
    NIR_CORSICA_20_SINCE_1976 = (
        "nir_corsica_20_since_1976",
        "Le numéro de sécurité sociale indique une naissance en Corse avec le code 20, "
        "remplacé par 2A ou 2B pour les naissances depuis 1976. "
        "Vérifiez le numéro et la « Date de naissance ».",
    )
    NIR_CORSICA_2AB_BEFORE_1976 = (
        "nir_corsica_2ab_before_1976",
        "Le numéro de sécurité sociale indique une naissance en Corse avec le code {department}, "
        "utilisé seulement pour les naissances depuis 1976. "
        "Vérifiez le numéro et la « Date de naissance ».",
    )
    BIRTH_DATE_FUTURE = (
        "birth_date_future",
        "La « Date de naissance » est dans le futur. Vérifiez le jour, le mois et l'année.",
    )
    BIRTH_DATE_IMPLAUSIBLE = (
        "birth_date_implausible",
        "La « Date de naissance » correspond à un âge de plus de {age} ans. Vérifiez l'année.",
    )
    BIRTH_DATE_TOO_YOUNG = (
        "birth_date_too_young",
        "La « Date de naissance » correspond à un âge de moins de {age} ans, trop jeune pour "
        "être salarié. Vérifiez l'année.",
    )
    EFFECTIVE_BEFORE_HIRE = (
        "effective_before_hire",
        "La « Date d'effet du contrat » ({effective_date}) ne peut pas précéder la « Date "
        "d'embauche » ({hire_date}). Corrigez l'une des deux dates.",
    )
    EFFECTIVE_BEFORE_CONTRACT = (
        "effective_before_contract",
        "La « Date d'effet du contrat » ne peut pas précéder le début du contrat de "
        "l'entreprise, le {contract_start}. Saisissez le {contract_start} ou une date "
        "postérieure.",
    )
    HIRE_BEFORE_14 = (
        "hire_before_14",
        "La « Date d'embauche » ({hire_date}) précède les {age} ans du salarié "
        "({birthday}) d'après la « Date de naissance ». Vérifiez ces deux dates.",
    )
    FILE_EMPTY = (
        "file_empty",
        "Le fichier « {name} » est vide : choisissez de nouveau votre justificatif, " + _RETRY,
    )
    FILE_TOO_LARGE = (
        "file_too_large",
        "Le fichier « {name} » pèse {size} Mo, plus que la limite de {limit} Mo : réduisez sa "
        "taille (numérisation en 150 ppp, photo en qualité moyenne) " + _RETRY,
    )
    FILE_TYPE = (
        "file_type",
        "Le fichier « {name} » n'est ni un PDF, ni une image JPEG ou PNG : enregistrez votre "
        "justificatif dans l'un de ces formats " + _RETRY,
    )
    FILE_EXTENSION_MISMATCH = (
        "file_extension_mismatch",
        "Le fichier « {name} » porte l'extension {extension} mais contient {kind} : vérifiez "
        "que c'est bien votre justificatif, enregistrez-le sous son vrai format " + _RETRY,
    )
    PDF_DAMAGED = (
        "pdf_damaged",
        "Le fichier « {name} » est un PDF incomplet ou endommagé : enregistrez-le de nouveau "
        "depuis le logiciel ou le site d'origine " + _RETRY,
    )
    PDF_ENCRYPTED = (
        "pdf_encrypted",
        "Le fichier « {name} » est protégé par un mot de passe : enregistrez-en une copie sans "
        "protection (par exemple en l'imprimant au format PDF) " + _RETRY,
    )
    IMAGE_DAMAGED = (
        "image_damaged",
        "L'image « {name} » est incomplète ou endommagée : photographiez ou numérisez de "
        "nouveau votre justificatif " + _RETRY,
    )
    IMAGE_TOO_LARGE = (
        "image_too_large",
        "L'image « {name} » a trop de pixels (plus de {millions} millions) : réduisez sa "
        "définition " + _RETRY,
    )
