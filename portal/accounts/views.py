from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.accounts import services
from portal.accounts.backends import lockout_key
from portal.accounts.forms import ChoosePasswordForm, LoginForm, PasswordResetRequestForm
from portal.accounts.models import LinkPurpose, Role, User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError


def home_for(user: User) -> str:
    """Where a user lands after logging in."""
    if user.role == Role.STAFF:
        return reverse("backoffice:queue")
    if user.role == Role.MEMBER:
        return reverse("journey:space")
    return reverse("companies:choose")


def safe_next(request: HttpRequest) -> str | None:
    """The `next` page asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def backoffice_login(request: HttpRequest) -> HttpResponse:
    """The back office uses the one login page (anti-robot check and lockout included)."""
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return redirect(reverse("accounts:login") + query)


@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_for(request.user))
    form = LoginForm(request, request.POST or None)
    if request.method == "POST":
        if form.is_valid() and form.user is not None:
            login(request, form.user)
            # "Se souvenir de moi": a long session only when ticked; else it ends with the browser.
            request.session.set_expiry(
                settings.REMEMBER_ME_AGE if form.cleaned_data["remember"] else 0
            )
            audit.record(AuditAction.LOGIN, by=form.user, request=request)
            if form.user.password_change_required:
                return redirect(choose_password_url(safe_next(request)))
            return redirect(safe_next(request) or home_for(form.user))
        if "username" in form.cleaned_data and form.has_error("__all__", "invalid_login"):
            known = User.objects.filter(identifier=lockout_key(request, None)).first()
            audit.record(AuditAction.LOGIN_FAILED, by=None, target=known, request=request)
    return render(request, "accounts/login.html", {"form": form, "next": safe_next(request)})


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any]
) -> HttpResponse:
    """django-axes: the answer once a login has failed too often."""
    known = User.objects.filter(identifier=lockout_key(request, credentials)).first()
    audit.record(AuditAction.LOGIN_LOCKED, target=known, request=request)
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "accounts/login.html",
        {"form": LoginForm(request), "locked_minutes": minutes},
        status=429,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(AuditAction.LOGOUT, by=request.user, request=request)
    logout(request)
    messages.success(request, "Vous êtes déconnecté.")
    return redirect("accounts:login")


@never_cache
def password_reset_request_view(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(login=form.cleaned_data["login"], request=request)
        return render(
            request,
            "accounts/password_reset_sent.html",
            {"minutes": settings.PASSWORD_RESET_LINK_MINUTES},
        )
    return render(request, "accounts/password_reset_request.html", {"form": form})


@never_cache
def password_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a password from a link received by e-mail (reset or first login)."""
    try:
        link = services.get_usable_link(token)
    except BusinessError as error:
        return render(request, "accounts/password_link_invalid.html", {"error": error}, status=410)
    form = ChoosePasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_password_with_link(
                token=token, password=form.cleaned_data["password1"], request=request
            )
        except BusinessError as error:
            return render(
                request, "accounts/password_link_invalid.html", {"error": error}, status=410
            )
        messages.success(
            request, "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter."
        )
        return redirect("accounts:login")
    return render(
        request,
        "accounts/password_link.html",
        {"form": form, "link_user": link.user, "welcome": link.purpose == LinkPurpose.WELCOME},
    )


def choose_password_url(next_page: str | None) -> str:
    url = reverse("accounts:choose_password")
    return f"{url}?{urlencode({'next': next_page})}" if next_page else url


@never_cache
def choose_password_view(request: HttpRequest) -> HttpResponse:
    """After a login with the provisional password received by letter: choose your own."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user: User = request.user
    if not user.password_change_required:
        return redirect(safe_next(request) or home_for(user))
    form = ChoosePasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.choose_own_password(
                user=user, password=form.cleaned_data["password1"], request=request
            )
        except BusinessError as error:
            form.add_error(error.field or None, error.message)
        else:
            update_session_auth_hash(request, user)  # stay logged in with the new password
            messages.success(request, "Votre mot de passe est enregistré.")
            return redirect(safe_next(request) or home_for(user))
    return render(
        request,
        "accounts/choose_password.html",
        {"form": form, "next": safe_next(request)},
    )


def root(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return redirect(home_for(request.user))
