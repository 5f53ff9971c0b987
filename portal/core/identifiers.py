"""Checks of French identifiers shared by every door (form, file, DSN, API, back office)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from stdnum.fr import siret as stdnum_siret


def compact_digits(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits with a valid Luhn key (La Poste's establishments excepted by stdnum)."""
    number = compact_digits(value)
    if not re.fullmatch(r"\d{14}", number):
        raise ValidationError("Le N° de Siret doit comporter 14 chiffres.", code="siret_format")
    if not stdnum_siret.is_valid(number):
        raise ValidationError(
            "Le N° de Siret %(value)s est invalide : sa clé de contrôle ne correspond pas. "
            "Vérifiez-le sur l'avis de situation Insee de l'établissement.",
            code="siret_key",
            params={"value": number},
        )
