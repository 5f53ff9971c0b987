from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.core.errors import BusinessError
from portal.signatures import rules

NOW = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
ADVISERS = "0 980 98 98 23"
CALL = "Pour signer, appelez nos conseillers au 0 980 98 98 23."
NEW_CODE = "Cliquez sur « Je n'ai pas reçu le code » pour en recevoir un nouveau."


def code(**overrides: object) -> rules.CodeState:
    values: dict[str, object] = dict(
        expires_at=NOW + timedelta(minutes=10), wrong_attempts=0, used=False, revoked=False
    )
    values.update(overrides)
    return rules.CodeState(**values)  # type: ignore[arg-type]


def test_a_code_is_valid_10_minutes() -> None:
    assert rules.code_expiry(NOW) == NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("codes_sent", "refused"),
    [(0, False), (1, False), (2, False), (3, False), (4, True), (5, True)],
)
def test_the_first_code_and_three_resends_only(codes_sent: int, refused: bool) -> None:
    if not refused:
        rules.check_can_send_code(codes_sent=codes_sent, advisers_phone=ADVISERS)
        return
    with pytest.raises(BusinessError) as error:
        rules.check_can_send_code(codes_sent=codes_sent, advisers_phone=ADVISERS)
    assert error.value.code == "too_many_codes"
    assert error.value.message == "Vous avez déjà demandé le nombre maximal de codes. " + CALL


@pytest.mark.parametrize(
    ("state", "now", "codes_sent", "code_", "message"),
    [
        (code(), NOW + timedelta(minutes=9, seconds=59), 1, None, None),
        (
            code(),
            NOW + timedelta(minutes=10),
            1,
            "code_expired",
            "Ce code a expiré (il est valable 10 minutes). " + NEW_CODE,
        ),
        (
            code(),
            NOW + timedelta(minutes=10),
            4,
            "code_expired",
            "Ce code a expiré (il est valable 10 minutes). " + CALL,
        ),
        (
            code(wrong_attempts=5),
            NOW,
            2,
            "too_many_attempts",
            "Vous avez saisi 5 codes incorrects : ce code n'est plus valable. " + NEW_CODE,
        ),
        (
            code(revoked=True),
            NOW,
            4,
            "too_many_attempts",
            "Vous avez saisi 5 codes incorrects : ce code n'est plus valable. " + CALL,
        ),
        (code(used=True), NOW, 1, "code_used", "Ce code a déjà été utilisé."),
        (code(wrong_attempts=4), NOW, 1, None, None),
    ],
)
def test_which_codes_can_be_checked(
    state: rules.CodeState,
    now: datetime,
    codes_sent: int,
    code_: str | None,
    message: str | None,
) -> None:
    if code_ is None:
        rules.check_code_usable(state, now=now, codes_sent=codes_sent, advisers_phone=ADVISERS)
        return
    with pytest.raises(BusinessError) as error:
        rules.check_code_usable(state, now=now, codes_sent=codes_sent, advisers_phone=ADVISERS)
    assert (error.value.code, error.value.message) == (code_, message)


@pytest.mark.parametrize(
    ("wrong_attempts", "codes_sent", "code_", "message"),
    [
        (1, 1, "code_wrong", "Code incorrect : il vous reste 4 essai(s)."),
        (2, 1, "code_wrong", "Code incorrect : il vous reste 3 essai(s)."),
        (4, 1, "code_wrong", "Code incorrect : il vous reste 1 essai(s)."),
        (
            5,
            1,
            "too_many_attempts",
            "Vous avez saisi 5 codes incorrects : ce code n'est plus valable. " + NEW_CODE,
        ),
        (
            5,
            4,
            "too_many_attempts",
            "Vous avez saisi 5 codes incorrects : ce code n'est plus valable. " + CALL,
        ),
    ],
)
def test_a_wrong_code_says_how_many_tries_are_left(
    wrong_attempts: int, codes_sent: int, code_: str, message: str
) -> None:
    error = rules.wrong_code(
        wrong_attempts=wrong_attempts, codes_sent=codes_sent, advisers_phone=ADVISERS
    )
    assert (error.code, error.message, error.field) == (code_, message, "code")


@pytest.mark.parametrize(("wrong_attempts", "locked"), [(0, False), (4, False), (5, True)])
def test_a_code_is_locked_after_five_wrong_tries(wrong_attempts: int, locked: bool) -> None:
    assert rules.is_locked(wrong_attempts) is locked


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("123456", "123456"), (" 123 456 ", "123456"), ("000042", "000042")],
)
def test_a_typed_code_is_read_without_spaces(typed: str, expected: str) -> None:
    assert rules.normalize_code(typed) == expected


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "１２３４５６"])
def test_a_malformed_code_is_refused(typed: str) -> None:
    with pytest.raises(BusinessError) as error:
        rules.normalize_code(typed)
    assert (error.value.code, error.value.message) == (
        "code_malformed",
        "Saisissez les 6 chiffres du code reçu par SMS.",
    )


def test_the_sms_gives_the_code_its_validity_and_a_warning() -> None:
    assert rules.code_sms_text(brand="Mutuelle Démo", code="042917") == (
        "Mutuelle Démo : votre code de signature est 042917. Il est valable 10 minutes. "
        "Ne le communiquez à personne."
    )


@pytest.mark.parametrize(
    ("typed", "e164", "formatted", "masked"),
    [
        ("06 64 93 27 96", "+33664932796", "06 64 93 27 96", "06 •• •• 27 96"),
        ("0612345678", "+33612345678", "06 12 34 56 78", "06 •• •• 56 78"),
        ("06.12.34.56.78", "+33612345678", "06 12 34 56 78", "06 •• •• 56 78"),
        ("+33 7 81 23 45 67", "+33781234567", "07 81 23 45 67", "07 •• •• 45 67"),
        ("+33781234567", "+33781234567", "07 81 23 45 67", "07 •• •• 45 67"),
        ("0033 6 12 34 56 78", "+33612345678", "06 12 34 56 78", "06 •• •• 56 78"),
    ],
)
def test_a_french_mobile_number_is_accepted(
    typed: str, e164: str, formatted: str, masked: str
) -> None:
    assert rules.parse_mobile_phone(typed) == e164
    assert rules.format_phone(e164) == formatted
    assert rules.mask_phone(e164) == masked


PHONE_INVALID = (
    "Ce numéro de téléphone n'est pas valide. Saisissez votre numéro de portable, "
    "par exemple 06 12 34 56 78."
)
NOT_MOBILE = (
    "Saisissez un numéro de téléphone portable français (commençant par 06 ou 07) : "
    "le code vous est envoyé par SMS."
)


@pytest.mark.parametrize(
    ("typed", "code_", "message"),
    [
        ("", "phone_missing", "Saisissez votre numéro de téléphone portable."),
        ("   ", "phone_missing", "Saisissez votre numéro de téléphone portable."),
        ("abc", "phone_invalid", PHONE_INVALID),
        ("06 12 34", "phone_invalid", PHONE_INVALID),
        ("06 12 34 56 78 90", "phone_invalid", PHONE_INVALID),
        ("07 00 00 00 00", "phone_invalid", PHONE_INVALID),
        ("01 23 45 67 89", "phone_not_mobile", NOT_MOBILE),
        ("09 70 12 34 56", "phone_not_mobile", NOT_MOBILE),
        ("+32 470 12 34 56", "phone_not_mobile", NOT_MOBILE),
        ("+44 7400 123456", "phone_not_mobile", NOT_MOBILE),
    ],
)
def test_a_number_that_is_not_a_french_mobile_is_refused(
    typed: str, code_: str, message: str
) -> None:
    with pytest.raises(BusinessError) as error:
        rules.parse_mobile_phone(typed)
    assert (error.value.code, error.value.message, error.value.field) == (
        code_,
        message,
        "phone",
    )
