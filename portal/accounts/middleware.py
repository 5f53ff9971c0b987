"""Keeps a user who logged in with a provisional password on the page that replaces it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portal.accounts.views import choose_password_url


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
