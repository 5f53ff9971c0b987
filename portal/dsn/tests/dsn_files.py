"""Small DSN files for the tests, built record by record with right S90 totals by default."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Record = tuple[str, str]

ENVOI: list[Record] = [
    ("S10.G00.00.001", "LOGICIEL"),
    ("S10.G00.00.002", "EDITEUR"),
    ("S10.G00.00.005", "02"),
    ("S10.G00.00.006", "P25V01"),
    ("S10.G00.00.007", "01"),
    ("S10.G00.00.008", "01"),
    ("S10.G00.01.001", "999000003"),
    ("S10.G00.01.002", "00015"),
    ("S10.G00.01.003", "SOCIETE FICTIVE"),
    ("S10.G00.02.002", "CONTACT"),
]


def declaration(
    siren: str = "999000003", nic: str = "00015", nature: str = "01", kind: str = "01"
) -> list[Record]:
    return [
        ("S20.G00.05.001", nature),
        ("S20.G00.05.002", kind),
        ("S20.G00.05.003", "11"),
        ("S20.G00.05.004", "1"),
        ("S20.G00.05.005", "01062025"),
        ("S20.G00.05.007", "03072025"),
        ("S20.G00.05.008", "01"),
        ("S20.G00.05.010", "01"),
        ("S21.G00.06.001", siren),
        ("S21.G00.06.003", "6201Z"),
        ("S21.G00.11.001", nic),
        ("S21.G00.11.002", "6201Z"),
        ("S21.G00.11.022", "1486"),
        ("S21.G00.15.001", "SANTE-COLL-0001"),
        ("S21.G00.15.002", "A99999"),
        ("S21.G00.15.004", "01"),
        ("S21.G00.15.005", "1"),
    ]


def individual(
    nir: str = "1859975999001", last: str = "DUPONT", first: str = "Jean", number: str = "00001"
) -> list[Record]:
    return [
        ("S21.G00.30.001", nir),
        ("S21.G00.30.002", last),
        ("S21.G00.30.004", first),
        ("S21.G00.30.006", "15031985"),
        ("S21.G00.30.013", "01"),
        ("S21.G00.30.014", "75"),
        ("S21.G00.30.015", "FR"),
        ("S21.G00.40.001", "02062025"),
        ("S21.G00.40.002", "04"),
        ("S21.G00.40.003", "01"),
        ("S21.G00.40.007", "01"),
        ("S21.G00.40.009", number),
        ("S21.G00.70.004", "FAMILLE"),
        ("S21.G00.70.005", "CADRES"),
        ("S21.G00.70.012", "1"),
        ("S21.G00.70.013", "1"),
    ]


def lines(records: Iterable[Record | str]) -> list[str]:
    return [r if isinstance(r, str) else f"{r[0]},'{r[1]}'" for r in records]


def envoi(
    body: Sequence[Record | str], *, total: int | None = None, declarations: int = 1
) -> list[str]:
    """ENVOI + body + S90 (rubriques counted unless `total` is given)."""
    text = lines([*ENVOI, *body])
    counted = sum(1 for line in text if line.strip() and line.startswith("S")) + 2
    return [
        *text,
        f"S90.G00.90.001,'{counted if total is None else total}'",
        f"S90.G00.90.002,'{declarations}'",
    ]


def build(
    body: Sequence[Record | str] | None = None,
    *,
    encoding: str = "latin-1",
    eol: str = "\r\n",
    total: int | None = None,
    declarations: int = 1,
) -> bytes:
    """One envoi with one declaration (the default body: one employee) as bytes."""
    if body is None:
        body = [*declaration(), *individual()]
    return (
        eol.join(envoi(body, total=total, declarations=declarations)).encode(encoding)
        + eol.encode()
    )
