"""Postal addresses: AFNOR NF Z10-011 normalisation and the postal code ↔ commune check.

rules.md §9: at most 38 characters a line; lines 4–6 upper case, no accents, letters,
digits and spaces only; the last line is the 5-digit code and the routing label.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

AFNOR_LINE_LENGTH = 38
POSTAL_CODES_FILE = Path(__file__).resolve().parent / "data" / "codes-postaux.json.gz"

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z ]+")
_SPACES = re.compile(r"\s+")
POSTAL_CODE_RE = re.compile(r"^\d{5}$")


@functools.lru_cache(maxsize=8192)
def afnor_line(text: str) -> str:
    """Normalise one address line per NF Z10-011 (rules.md R9.2), without truncating it."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_ALNUM.sub(" ", text).upper()
    return _SPACES.sub(" ", text).strip()


@functools.lru_cache(maxsize=65536)
def commune_key(name: str) -> str:
    """A comparison key for commune names: "Saint-Étienne" and "ST ETIENNE" compare equal."""
    key = afnor_line(name)
    key = re.sub(r"\bSAINTE\b", "STE", key)
    key = re.sub(r"\bSAINT\b", "ST", key)
    return key.replace(" ", "")


@dataclass(frozen=True)
class PostalRow:
    postal_code: str
    insee_code: str
    commune: str
    routing_label: str


def read_postal_codes(path: Path = POSTAL_CODES_FILE) -> Iterator[PostalRow]:
    """Rows of the shipped list (gzip or plain JSON), deduplicated."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        rows = json.load(handle)
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        key = (row["codePostal"], row["codeCommune"], row["libelleAcheminement"])
        if key in seen:
            continue
        seen.add(key)
        yield PostalRow(
            postal_code=row["codePostal"],
            insee_code=row["codeCommune"],
            commune=row["nomCommune"],
            routing_label=row["libelleAcheminement"],
        )


def match_commune(city: str, candidates: Iterable[PostalRow]) -> PostalRow | None:
    """The candidate whose routing label or commune name matches `city`, if any."""
    wanted = commune_key(city)
    for row in candidates:
        if wanted in {commune_key(row.routing_label), commune_key(row.commune)}:
            return row
    return None
