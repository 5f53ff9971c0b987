"""The DSN norm's character sets (CT 2025.1 §3.6 identities, §3.7 addresses)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.charset import LETTER, is_address_text, is_identity_text, to_norm_text

LATIN1_LETTERS = [
    chr(c)
    for c in [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x100)]
    if c not in (0xD7, 0xF7)
]
CONTROL = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]
words = st.text(alphabet=LATIN1_LETTERS, min_size=1, max_size=12)


def test_the_letter_class_is_the_latin1_letters() -> None:
    assert LETTER == "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"


@given(st.lists(words, min_size=1, max_size=4), st.sampled_from([" ", "-", "'", "--"]))
def test_any_name_of_latin1_letters_and_single_separators_is_accepted(
    parts: list[str], separator: str
) -> None:
    assert is_identity_text(separator.join(parts))


@given(words, st.sampled_from(CONTROL), words)
def test_any_name_with_a_control_character_is_refused(
    before: str, control: str, after: str
) -> None:
    assert not is_identity_text(before + control + after)
    assert not is_address_text(before + control + after)


@given(words, st.sampled_from(list('<>&"=;/\\@#%*+?!()[]{}|~^`$0123456789')), words)
def test_any_name_with_a_markup_digit_or_symbol_is_refused(
    before: str, symbol: str, after: str
) -> None:
    assert not is_identity_text(before + symbol + after)


@given(st.text(alphabet=[*LATIN1_LETTERS, *"0123456789 '.-"], max_size=38))
def test_any_address_line_of_letters_digits_and_the_four_marks_is_accepted(line: str) -> None:
    assert is_address_text(line)


@given(st.text(alphabet=list('<>&"=;\\@#%*+?!()[]{}|~^`$'), min_size=1, max_size=3))
def test_any_address_line_with_markup_is_refused(symbols: str) -> None:
    assert not is_address_text(f"12 RUE {symbols} DE LA PAIX")


@pytest.mark.parametrize(
    "name", ["N'DIAYE", "Le Gall-Durand", "Ødegård", "Müller", "'T HOOFT", "DUPOND--DURAND"]
)
def test_real_names_are_identity_text(name: str) -> None:
    assert is_identity_text(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "-MARTIN",
        "MARTIN-",
        "MARTIN'",
        "MARTIN ",
        "MAR  TIN",
        "MAR-'TIN",
        "St. Pierre",
        "<script>",
        "Jean\u0000",
        "Иван",
        "Zoë\u200b",
    ],
)
def test_names_outside_the_norm_are_refused(name: str) -> None:
    assert not is_identity_text(name)


@pytest.mark.parametrize(
    ("typed", "normed"),
    [
        ("  N’Diaye  ", "N'Diaye"),
        ("Cœur  de Lion", "Coeur de Lion"),
        ("ŒDIPE", "OEDIPE"),
        ("Jean\tPaul", "Jean\tPaul"),
    ],
)
def test_to_norm_text_writes_what_the_norm_writes_one_way(typed: str, normed: str) -> None:
    assert to_norm_text(typed) == normed
