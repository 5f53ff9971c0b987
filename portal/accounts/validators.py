"""Password rule of the user guide: a lowercase, an uppercase, a digit and a special character."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

MESSAGE = (
    "Votre mot de passe doit contenir au moins 8 caractères avec une minuscule, "
    "une majuscule, un chiffre et un caractère spécial."
)


def missing_classes(password: str) -> list[str]:
    """The character classes absent from `password`, in French."""
    checks = [
        ("une minuscule", any(c.islower() for c in password)),
        ("une majuscule", any(c.isupper() for c in password)),
        ("un chiffre", any(c.isdigit() for c in password)),
        ("un caractère spécial", any(not c.isalnum() for c in password)),
    ]
    return [name for name, present in checks if not present]


class CharacterClassesValidator:
    def validate(self, password: str, user: Any = None) -> None:
        missing = missing_classes(password)
        if missing:
            raise ValidationError(
                "Il manque à votre mot de passe : %(missing)s.",
                code="password_classes",
                params={"missing": ", ".join(missing)},
            )

    def get_help_text(self) -> str:
        return MESSAGE
