"""The second factor (issue 12): a TOTP authenticator app, and 10 single-use recovery codes.

Devices are django-otp's (`TOTPDevice`, `StaticDevice`). Recovery codes are shown once and
stored as keyed digests in the static device's tokens: the code typed is digested before
django-otp looks it up, so the table never holds a usable code."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from portal.accounts.errors import AccountError
from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError

TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"
TOTP_CODE = re.compile(r"^\d{6}$")


def new_key() -> str:
    """A new TOTP secret, hexadecimal as django-otp stores it (20 random bytes)."""
    key: str = default_key()
    return key


def key_as_text(hex_key: str) -> str:
    """The secret as an authenticator app asks it typed: base32, in groups of four."""
    text = base64.b32encode(binascii.unhexlify(hex_key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_url(user: User, hex_key: str) -> str:
    """The otpauth:// URI of the QR code (issuer and account name in the app)."""
    url: str = TOTPDevice(user=user, key=hex_key, name=TOTP_NAME).config_url
    return url


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=5, title="QR code à scanner")


def normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def recovery_digest(code: str) -> str:
    """The stored form of a recovery code: a keyed digest (the static token holds 16 chars,
    64 bits, more than the code's own 40)."""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, b"recovery:" + normalised(code).encode(), hashlib.sha256).hexdigest()[:16]


def displayed(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def has_confirmed_device(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def _new_recovery_codes(device: StaticDevice) -> list[str]:
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_digest(code)) for code in codes]
    )
    return [displayed(code) for code in codes]


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic
def enrol_authenticator(
    *, user: User, hex_key: str, code: str, request: HttpRequest | None = None
) -> Enrolment:
    """The user confirms their authenticator app with a first code: the app becomes their
    second factor (any earlier device is replaced) and they get 10 new recovery codes."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    totp = TOTP(binascii.unhexlify(hex_key))
    token = normalised(code)
    if not TOTP_CODE.match(token) or not totp.verify(int(token), tolerance=1):
        raise BusinessError(AccountError.CODE_INVALID, field="code")
    TOTPDevice.objects.filter(user=locked).delete()
    StaticDevice.objects.filter(user=locked).delete()
    # last_t: the code just typed cannot be replayed at the next step.
    device = TOTPDevice.objects.create(
        user=locked, name=TOTP_NAME, key=hex_key, confirmed=True, last_t=totp.t()
    )
    static = StaticDevice.objects.create(user=locked, name=RECOVERY_NAME, confirmed=True)
    codes = _new_recovery_codes(static)
    audit.record(AuditAction.SECOND_FACTOR_ENROLLED, by=locked, target=locked, request=request)
    return Enrolment(device=device, recovery_codes=codes)


def _check_code(user: User, code: str) -> tuple[Device | None, bool]:
    """(the device that accepted `code`, whether a throttle refused to look)."""
    token = normalised(code)
    with transaction.atomic():
        if TOTP_CODE.match(token):
            devices: list[Device] = list(
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
            typed = token
        else:
            devices = list(StaticDevice.objects.select_for_update().filter(user=user))
            typed = recovery_digest(token)
        throttled = False
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            # Records the failure (throttle) or the success and, for a recovery code, uses it up.
            if device.verify_token(typed):
                return device, False
    return None, throttled


def verify_second_factor(*, user: User, code: str, request: HttpRequest | None = None) -> Device:
    """The code step of a login: a code of the app or a recovery code (used up).

    The device's failure count and wait commit even when the code is refused."""
    device, throttled = _check_code(user, code)
    if device is None:
        audit.record(AuditAction.SECOND_FACTOR_FAILED, by=user, target=user, request=request)
        if throttled:
            raise BusinessError(AccountError.CODE_TOO_MANY_TRIES, field="code")
        raise BusinessError(AccountError.CODE_INVALID, field="code")
    if isinstance(device, StaticDevice):
        audit.record(
            AuditAction.RECOVERY_CODE_USED,
            by=user,
            target=user,
            request=request,
            remaining=device.token_set.count(),
        )
    else:
        audit.record(AuditAction.SECOND_FACTOR_VERIFIED, by=user, target=user, request=request)
    return device


@transaction.atomic
def regenerate_recovery_codes(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """The user asks for 10 new recovery codes: the earlier ones stop working."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    static, _ = StaticDevice.objects.get_or_create(
        user=locked, defaults={"name": RECOVERY_NAME, "confirmed": True}
    )
    codes = _new_recovery_codes(static)
    audit.record(AuditAction.RECOVERY_CODES_REGENERATED, by=locked, target=locked, request=request)
    return codes


@transaction.atomic
def reset_second_factor(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    """Remove the user's app and recovery codes (lost phone): they enrol again at next login."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    TOTPDevice.objects.filter(user=locked).delete()
    StaticDevice.objects.filter(user=locked).delete()
    audit.record(AuditAction.SECOND_FACTOR_RESET, by=by, target=locked, request=request)
