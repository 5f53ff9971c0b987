"""Rules of the signature by one-time code and of the mobile number it is sent to.

Pure functions over plain values: no ORM, no clock (the caller passes `now`). The journey is the
user guide's "La signature électronique" (4/4): a 6-digit "code sécurisé" sent by SMS to the
mobile number the employee types, a "Je n'ai pas reçu le code" link to get another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from portal.core.errors import BusinessError
from portal.signatures.errors import SignatureError

CODE_DIGITS = 6  # user guide: "le code sécurisé à 6 chiffres reçu par SMS"
CODE_VALIDITY = timedelta(minutes=10)
# Wrong entries of one code before it stops working: with 10**6 codes, 5 tries give a guesser
# 1 chance in 200,000 per code, and at most MAX_CODES codes are sent per envelope.
MAX_WRONG_ATTEMPTS = 5
# "Je n'ai pas reçu le code": resends after the first code, hence 4 codes per envelope at most.
MAX_RESENDS = 3
MAX_CODES = 1 + MAX_RESENDS
# Per membership and per day, whatever the envelope (a new dossier, a reload, the waiver's):
# the SMS sent and the wrong codes typed. One envelope's codes fit in a day; a dossier made
# again (data changed in another tab) leaves room for one more envelope's first code and resend.
MAX_CODES_PER_DAY = MAX_CODES + 2
MAX_WRONG_CODES_PER_DAY = 2 * MAX_WRONG_ATTEMPTS

# The evidence log and the screens show the number masked: the first pair and the last two, as
# the guide's "06 •• •• 27 96".
MASK = "••"


@dataclass(frozen=True)
class CodeState:
    """What the rules need to know about a one-time code already sent."""

    expires_at: datetime
    wrong_attempts: int
    used: bool
    revoked: bool


def code_expiry(sent_at: datetime) -> datetime:
    """When a code sent at `sent_at` stops working."""
    return sent_at + CODE_VALIDITY


def call_advisers(advisers_phone: str) -> str:
    return f"Pour signer, appelez nos conseillers au {advisers_phone}."


def check_can_send_code(*, codes_sent: int, advisers_phone: str) -> None:
    """Refuse a new code once the first one and its MAX_RESENDS resends have been sent."""
    if codes_sent >= MAX_CODES:
        raise BusinessError(SignatureError.TOO_MANY_CODES, advice=call_advisers(advisers_phone))


def check_can_send_code_today(*, codes_sent_today: int, advisers_phone: str) -> None:
    """Refuse a code once MAX_CODES_PER_DAY were sent for this membership today."""
    if codes_sent_today >= MAX_CODES_PER_DAY:
        raise BusinessError(
            SignatureError.TOO_MANY_CODES_TODAY, advice=call_advisers(advisers_phone)
        )


def check_can_try_code_today(*, wrong_codes_today: int, advisers_phone: str) -> None:
    """Refuse to compare a typed code once MAX_WRONG_CODES_PER_DAY were wrong today."""
    if wrong_codes_today >= MAX_WRONG_CODES_PER_DAY:
        raise BusinessError(
            SignatureError.TOO_MANY_WRONG_CODES_TODAY,
            field="code",
            advice=call_advisers(advisers_phone),
        )


def codes_left(codes_sent: int) -> int:
    return max(0, MAX_CODES - codes_sent)


def _ask_new_code(*, codes_sent: int, advisers_phone: str) -> str:
    if codes_left(codes_sent):
        return "Cliquez sur « Je n'ai pas reçu le code » pour en recevoir un nouveau."
    return call_advisers(advisers_phone)


def normalize_code(text: str) -> str:
    """The code as typed, without spaces; refused unless it is exactly 6 digits.

    A malformed entry cannot be the code, so it does not count as a wrong try.
    """
    code = re.sub(r"\s", "", text)
    if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", code):
        raise BusinessError(SignatureError.CODE_MALFORMED, field="code")
    return code


def check_code_usable(
    code: CodeState, *, now: datetime, codes_sent: int, advisers_phone: str
) -> None:
    """Refuse to compare a typed code with one that is used, locked or expired."""
    if code.used:
        raise BusinessError(SignatureError.CODE_USED, field="code")
    if code.revoked or code.wrong_attempts >= MAX_WRONG_ATTEMPTS:
        raise too_many_attempts(codes_sent=codes_sent, advisers_phone=advisers_phone)
    if now >= code.expires_at:
        raise BusinessError(
            SignatureError.CODE_EXPIRED,
            field="code",
            advice=_ask_new_code(codes_sent=codes_sent, advisers_phone=advisers_phone),
        )


def too_many_attempts(*, codes_sent: int, advisers_phone: str) -> BusinessError:
    return BusinessError(
        SignatureError.TOO_MANY_ATTEMPTS,
        field="code",
        attempts=MAX_WRONG_ATTEMPTS,
        advice=_ask_new_code(codes_sent=codes_sent, advisers_phone=advisers_phone),
    )


def wrong_code(*, wrong_attempts: int, codes_sent: int, advisers_phone: str) -> BusinessError:
    """The refusal of a wrong code, `wrong_attempts` counting this one."""
    tries_left = MAX_WRONG_ATTEMPTS - wrong_attempts
    if tries_left <= 0:
        return too_many_attempts(codes_sent=codes_sent, advisers_phone=advisers_phone)
    return BusinessError(SignatureError.CODE_WRONG, field="code", tries_left=tries_left)


def is_locked(wrong_attempts: int) -> bool:
    return wrong_attempts >= MAX_WRONG_ATTEMPTS


def code_sms_text(*, brand: str, code: str) -> str:
    """The SMS carrying the code (under 160 characters: one SMS)."""
    minutes = int(CODE_VALIDITY.total_seconds() // 60)
    return (
        f"{brand} : votre code de signature est {code}. Il est valable {minutes} minutes. "
        "Ne le communiquez à personne."
    )


PHONE_EXAMPLE = "06 12 34 56 78"


def parse_mobile_phone(text: str) -> str:
    """A French mobile number (06 or 07, national or +33) in E.164 form, "+33612345678"."""
    if not text.strip():
        raise BusinessError(SignatureError.PHONE_MISSING, field="phone")
    try:
        number = phonenumbers.parse(text, "FR")
    except NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise BusinessError(SignatureError.PHONE_INVALID, field="phone", example=PHONE_EXAMPLE)
    national = phonenumbers.national_significant_number(number)
    if (
        number.country_code != 33
        or national[0] not in "67"
        or phonenumbers.number_type(number) != PhoneNumberType.MOBILE
    ):
        raise BusinessError(SignatureError.PHONE_NOT_MOBILE, field="phone")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _pairs(e164: str) -> list[str]:
    digits = "0" + e164.removeprefix("+33")
    return [digits[i : i + 2] for i in range(0, 10, 2)]


def format_phone(e164: str) -> str:
    """ "+33612345678" → "06 12 34 56 78"."""
    return " ".join(_pairs(e164))


def mask_phone(e164: str) -> str:
    """ "+33664932796" → "06 •• •• 27 96": enough for the person to recognise their number."""
    first, _, _, fourth, fifth = _pairs(e164)
    return " ".join([first, MASK, MASK, fourth, fifth])
