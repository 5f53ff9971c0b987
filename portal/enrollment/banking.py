"""SEPA direct debit of the employee's contributions: bank account, BIC, mandate, schedule.

Pure functions over plain values. Sources: shared/docs/rules.md §6 (R6.2 mandate reference,
R6.3 creditor identifier, R6.9 IBAN and RIB key, R6.10 BIC) and the user guide's page
"Les coordonnées bancaires" (frequencies and debit days).
"""

from __future__ import annotations

import re
from decimal import Decimal

from schwifty import BIC, IBAN
from schwifty.bban import BBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    InvalidStructure,
    SchwiftyException,
)
from stdnum import bic as stdnum_bic
from stdnum.eu import at_02

from portal.core.errors import Problem
from portal.enrollment.choices import DebitFrequency
from portal.enrollment.errors import EnrollmentError

# Spaces of any kind (no-break ones pasted from PDFs), dots and dashes.
_SEPARATORS_RE = re.compile(r"[\s.\-\u2010-\u2015]")
_IBAN_CHARACTERS_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
_BIC_RE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")  # ISO 9362, R6.10

# Accounts of the French banking system: the same RIB (bank, branch, account, key), IBANs
# starting with FR or the territory's own code, and BICs carrying the territory's code (the
# banks of La Réunion have …RERX, of Guadeloupe …GPGX). Monaco shares the French bank codes.
FRENCH_BANKING_COUNTRIES = frozenset(
    {"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "TF", "NC", "PF", "WF", "MC"}
)
# New Caledonia, French Polynesia, Wallis-et-Futuna keep the CFP franc (XPF) and are outside
# the SEPA zone (CFONB, rules.md R6.9), although schwifty's registry lists them inside.
XPF_COUNTRIES = frozenset({"NC", "PF", "WF"})

IBAN_REQUIRED = Problem.of(EnrollmentError.IBAN_REQUIRED)
IBAN_FORMAT = Problem.of(EnrollmentError.IBAN_FORMAT)
IBAN_CHECKSUM = Problem.of(EnrollmentError.IBAN_CHECKSUM)
IBAN_RIB_KEY = Problem.of(EnrollmentError.IBAN_RIB_KEY)
IBAN_NATIONAL_KEY = Problem.of(EnrollmentError.IBAN_NATIONAL_KEY)
IBAN_XPF = Problem.of(EnrollmentError.IBAN_XPF)
BIC_FORMAT = Problem.of(EnrollmentError.BIC_FORMAT)
BIC_COUNTRY = Problem.of(EnrollmentError.BIC_COUNTRY)


def normalise_iban(text: str) -> str:
    """The IBAN without spaces, dots or dashes, in capitals."""
    return _SEPARATORS_RE.sub("", text).upper()


def check_iban(text: str) -> tuple[str | None, list[Problem]]:
    """(IBAN without spaces, []) for an account that can be debited by SEPA direct debit,
    else (None, [the problem]) — one problem, the first found, each with its own code."""
    iban = normalise_iban(text)
    if not iban:
        return None, [IBAN_REQUIRED]
    if not _IBAN_CHARACTERS_RE.fullmatch(iban):
        return None, [IBAN_FORMAT]
    country = iban[:2]
    if country in XPF_COUNTRIES:
        return None, [IBAN_XPF]
    try:
        account = IBAN(iban, allow_invalid=True)
        in_sepa_zone = account.in_sepa_zone
    except InvalidCountryCode:
        return None, [_unknown_country(country)]
    if not in_sepa_zone:
        # Checked before the digits: a typo is not worth fixing in an account we cannot debit.
        return None, [_outside_sepa(country)]
    try:
        # R6.9: schwifty checks the length, the BBAN's structure and the IBAN's check digits;
        # the RIB key of the French system's accounts with `_check_rib_key` (schwifty's own
        # validate_bban only knows it for FR and MC), other countries' national keys with
        # validate_bban.
        account.validate(validate_bban=country not in FRENCH_BANKING_COUNTRIES)
        if country in FRENCH_BANKING_COUNTRIES:
            _check_rib_key(account)
    except InvalidLength:
        return None, [_wrong_length(country, len(iban), account.spec.iban_length)]
    except InvalidStructure:
        return None, [IBAN_FORMAT]
    except InvalidChecksumDigits:
        return None, [IBAN_CHECKSUM]
    except InvalidBBANChecksum:
        rib = country in FRENCH_BANKING_COUNTRIES
        return None, [IBAN_RIB_KEY if rib else IBAN_NATIONAL_KEY]
    if (bic := account.bic) is not None and bic.country_code in XPF_COUNTRIES:
        # An account of a Pacific bank may carry an IBAN starting with FR.
        return None, [IBAN_XPF]
    return str(account), []


def format_iban(iban: str) -> str:
    """Display form in groups of 4: "FR76 3000 6000 0112 3456 7890 189"."""
    compact = normalise_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """Display form hiding all but the first and the last group: "FR76 •••• … •••• 189"."""
    groups = format_iban(iban).split(" ")
    if len(groups) < 3:
        raise ValueError("too short to be an IBAN")
    hidden = ["•" * len(group) for group in groups[1:-1]]
    return " ".join([groups[0], *hidden, groups[-1]])


def bic_for_iban(iban: str) -> str | None:
    """The BIC of the IBAN's bank in schwifty's bank registry, or None if unknown or invalid."""
    try:
        bic = IBAN(normalise_iban(iban)).bic
    except SchwiftyException:
        return None
    return str(bic) if bic is not None else None


def normalise_bic(text: str) -> str:
    return _SEPARATORS_RE.sub("", text).upper()


def check_bic(text: str, *, iban: str | None) -> list[Problem]:
    """Problems of a BIC typed with an IBAN (None if the IBAN is invalid or missing).

    The BIC is optional since IBAN-only (R6.1): an empty one has no problem.
    """
    bic = normalise_bic(text)
    if not bic:
        return []
    if not _BIC_RE.fullmatch(bic):
        return [BIC_FORMAT]
    if not stdnum_bic.is_valid(bic):  # the format is fine: the country code is unknown
        return [BIC_COUNTRY]
    if iban:
        iban_country = normalise_iban(iban)[:2]
        bic_country = BIC(bic).country_code
        if not _same_banking_country(iban_country, bic_country):
            return [_bic_country_mismatch(bic_country, iban_country)]
    return []


# --- Mandate -------------------------------------------------------------------------------

MANDATE_REFERENCE_MAX_LENGTH = 35  # R6.2
# Of the SEPA characters (a-z A-Z 0-9 / - ? : ( ) . , ' + space, R6.2) a reference uses only
# capitals, digits and "-": no space or "/" that banks handle unevenly.
_REFERENCE_PART_RE = re.compile(r"[A-Z0-9]+")
_SEPA_CHARACTERS_RE = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]+")
# 13 digits in a row (or with the Corsican 2A/2B) would be a NIR, which R6.2 keeps out of
# the reference: it is shown to the debtor's bank and printed on statements.
_NIR_LIKE_RE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}")


def new_mandate_reference(*, prefix: str, member_number: str, sequence: int) -> str:
    """The RUM of a member's `sequence`-th mandate (1, 2, … — a RUM is never reused, R6.2):
    "<prefix>-<member number>-<sequence on 3 digits>", e.g. "SANTE-000001234-001".

    `prefix` is the insurer's code for the contracts (e.g. the ICS business code).
    """
    if not _REFERENCE_PART_RE.fullmatch(prefix):
        raise ValueError("the prefix must be capitals and digits")
    if not _REFERENCE_PART_RE.fullmatch(member_number):
        raise ValueError("the member number must be capitals and digits")
    if sequence < 1:
        raise ValueError("the sequence starts at 1")
    reference = f"{prefix}-{member_number}-{sequence:03d}"
    if len(reference) > MANDATE_REFERENCE_MAX_LENGTH:
        raise ValueError(
            f"a mandate reference has at most {MANDATE_REFERENCE_MAX_LENGTH} characters"
        )
    if _NIR_LIKE_RE.search(reference):
        raise ValueError("a mandate reference must not contain a NIR")
    return reference


def is_valid_mandate_reference(reference: str) -> bool:
    """Whether a RUM (ours or received) has 1 to 35 SEPA characters (R6.2)."""
    return (
        0 < len(reference) <= MANDATE_REFERENCE_MAX_LENGTH
        and _SEPA_CHARACTERS_RE.fullmatch(reference) is not None
    )


# French ICS: FR, 2 check digits, the creditor's 3-character business code (ZZZ by default),
# the 6-character national identifier (R6.3).
_FRENCH_ICS_RE = re.compile(r"FR[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{6}")


def check_creditor_identifier(ics: str) -> bool:
    """Whether a French SEPA creditor identifier (ICS) is well formed and its check digits,
    ISO 7064 mod 97-10 over the national identifier + "FR00" (business code excluded), hold."""
    compact = _SEPARATORS_RE.sub("", ics).upper()
    return _FRENCH_ICS_RE.fullmatch(compact) is not None and at_02.is_valid(compact)


# --- Schedule ---------------------------------------------------------------------------------


ANNUAL = DebitFrequency.ANNUAL
SEMIANNUAL = DebitFrequency.SEMIANNUAL
QUARTERLY = DebitFrequency.QUARTERLY
MONTHLY = DebitFrequency.MONTHLY
DEBIT_FREQUENCIES: tuple[DebitFrequency, ...] = tuple(DebitFrequency)
FREQUENCY_CHOICES: list[tuple[str, str]] = DebitFrequency.choices
DEBIT_DAYS: tuple[int, ...] = (5, 10, 15, 20)  # guide: "la date de prélèvement (5, 10, 15 ou 20)"
DEBIT_DAY_CHOICES: list[tuple[int, str]] = [(day, str(day)) for day in DEBIT_DAYS]


def debit_frequency(code: str) -> DebitFrequency:
    if code not in DebitFrequency.values:
        raise ValueError(f"unknown debit frequency {code!r}")
    return DebitFrequency(code)


def debit_amount(monthly: Decimal, frequency: str) -> Decimal:
    """The amount of each debit: the monthly contributions of the period it covers."""
    return monthly * debit_frequency(frequency).months


# --- Helpers ----------------------------------------------------------------------------------


def _check_rib_key(account: IBAN) -> None:
    # schwifty registers the RIB key algorithm for FR and MC only; the overseas codes (GP, RE…)
    # use the same RIB, so their key is checked as a French one.
    BBAN("FR", account.bban).validate_national_checksum()


def _same_banking_country(iban_country: str, bic_country: str) -> bool:
    if iban_country == bic_country:
        return True
    french = FRENCH_BANKING_COUNTRIES
    return iban_country in french and bic_country in french


def _unknown_country(country: str) -> Problem:
    return Problem.of(EnrollmentError.IBAN_COUNTRY, country=country)


def _outside_sepa(country: str) -> Problem:
    return Problem.of(EnrollmentError.IBAN_OUTSIDE_SEPA, country=country)


def _wrong_length(country: str, length: int, expected: int) -> Problem:
    return Problem.of(
        EnrollmentError.IBAN_LENGTH, country=country, length=length, expected=expected
    )


def _bic_country_mismatch(bic_country: str, iban_country: str) -> Problem:
    return Problem.of(
        EnrollmentError.BIC_COUNTRY_MISMATCH, bic_country=bic_country, iban_country=iban_country
    )
