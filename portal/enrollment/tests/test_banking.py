from __future__ import annotations

import re
from decimal import Decimal

import pytest
from schwifty import IBAN

from portal.core.nir import Problem
from portal.enrollment.banking import (
    ANNUAL,
    DEBIT_DAY_CHOICES,
    DEBIT_DAYS,
    DEBIT_FREQUENCIES,
    FREQUENCY_CHOICES,
    MONTHLY,
    QUARTERLY,
    SEMIANNUAL,
    bic_for_iban,
    check_bic,
    check_creditor_identifier,
    check_iban,
    debit_amount,
    debit_frequency,
    format_iban,
    is_valid_mandate_reference,
    mask_iban,
    new_mandate_reference,
    normalise_iban,
)


def with_check_digits(country: str, bban: str) -> str:
    """ISO 13616: the IBAN of a BBAN, whatever the BBAN's own (national) key says."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def rib_key(bank: str, branch: str, account: str) -> str:
    """rules.md Appendix A: 97 − (89·bank + 15·branch + 3·account) mod 97, letters mapped."""
    digits = account.translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
    )
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(digits)) % 97:02d}"


def codes(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


# FR76 3000 6000 0112 3456 7890 189: Crédit Agricole, RIB key 89 (rules.md R6.9).
VALID_FR = "FR7630006000011234567890189"
# The same bank, branch and account with RIB key 88, and IBAN check digits made right for it.
WRONG_RIB_KEY = with_check_digits("FR", "3000600001123456789018" + "8")
# Banque Calédonienne d'Investissement (bank code 17499), Nouméa: a French IBAN in XPF.
NOUMEA = with_check_digits(
    "FR", "17499" + "00010" + "12345678901" + rib_key("17499", "00010", "12345678901")
)
# Banque de Polynésie (12149), Papeete.
PAPEETE = with_check_digits(
    "FR", "12149" + "00010" + "12345678901" + rib_key("12149", "00010", "12345678901")
)
# Crédit Agricole de Guadeloupe (14006): a French overseas department, inside SEPA.
GUADELOUPE = with_check_digits(
    "FR", "14006" + "00010" + "12345678901" + rib_key("14006", "00010", "12345678901")
)


def test_test_data_is_what_it_claims() -> None:
    assert WRONG_RIB_KEY == "FR0630006000011234567890188"
    assert IBAN(WRONG_RIB_KEY).is_valid  # the IBAN's own check digits are right
    assert rib_key("30006", "00001", "12345678901") == "89"
    assert NOUMEA == "FR7617499000101234567890102"


# --- IBAN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        (VALID_FR, VALID_FR),
        ("FR76 3000 6000 0112 3456 7890 189", VALID_FR),
        ("fr76 3000 6000 0112 3456 7890 189", VALID_FR),
        (" FR76\u00a03000\u202f6000-0112.3456 7890 189\n", VALID_FR),
        ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),  # letter in account
        (GUADELOUPE, GUADELOUPE),
        (with_check_digits("GP", GUADELOUPE[4:]), with_check_digits("GP", GUADELOUPE[4:])),
        ("MC58 1122 2000 0101 2345 6789 030", "MC5811222000010123456789030"),  # Monaco
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332"),
        ("IT60 X054 2811 1010 0000 0123 456", "IT60X0542811101000000123456"),
        ("BE68 5390 0754 7034", "BE68539007547034"),
        ("GB33 BUKB 2020 1555 5555 55", "GB33BUKB20201555555555"),  # SEPA, outside the EU
        ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957"),
    ],
)
def test_accepts_sepa_iban(text: str, iban: str) -> None:
    assert check_iban(text) == (iban, [])


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "iban_required"),
        ("   ", "iban_required"),
        ("FR76", "iban_format"),
        ("76FR30006000011234567890189", "iban_format"),
        ("FR7630006000011234567890é89", "iban_format"),
        ("FR76*3000600001123456789018", "iban_format"),
        ("FRXX30006000011234567890189", "iban_format"),
        ("FR76A0006000011234567890189", "iban_format"),  # letter in the bank code
        ("XX7630006000011234567890189", "iban_country"),
        ("US64SVBKUS6S3300958879", "iban_country"),  # the United States have no IBAN
        ("FR76 3000 6000 0112 3456 7890 18", "iban_length"),
        ("FR76 3000 6000 0112 3456 7890 1899", "iban_length"),
        ("DE89 3704 0044 0532 0130 0", "iban_length"),
        ("FR7630006000011234567890188", "iban_checksum"),  # one digit changed
        ("FR7630006000011234567890198", "iban_checksum"),  # two digits swapped
        ("FR7730006000011234567890189", "iban_checksum"),
        (WRONG_RIB_KEY, "iban_rib_key"),  # IBAN check digits right, RIB key wrong
        (with_check_digits("GP", GUADELOUPE[4:-2] + "00"), "iban_rib_key"),
        (with_check_digits("MC", "1122200001012345678903" + "1"), "iban_rib_key"),
        (with_check_digits("ES", "21000418" + "46" + "0200051332"), "iban_national_key"),
        (NOUMEA, "iban_xpf"),  # a French IBAN of a bank of New Caledonia
        (PAPEETE, "iban_xpf"),  # of French Polynesia
        (with_check_digits("NC", NOUMEA[4:]), "iban_xpf"),
        (with_check_digits("PF", PAPEETE[4:]), "iban_xpf"),
        (with_check_digits("WF", NOUMEA[4:]), "iban_xpf"),
        ("TN59 1000 6035 1835 9847 8831", "iban_outside_sepa"),  # Tunisia
        (with_check_digits("BR", "00360305000010009795493P1"), "iban_outside_sepa"),
        ("TN59 1000 6035 1835 9847 8832", "iban_outside_sepa"),  # even with a typo
    ],
)
def test_rejects_iban(text: str, code: str) -> None:
    iban, problems = check_iban(text)
    assert iban is None
    assert codes(problems) == [code]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Le champ « IBAN » est obligatoire. Recopiez-le depuis votre RIB."),
        (
            "FR76A0006000011234567890189",
            "L'IBAN est invalide : il commence par les 2 lettres du pays (FR pour la France) et "
            "2 chiffres, suivis du numéro de compte, fait de chiffres et de lettres (en France : "
            "code banque et code guichet de 5 chiffres, numéro de compte de 11 caractères, clé "
            "RIB de 2 chiffres). Recopiez-le depuis votre RIB.",
        ),
        (
            "XX7630006000011234567890189",
            "L'IBAN est invalide : « XX » n'est pas le code d'un pays qui utilise l'IBAN. Il "
            "commence par les 2 lettres du pays (FR pour la France). Recopiez-le depuis votre "
            "RIB.",
        ),
        (
            "FR76 3000 6000 0112 3456 7890 18",
            "L'IBAN est invalide : un IBAN commençant par FR compte 27 caractères, celui saisi "
            "en compte 26. Recopiez-le depuis votre RIB.",
        ),
        (
            "FR7630006000011234567890188",
            "L'IBAN est invalide : ses chiffres de contrôle (les 3e et 4e caractères) ne "
            "correspondent pas au reste du numéro, sans doute à cause d'une faute de frappe. "
            "Recopiez-le depuis votre RIB.",
        ),
        (
            WRONG_RIB_KEY,
            "La clé RIB ne correspond pas au code banque, au code guichet et au numéro de "
            "compte : l'un de ces numéros est mal recopié. Vérifiez les 27 caractères sur votre "
            "RIB.",
        ),
        (
            with_check_digits("ES", "21000418" + "46" + "0200051332"),
            "L'IBAN est invalide : sa clé de contrôle nationale ne correspond pas au numéro de "
            "compte. Recopiez-le depuis votre RIB.",
        ),
        (
            NOUMEA,
            "Ce compte est tenu en Nouvelle-Calédonie, en Polynésie française ou à "
            "Wallis-et-Futuna, en francs CFP : ces territoires sont hors de la zone SEPA et le "
            "prélèvement n'y est pas possible. Indiquez un compte en euros, tenu en France "
            "métropolitaine, dans un département d'outre-mer ou dans un autre pays de la zone "
            "SEPA.",
        ),
        (
            "TN5910006035183598478831",
            "Ce compte est tenu hors de la zone SEPA (pays : TN) : le prélèvement SEPA n'y est "
            "pas possible. Indiquez un compte en euros tenu dans un pays de la zone SEPA (Union "
            "européenne, Royaume-Uni, Suisse, Norvège, Monaco…).",
        ),
    ],
)
def test_iban_messages(text: str, message: str) -> None:
    _iban, problems = check_iban(text)
    assert [problem.message for problem in problems] == [message]


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("fr76 3000-6000.0112\u00a03456 7890 189", VALID_FR),
        ("FR76\t3000\n6000", "FR7630006000"),
        ("", ""),
    ],
)
def test_normalise_iban(text: str, normalised: str) -> None:
    assert normalise_iban(text) == normalised


@pytest.mark.parametrize(
    ("iban", "formatted"),
    [
        (VALID_FR, "FR76 3000 6000 0112 3456 7890 189"),
        ("fr76 3000 6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 189"),
        ("DE89370400440532013000", "DE89 3704 0044 0532 0130 00"),
        ("BE68539007547034", "BE68 5390 0754 7034"),
    ],
)
def test_format_iban(iban: str, formatted: str) -> None:
    assert format_iban(iban) == formatted


@pytest.mark.parametrize(
    ("iban", "masked"),
    [
        (VALID_FR, "FR76 •••• •••• •••• •••• •••• 189"),
        ("FR76 3000 6000 0112 3456 7890 189", "FR76 •••• •••• •••• •••• •••• 189"),
        ("DE89370400440532013000", "DE89 •••• •••• •••• •••• 00"),
        ("BE68539007547034", "BE68 •••• •••• 7034"),
    ],
)
def test_mask_iban(iban: str, masked: str) -> None:
    assert mask_iban(iban) == masked


@pytest.mark.parametrize("iban", ["", "FR76", "FR76 3000"])
def test_mask_iban_refuses_what_is_not_an_iban(iban: str) -> None:
    with pytest.raises(ValueError, match="too short"):
        mask_iban(iban)


# --- BIC --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iban", "bic"),
    [
        (VALID_FR, "AGRIFRPPXXX"),
        ("FR76 3000 6000 0112 3456 7890 189", "AGRIFRPPXXX"),
        ("FR1420041010050500013M02606", "PSSTFRPP"),  # La Banque Postale
        (GUADELOUPE, "AGRIGPGX"),
        (NOUMEA, "BCADNCNN"),
        ("DE89370400440532013000", "COBADEFFXXX"),
        (
            with_check_digits(
                "FR", "99999" + "00010" + "12345678901" + rib_key("99999", "00010", "12345678901")
            ),
            None,
        ),  # unknown bank
        ("FR7630006000011234567890188", None),  # invalid IBAN
        ("", None),
    ],
)
def test_bic_for_iban(iban: str, bic: str | None) -> None:
    assert bic_for_iban(iban) == bic


@pytest.mark.parametrize(
    ("bic", "iban"),
    [
        ("", VALID_FR),  # optional since IBAN-only (R6.1)
        ("  ", None),
        ("AGRIFRPP", VALID_FR),
        ("AGRIFRPPXXX", VALID_FR),
        ("agri fr pp 882", VALID_FR),
        ("AGRIGPGX", GUADELOUPE),  # a French IBAN of Guadeloupe, with the bank's GP BIC
        ("AGRIFRPP", with_check_digits("GP", GUADELOUPE[4:])),
        ("SOGEMCM1", "MC5811222000010123456789030"),
        ("AGRIFRPP", "MC5811222000010123456789030"),  # Monaco shares the French bank codes
        ("COBADEFFXXX", "DE89370400440532013000"),
        ("COBADEFF", None),  # no valid IBAN to compare with
        ("BNPAFRPP", ""),
    ],
)
def test_accepts_bic(bic: str, iban: str | None) -> None:
    assert check_bic(bic, iban=iban) == []


@pytest.mark.parametrize(
    ("bic", "iban", "code"),
    [
        ("AGRIFRP", VALID_FR, "bic_format"),  # 7 characters
        ("AGRIFRPP8", VALID_FR, "bic_format"),  # 9 characters
        ("AGRIFRPP88", VALID_FR, "bic_format"),
        ("AGRIFRPP8822", VALID_FR, "bic_format"),
        ("AGR1FRPP", VALID_FR, "bic_format"),  # digit in the bank code
        ("AGRIF1PP", VALID_FR, "bic_format"),  # digit in the country
        ("AGRI-FR-PP*", VALID_FR, "bic_format"),
        ("AGRIZZPP", VALID_FR, "bic_country"),
        ("AGRIZZPP", None, "bic_country"),
        ("COBADEFFXXX", VALID_FR, "bic_country_mismatch"),
        ("AGRIFRPP", "DE89370400440532013000", "bic_country_mismatch"),
        ("BUKBGB22", "IE29AIBK93115212345678", "bic_country_mismatch"),
    ],
)
def test_rejects_bic(bic: str, iban: str | None, code: str) -> None:
    assert codes(check_bic(bic, iban=iban)) == [code]


@pytest.mark.parametrize(
    ("bic", "message"),
    [
        (
            "AGRIFRP",
            "Le BIC est invalide : il compte 8 ou 11 caractères, 4 lettres pour la banque, 2 "
            "pour le pays, puis 2 lettres ou chiffres et éventuellement 3 autres (exemple : "
            "AGRIFRPP ou AGRIFRPP882). Recopiez-le depuis votre RIB.",
        ),
        (
            "AGRIZZPP",
            "Le BIC est invalide : ses 5e et 6e lettres ne sont pas un code de pays. "
            "Recopiez-le depuis votre RIB.",
        ),
        (
            "COBADEFFXXX",
            "Le BIC est celui d'une banque d'un autre pays (DE) que le compte (FR) : "
            "vérifiez-le sur le RIB du même compte que l'IBAN, ou laissez le champ vide.",
        ),
    ],
)
def test_bic_messages(bic: str, message: str) -> None:
    assert [problem.message for problem in check_bic(bic, iban=VALID_FR)] == [message]


# --- Mandate reference (RUM) and creditor identifier (ICS) ------------------------------------


@pytest.mark.parametrize(
    ("prefix", "member_number", "sequence", "reference"),
    [
        ("SANTE", "000012345", 1, "SANTE-000012345-001"),
        ("ZZZ", "000012345", 2, "ZZZ-000012345-002"),
        ("HM", "123456789", 999, "HM-123456789-999"),
        ("HM", "123456789", 1000, "HM-123456789-1000"),
        ("A" * 21, "123456789", 1, "A" * 21 + "-123456789-001"),  # 35 characters
    ],
)
def test_new_mandate_reference(
    prefix: str, member_number: str, sequence: int, reference: str
) -> None:
    result = new_mandate_reference(prefix=prefix, member_number=member_number, sequence=sequence)
    assert result == reference
    assert len(result) <= 35
    assert is_valid_mandate_reference(result)


@pytest.mark.parametrize(
    ("prefix", "member_number", "sequence", "error"),
    [
        ("", "000012345", 1, "prefix"),
        ("santé", "000012345", 1, "prefix"),
        ("SAN TE", "000012345", 1, "prefix"),
        ("SANTE", "", 1, "member number"),
        ("SANTE", "0000/12345", 1, "member number"),
        ("SANTE", "000012345", 0, "sequence"),
        ("SANTE", "000012345", -1, "sequence"),
        ("A" * 22, "123456789", 1, "35 characters"),
        # R6.2: never the NIR, which the debtor's bank and statements would show.
        ("SANTE", "185057800608491", 1, "NIR"),
        ("SANTE", "1850578006084", 1, "NIR"),
        ("SANTE", "185052A1234563", 1, "NIR"),
    ],
)
def test_new_mandate_reference_refuses(
    prefix: str, member_number: str, sequence: int, error: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        new_mandate_reference(prefix=prefix, member_number=member_number, sequence=sequence)


@pytest.mark.parametrize(
    ("reference", "valid"),
    [
        ("SANTE-000012345-001", True),
        ("abc/DEF-123?:().,'+ x", True),  # every SEPA character
        ("A" * 35, True),
        ("A" * 36, False),
        ("", False),
        ("RUM_001", False),
        ("RUMÉ001", False),
        ("RUM#1", False),
    ],
)
def test_is_valid_mandate_reference(reference: str, valid: bool) -> None:
    assert is_valid_mandate_reference(reference) is valid


@pytest.mark.parametrize(
    ("ics", "valid"),
    [
        ("FR69ZZZ651190", True),  # rules.md R6.3
        ("fr 69 zzz 651190", True),
        ("FR69ABC651190", True),  # the business code is outside the check digits
        ("FR69A1C651190", True),
        ("FR70ZZZ651190", False),
        ("FR69ZZZ651191", False),
        ("FR69ZZZ65119", False),  # 12 characters
        ("FR69ZZZ6511900", False),  # 14 characters
        ("DE98ZZZ09999999999", False),  # a valid German ICS is not a French one
        ("FR69ZZ651190", False),
        ("", False),
    ],
)
def test_check_creditor_identifier(ics: str, valid: bool) -> None:
    assert check_creditor_identifier(ics) is valid


# --- Frequencies and debit days ---------------------------------------------------------------


def test_frequencies_and_days_of_the_guide() -> None:
    assert FREQUENCY_CHOICES == [
        ("annual", "Annuelle"),
        ("semiannual", "Semestrielle"),
        ("quarterly", "Trimestrielle"),
        ("monthly", "Mensuelle"),
    ]
    assert list(DEBIT_FREQUENCIES) == [ANNUAL, SEMIANNUAL, QUARTERLY, MONTHLY]
    assert DEBIT_DAYS == (5, 10, 15, 20)
    assert DEBIT_DAY_CHOICES == [(5, "5"), (10, "10"), (15, "15"), (20, "20")]


@pytest.mark.parametrize(
    ("frequency", "amount"),
    [
        (ANNUAL, "242.40"),
        (SEMIANNUAL, "121.20"),
        (QUARTERLY, "60.60"),
        (MONTHLY, "20.20"),
    ],
)
def test_debit_amount(frequency: str, amount: str) -> None:
    assert debit_amount(Decimal("20.20"), frequency) == Decimal(amount)
    assert str(debit_amount(Decimal("20.20"), frequency)) == amount


def test_unknown_frequency() -> None:
    with pytest.raises(ValueError, match="unknown debit frequency 'weekly'"):
        debit_frequency("weekly")
