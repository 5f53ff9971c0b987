"""Keeps a logged-in user on the page they must pass first: a provisional password to replace,
a second factor to give."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portal.accounts.models import Role, User
from portal.accounts.policy import is_verified
from portal.accounts.views import choose_password_url, second_factor_url


class PasswordChangeRequiredMiddleware:
    """Every page but the password page, logging out and static files sends there first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "password_change_required", False)
            and request.path not in self.allowed_paths()
            and not request.path.startswith(("/static/", "/dev/outbox/"))
        ):
            next_page = request.get_full_path() if request.method == "GET" else None
            return redirect(choose_password_url(next_page))
        return self.get_response(request)

    @staticmethod
    def allowed_paths() -> set[str]:
        return {reverse("accounts:choose_password"), reverse("accounts:logout")}


class SecondFactorRequiredMiddleware:
    """A logged-in user whose session has not passed its second factor sees only the code
    step or the enrolment (and can log out) while one is due: they have an app, or a second
    factor is required for them (staff; HR as their companies decide)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) and not self.exempt(request):
            target = self.pending(request)
            if target is not None:
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def pending(request: HttpRequest) -> str | None:
        user = request.user
        if not (user.is_authenticated and isinstance(user, User)) or user.role == Role.MEMBER:
            return None
        if is_verified(user):
            return None
        next_page = request.get_full_path() if request.method == "GET" else None
        return second_factor_url(user, next_page)

    @staticmethod
    def exempt(request: HttpRequest) -> bool:
        allowed = {
            reverse("accounts:second_factor"),
            reverse("accounts:enrol_second_factor"),
            reverse("accounts:logout"),
            reverse("accounts:login"),
        }
        return request.path in allowed or request.path.startswith(("/static/", "/dev/outbox/"))
