"""Account events: password links (reset, welcome), password changes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from portal.accounts import throttling
from portal.accounts.errors import AccountError
from portal.accounts.models import LinkPurpose, OneTimeLink, User, hash_token
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.notifications.rendering import Secret
from portal.notifications.services import send_email

# The links that choose a password (an e-mail change's link never does).
PASSWORD_PURPOSES = (LinkPurpose.PASSWORD_RESET, LinkPurpose.WELCOME)


def link_validity(purpose: str) -> timedelta:
    if purpose == LinkPurpose.PASSWORD_RESET:
        return timedelta(minutes=settings.PASSWORD_RESET_LINK_MINUTES)
    if purpose == LinkPurpose.EMAIL_CHANGE:
        return timedelta(hours=settings.EMAIL_CHANGE_LINK_HOURS)
    return timedelta(days=settings.WELCOME_LINK_DAYS)


def issue_link(*, user: User, purpose: str) -> str:
    """Create a single-use link for `user`; earlier unused links of that purpose stop working."""
    now = timezone.now()
    OneTimeLink.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    OneTimeLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + link_validity(purpose),
    )
    return token


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:password_link", args=[token])


RESET_ADDRESS_SCOPE = "password-reset-address"
RESET_ACCOUNT_SCOPE = "password-reset-account"


def request_password_reset(*, login: str, request: HttpRequest | None = None) -> None:
    """Send a 5-minute reset link to the account's e-mail, if the login exists.

    The caller shows the same answer either way, so that nobody can probe which logins exist.
    Limited per address (BusinessError password_reset_throttled: the address is the caller's
    own) and per account (silently: the answer must not tell that the login exists). The
    address's count commits before the refusal, so a refused try still counts."""
    window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    address = audit.client_ip(request) or ""
    if (
        throttling.hit(RESET_ADDRESS_SCOPE, address, window_seconds=window)
        > settings.PASSWORD_RESETS_PER_ADDRESS
    ):
        audit.record(AuditAction.PASSWORD_RESET_THROTTLED, request=request, scope="address")
        raise BusinessError(
            AccountError.PASSWORD_RESET_THROTTLED, minutes=settings.PASSWORD_RESET_WINDOW_MINUTES
        )
    _send_password_reset(login=login, request=request, window=window)


@transaction.atomic(durable=True)
def _send_password_reset(*, login: str, request: HttpRequest | None, window: int) -> None:
    login = login.strip()
    user = (
        User.objects.filter(Q(email__iexact=login) | Q(identifier=login), is_active=True)
        .exclude(email="")
        .first()
    )
    if user is None:
        return
    if (
        throttling.hit(RESET_ACCOUNT_SCOPE, str(user.pk), window_seconds=window)
        > settings.PASSWORD_RESETS_PER_ACCOUNT
    ):
        audit.record(
            AuditAction.PASSWORD_RESET_THROTTLED, target=user, request=request, scope="account"
        )
        return
    token = issue_link(user=user, purpose=LinkPurpose.PASSWORD_RESET)
    send_email(
        to=user.email,
        template="password_reset",
        context={
            "user": user,
            "url": Secret(link_url(token), "[lien de réinitialisation envoyé]"),
            "minutes": settings.PASSWORD_RESET_LINK_MINUTES,
        },
    )
    audit.record(AuditAction.PASSWORD_RESET_REQUESTED, by=user, target=user, request=request)


@transaction.atomic
def send_welcome_link(*, user: User, by: User | None) -> None:
    """E-mail a new login its link to choose a password."""
    token = issue_link(user=user, purpose=LinkPurpose.WELCOME)
    send_email(
        to=user.email,
        template="welcome",
        context={
            "user": user,
            "url": Secret(link_url(token), "[lien pour choisir le mot de passe envoyé]"),
            "days": settings.WELCOME_LINK_DAYS,
        },
    )
    audit.record(AuditAction.WELCOME_LINK_SENT, by=by, target=user)


@transaction.atomic
def set_login_active(*, user: User, active: bool, by: User) -> bool:
    """Staff deactivate a login (it can no longer sign in) or reactivate it; True if it moved."""
    current = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = active
    if current.is_active == active:
        return False
    current.is_active = active
    current.save(update_fields=["is_active"])
    audit.record(
        AuditAction.LOGIN_REACTIVATED if active else AuditAction.LOGIN_DEACTIVATED,
        by=by,
        target=current,
        role=current.role,
    )
    return True


def check_link(link: OneTimeLink | None, now: datetime) -> OneTimeLink:
    if link is None or not link.user.is_active:
        raise BusinessError(AccountError.LINK_INVALID)
    if link.used_at is not None:
        raise BusinessError(AccountError.LINK_USED)
    if link.is_expired(now):
        raise BusinessError(AccountError.LINK_EXPIRED)
    return link


def get_usable_link(token: str) -> OneTimeLink:
    """The link behind `token`, or BusinessError link_invalid / link_used / link_expired."""
    link = (
        OneTimeLink.objects.select_related("user")
        .filter(token_hash=hash_token(token), purpose__in=PASSWORD_PURPOSES)
        .first()
    )
    return check_link(link, timezone.now())


@transaction.atomic(durable=True)
def set_password_with_link(
    *, token: str, password: str, request: HttpRequest | None = None
) -> User:
    """Choose a new password through a link; the link then stops working."""
    link = (
        OneTimeLink.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=hash_token(token), purpose__in=PASSWORD_PURPOSES)
        .first()
    )
    link = check_link(link, timezone.now())
    user = link.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    reset_lockout(username=user.identifier)
    audit.record(
        AuditAction.PASSWORD_SET, by=user, target=user, request=request, purpose=link.purpose
    )
    if link.purpose == LinkPurpose.PASSWORD_RESET:
        send_email(to=user.email, template="password_changed", context={"user": user})
    return user


@transaction.atomic(durable=True)
def choose_own_password(*, user: User, password: str, request: HttpRequest | None = None) -> User:
    """A user logged in with a provisional password (sent by letter) chooses their own."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    validate_password(password, locked)
    if locked.check_password(password):
        raise BusinessError(AccountError.PASSWORD_SAME_AS_PROVISIONAL, field="password1")
    locked.set_password(password)
    locked.password_change_required = False
    locked.save(update_fields=["password", "password_change_required"])
    audit.record(
        AuditAction.PASSWORD_SET, by=locked, target=locked, request=request, purpose="provisional"
    )
    return locked
