from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest
from django_altcha import AltchaField

from portal.accounts.errors import AccountError
from portal.accounts.models import Role, User

# The anti-robot widget's texts, in the guide's words.
ALTCHA_STRINGS = {
    "label": "Je ne suis pas un robot",
    "verify": "Vérifier",
    "verifying": "Vérification en cours…",
    "verified": "Vérifié",
    "error": "La vérification a échoué. Réessayez.",
    "expired": "La vérification a expiré. Cochez à nouveau la case.",
    "waitAlert": "Vérification en cours… merci de patienter.",
    "verificationRequired": "Cochez la case « Je ne suis pas un robot ».",
    "ariaLinkLabel": "Site de ALTCHA",
    "footer": "",
}
ROBOT_REQUIRED = "Cochez la case « Je ne suis pas un robot » avant de continuer."
ROBOT_FAILED = (
    "La vérification « Je ne suis pas un robot » a échoué ou a expiré. "
    "Cochez à nouveau la case puis réessayez."
)


def robot_check() -> AltchaField:
    field = AltchaField(
        label="Je ne suis pas un robot",
        maxnumber=settings.ALTCHA_MAX_NUMBER,
        strings=json.dumps(ALTCHA_STRINGS),
        hidefooter=True,
        hidelogo=True,
        language="fr",
    )
    field.error_messages.update(
        required=ROBOT_REQUIRED, invalid=ROBOT_FAILED, error=ROBOT_FAILED, replay=ROBOT_FAILED
    )
    return field


class LoginForm(forms.Form):
    username = forms.CharField(
        label="Votre identifiant ou votre Email",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={"required": "Saisissez votre identifiant ou votre e-mail."},
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Saisissez votre mot de passe."},
    )
    remember = forms.BooleanField(
        label="Se souvenir de moi",
        required=False,
        help_text="30 jours sur cet appareil, une fois le code de vérification saisi.",
    )

    def __init__(
        self, request: HttpRequest, *args: Any, member_door: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.member_door = member_door
        self.user: User | None = None
        self.fields["robot"] = robot_check()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        user = authenticate(self.request, username=data["username"], password=data["password"])
        if user is None:
            raise forms.ValidationError(
                "Identifiant ou mot de passe incorrect. Vérifiez votre saisie ; après plusieurs "
                "erreurs, votre accès sera bloqué quelques minutes.",
                code="invalid_login",
            )
        # Two doors: an employee's "Mon espace perso", and the one of HR and staff. Whoever
        # knocks at the other's door is sent to their own, never logged into the wrong space.
        is_member = getattr(user, "role", "") == Role.MEMBER
        if is_member != self.member_door:
            wrong = AccountError.MEMBER_DOOR if self.member_door else AccountError.BUSINESS_DOOR
            raise forms.ValidationError(wrong.message, code=str(wrong))
        self.user = user
        return data


class PasswordResetRequestForm(forms.Form):
    login = forms.CharField(
        label="Votre identifiant ou votre Email",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={"required": "Saisissez votre identifiant ou votre e-mail."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["robot"] = robot_check()


class ChoosePasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Saisissez votre mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=(
            "Au moins 8 caractères avec une minuscule, une majuscule, un chiffre et un "
            "caractère spécial."
        ),
        error_messages={"required": "Saisissez votre nouveau mot de passe."},
    )
    password2 = forms.CharField(
        label="Confirmer votre mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Saisissez à nouveau votre mot de passe."},
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second: str = self.cleaned_data["password2"]
        if first and first != second:
            raise forms.ValidationError(
                "Les deux mots de passe ne sont pas identiques. Saisissez-les à nouveau.",
                code="password_mismatch",
            )
        return second

    def clean_password1(self) -> str:
        password: str = self.cleaned_data["password1"]
        validate_password(password, self.user)
        return password


CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "autofocus": True,
    "autocapitalize": "off",
    "spellcheck": "false",
}


class SecondFactorForm(forms.Form):
    """The code step of a login: the app's 6 digits, or a recovery code."""

    code = forms.CharField(
        label="Code de vérification",
        max_length=20,
        help_text=(
            "Le code à 6 chiffres affiché par votre application d'authentification, ou un de "
            "vos codes de secours (par exemple abcd-efgh)."
        ),
        widget=forms.TextInput(attrs=CODE_ATTRS),
        error_messages={"required": "Saisissez le code de vérification."},
    )


class EnrolmentForm(forms.Form):
    """Confirm the authenticator app with its first code; the key travels signed."""

    key = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(
        label="Code affiché par l'application",
        max_length=10,
        widget=forms.TextInput(attrs={**CODE_ATTRS, "inputmode": "numeric"}),
        error_messages={"required": "Saisissez le code à 6 chiffres affiché par l'application."},
    )
