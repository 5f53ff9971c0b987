"""Log in with the identifier or the e-mail ("Votre identifiant ou votre Email", user guide)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from portal.accounts.models import User


class IdentifierOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        login = username.strip()
        user = User.objects.filter(Q(identifier=login) | Q(email__iexact=login)).first()
        if user is None:
            # Same work as a real check, so that timing does not reveal which logins exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def lockout_key(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The key failures are counted under: the account's identifier, however it was typed."""
    typed = ((credentials or {}).get("username") or request.POST.get("username") or "").strip()
    user = User.objects.filter(Q(identifier=typed) | Q(email__iexact=typed)).first()
    return user.identifier if user else typed.lower()
