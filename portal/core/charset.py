"""The DSN norm's character sets for names and addresses, the same rule for every door.

Cahier technique DSN 2025.1: values are ISO/IEC 8859-1 (§3.4); identities (§3.6, checks of
§4.4.8) hold letters, the space, the hyphen and the apostrophe only, the space, hyphen and
apostrophe each between two letters (an apostrophe may open a name, a double hyphen "--" may
join the two parts of a double family name); addresses (§3.7, checks of §4.4.9) hold letters,
digits, the space, the apostrophe, the hyphen and the full stop. No control character, no
markup character (< > & " …) in either. Pure: no Django.
"""

from __future__ import annotations

import re

# The letters of ISO/IEC 8859-1: A–Z, a–z and the accented ones (× U+00D7 and ÷ U+00F7 are not
# letters).
LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
_IDENTITY_RE = re.compile(rf"'?[{LETTER}]+(?:(?:[ '-]|--)[{LETTER}]+)*")
_ADDRESS_RE = re.compile(rf"[{LETTER}0-9 '.-]*")
# What the doors type differently but the norm writes one way: the typographic apostrophe and
# the French ligatures that ISO/IEC 8859-1 lacks.
_SPACES = re.compile(" {2,}")
_TO_NORM = str.maketrans({"’": "'", "Œ": "OE", "œ": "oe"})


def to_norm_text(value: str) -> str:
    """`value` with the typographic apostrophe and the œ ligature written as the norm writes
    them, without blanks around it and with its runs of spaces made one. Other blanks inside
    (tab, line break) stay, for the check to refuse."""
    return _SPACES.sub(" ", value.translate(_TO_NORM).strip())


def is_identity_text(value: str) -> bool:
    """A name, first name or account holder made of the DSN identity characters (§3.6)."""
    return _IDENTITY_RE.fullmatch(value) is not None


def is_address_text(value: str) -> bool:
    """An address line made of the DSN address characters (§3.7); empty is allowed."""
    return _ADDRESS_RE.fullmatch(value) is not None
