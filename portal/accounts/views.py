from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from portal.accounts import second_factor, services, throttling
from portal.accounts.backends import lockout_key
from portal.accounts.errors import AccountError
from portal.accounts.forms import (
    ChoosePasswordForm,
    EnrolmentForm,
    LoginForm,
    PasswordResetRequestForm,
    SecondFactorForm,
)
from portal.accounts.models import LinkPurpose, Role, User
from portal.accounts.policy import is_verified, remember_me_allowed, two_factor_required
from portal.core import audit
from portal.core.audit import AuditAction, client_ip
from portal.core.errors import BusinessError

# Session keys of a login between its password step and its second factor.
REMEMBER_KEY = "accounts_remember_me"
FAILURES_KEY = "accounts_code_failures"
LOGIN_ADDRESS_SCOPE = "login-failures-address"


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


def with_next(url: str, next_page: str | None) -> str:
    return f"{url}?{urlencode({'next': next_page})}" if next_page else url


def second_factor_url(user: User, next_page: str | None = None) -> str | None:
    """Where a logged-in user goes before anything else: the code step when they have an app,
    the enrolment when a second factor is required and they have none; None when neither."""
    if second_factor.has_confirmed_device(user):
        return with_next(reverse("accounts:second_factor"), next_page)
    if two_factor_required(user):
        return with_next(reverse("accounts:enrol_second_factor"), next_page)
    return None


MEMBER_PAGES = "/mon-espace/"


def door_next(request: HttpRequest, *, member_door: bool) -> str | None:
    """The `next` page, if it belongs to the door's space: a member page is never the target of
    the HR login, nor an HR page the target of the member's."""
    target = safe_next(request)
    if target is None or target.startswith(MEMBER_PAGES) != member_door:
        return None
    return target


def login_page(
    request: HttpRequest, form: LoginForm, *, member_door: bool = False, **context: Any
) -> dict[str, Any]:
    next_page = door_next(request, member_door=member_door)
    # The back office's door never offers a 30-day session (staff never get one).
    show_remember = not (next_page or "").startswith("/backoffice/")
    return {
        "form": form,
        "next": next_page,
        "show_remember": show_remember,
        "member_door": member_door,
        "action": reverse("accounts:member_login" if member_door else "accounts:login"),
        **context,
    }


def throttled_address(request: HttpRequest) -> bool:
    address = client_ip(request) or ""
    return throttling.over_limit(
        LOGIN_ADDRESS_SCOPE, address, limit=settings.LOGIN_FAILURES_PER_ADDRESS
    )


@never_cache
def login_view(request: HttpRequest, *, member_door: bool = False) -> HttpResponse:
    """The login of HR correspondents and staff ("Connectez-vous à votre espace entreprise"),
    and with `member_door` the employees' own ("Mon espace perso"): the same checks, lockout and
    anti-robot; each door lets in only its own users."""
    if request.user.is_authenticated:
        return redirect(home_for(request.user))
    if (
        not member_door
        and request.method == "GET"
        and (safe_next(request) or "").startswith(MEMBER_PAGES)
    ):
        # A logged-out employee following a link into their space: their own door.
        return redirect(with_next(reverse("accounts:member_login"), safe_next(request)))
    form = LoginForm(request, request.POST or None, member_door=member_door)
    template = "accounts/login.html"
    if request.method == "POST":
        # Per address, before any password is checked: a robot spraying many accounts from one
        # address stops here (the per-account lockout is axes').
        if throttled_address(request):
            audit.record(AuditAction.LOGIN_THROTTLED, by=None, request=request)
            error = AccountError.LOGIN_THROTTLED.text(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES)
            return render(
                request,
                template,
                login_page(
                    request,
                    LoginForm(request, member_door=member_door),
                    member_door=member_door,
                    throttled=error,
                ),
                status=429,
            )
        if form.is_valid() and form.user is not None:
            user = form.user
            next_page = door_next(request, member_door=member_door)
            login(request, user)
            # A browser session; "Se souvenir de moi" makes it 30 days only once a second factor
            # is verified (the code step), never for staff.
            request.session.set_expiry(0)
            if form.cleaned_data["remember"] and user.role != Role.STAFF and not user.is_staff:
                request.session[REMEMBER_KEY] = True
            audit.record(AuditAction.LOGIN, by=user, request=request)
            if user.password_change_required:
                return redirect(choose_password_url(next_page))
            return redirect(second_factor_url(user, next_page) or next_page or home_for(user))
        if "username" in form.cleaned_data and form.has_error("__all__", "invalid_login"):
            throttling.hit(
                LOGIN_ADDRESS_SCOPE,
                client_ip(request) or "",
                window_seconds=settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60,
            )
            known = User.objects.filter(identifier=lockout_key(request, None)).first()
            audit.record(AuditAction.LOGIN_FAILED, by=None, target=known, request=request)
    return render(request, template, login_page(request, form, member_door=member_door))


@never_cache
def member_login_view(request: HttpRequest) -> HttpResponse:
    """ "Mon espace perso": the employees' login page."""
    return login_view(request, member_door=True)


def login_url_for(user: User) -> str:
    """The door a user comes back through (after logging out, or a new password)."""
    return reverse("accounts:member_login" if user.role == Role.MEMBER else "accounts:login")


def _verified(request: HttpRequest, device: Any) -> None:
    """The second factor passed: mark the session (a new key: the privilege went up)."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(FAILURES_KEY, None)
    user = request.user
    assert isinstance(user, User)
    if request.session.pop(REMEMBER_KEY, False) and remember_me_allowed(user):
        request.session.set_expiry(settings.REMEMBER_ME_AGE)


def _logged_in_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if user.is_authenticated and isinstance(user, User) else None


@never_cache
def second_factor_view(request: HttpRequest) -> HttpResponse:
    """The code step of the login: the app's code or a recovery code."""
    user = _logged_in_user(request)
    if user is None:
        return redirect("accounts:login")
    next_page = safe_next(request)
    if is_verified(user):
        return redirect(next_page or home_for(user))
    if not second_factor.has_confirmed_device(user):
        return redirect(second_factor_url(user, next_page) or next_page or home_for(user))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.verify_second_factor(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except BusinessError as error:
            failures = request.session.get(FAILURES_KEY, 0) + 1
            request.session[FAILURES_KEY] = failures
            if failures >= settings.OTP_SESSION_FAILURE_LIMIT:
                logout(request)
                messages.error(request, AccountError.CODE_SESSION_CLOSED.message)
                return redirect(with_next(reverse("accounts:login"), next_page))
            form.add_error("code", error.message)
        else:
            _verified(request, device)
            return redirect(next_page or home_for(user))
    return render(request, "accounts/second_factor.html", {"form": form, "next": next_page})


def _enrolment_salt(user: User) -> str:
    return f"accounts.enrolment.{user.pk}"


def _enrolment_page(
    request: HttpRequest, user: User, form: EnrolmentForm | None = None, hex_key: str = ""
) -> HttpResponse:
    """The enrolment page: a new key (nothing is stored before the first code), or the same
    one again after a mistyped code (the user scanned it already)."""
    hex_key = hex_key or second_factor.new_key()
    context = {
        "form": form or EnrolmentForm(),
        "signed_key": signing.dumps(hex_key, salt=_enrolment_salt(user)),
        "next": safe_next(request),
        "qr_svg": second_factor.qr_svg(second_factor.otpauth_url(user, hex_key)),
        "key_text": second_factor.key_as_text(hex_key),
        "required": two_factor_required(user),
    }
    return render(request, "accounts/enrol_second_factor.html", context)


@never_cache
def enrol_second_factor_view(request: HttpRequest) -> HttpResponse:
    """Activate the second factor: scan the QR code (or type the key), confirm with a code,
    then read the 10 recovery codes, shown this once."""
    user = _logged_in_user(request)
    if user is None:
        return redirect("accounts:login")
    next_page = safe_next(request)
    # Someone with the password alone must not replace the app of an account that has one.
    if second_factor.has_confirmed_device(user) and not is_verified(user):
        return redirect(with_next(reverse("accounts:second_factor"), next_page))
    if request.method != "POST":
        return _enrolment_page(request, user)
    form = EnrolmentForm(request.POST)
    if not form.is_valid():
        return _enrolment_page(request, user, form)
    try:
        hex_key = signing.loads(
            form.cleaned_data["key"],
            salt=_enrolment_salt(user),
            max_age=settings.OTP_ENROLMENT_MINUTES * 60,
        )
    except signing.BadSignature:
        form.add_error("code", AccountError.ENROLMENT_EXPIRED.message)
        return _enrolment_page(request, user, form)
    try:
        enrolment = second_factor.enrol_authenticator(
            user=user, hex_key=hex_key, code=form.cleaned_data["code"], request=request
        )
    except BusinessError as error:
        form.add_error("code", error.message)
        return _enrolment_page(request, user, form, hex_key=hex_key)
    _verified(request, enrolment.device)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": enrolment.recovery_codes, "continue_url": next_page or home_for(user)},
    )


@never_cache
def security_view(request: HttpRequest) -> HttpResponse:
    """ "Sécurité du compte": new recovery codes, or a new app (the current one is removed)."""
    user = _logged_in_user(request)
    if user is None:
        return redirect("accounts:login")
    if user.role == Role.MEMBER:
        raise Http404
    has_device = second_factor.has_confirmed_device(user)
    if request.method == "POST" and has_device:
        codes = second_factor.regenerate_recovery_codes(user=user, request=request)
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "continue_url": reverse("accounts:security"), "renewed": True},
        )
    # A new app ("Changer d'application") is a link to the enrolment page: the old app is
    # replaced only once the new one gave a right code.
    return render(
        request,
        "accounts/security.html",
        {"has_device": has_device, "required": two_factor_required(user)},
    )


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
    door = reverse("accounts:login")
    if request.user.is_authenticated:
        audit.record(AuditAction.LOGOUT, by=request.user, request=request)
        door = login_url_for(request.user)
    logout(request)
    messages.success(request, "Vous êtes déconnecté.")
    return redirect(door)


@never_cache
def password_reset_request_view(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_password_reset(login=form.cleaned_data["login"], request=request)
        except BusinessError as error:
            form.add_error(None, error.message)
            return render(
                request, "accounts/password_reset_request.html", {"form": form}, status=429
            )
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
        return redirect(login_url_for(link.user))
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
