"""What the DSN parser hands over: plain dataclasses, no ORM.

Every object keeps the raw rubriques it was read from (`fields`: full rubrique id → value, as
in the file) with their line numbers (`lines`), and offers typed accessors for what the intake
needs. Dates are `date` objects when the value is a real JJMMAAAA date, else None (the raw
value stays in `fields`, and the parser reported it).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from portal.dsn.errors import Finding


def as_date(value: str | None) -> date | None:
    """JJMMAAAA → date; None when absent or not a calendar date (e.g. a 99 day of birth)."""
    if not value or len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        return None


@dataclass(slots=True)
class Record:
    """A block occurrence as read: its first line, its rubriques and their lines.

    A block's rubriques are on consecutive lines from `line`, in the order of `fields`, so the
    parser stores no line per rubrique: `skips` holds, for each line skipped inside the block
    (blank, broken, empty value), how many rubriques came before it, and `extra_lines` the lines
    of the rubriques of the other blocks merged into this record (S10.G00.01 into the envoi…)."""

    code: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    skips: list[int] | None = None  # None: no line skipped (the usual case)
    extra_lines: dict[str, int] | None = None  # None: no block merged into this one

    def get(self, rubrique: str) -> str | None:
        return self.fields.get(rubrique)

    def line_of(self, rubrique: str) -> int | None:
        """The line `rubrique` was read on, or None when the record does not have it."""
        if rubrique not in self.fields:
            return None
        if self.extra_lines is not None:
            extra = self.extra_lines.get(rubrique)
            if extra is not None:
                return extra
        index = list(self.fields).index(rubrique)
        return self.line + index + (bisect_right(self.skips, index) if self.skips else 0)

    @property
    def lines(self) -> dict[str, int]:
        """Every rubrique's line (built on demand: for reports and tests)."""
        return {rubrique: line for rubrique in self.fields if (line := self.line_of(rubrique))}


@dataclass(slots=True)
class Dependant(Record):
    """S21.G00.73 Ayant-droit."""

    @property
    def kind(self) -> str | None:  # 01 adulte, 02 enfant, 03 autre
        return self.fields.get("S21.G00.73.003")

    @property
    def last_name(self) -> str | None:
        return self.fields.get("S21.G00.73.006")

    @property
    def first_names(self) -> str | None:
        return self.fields.get("S21.G00.73.009")

    @property
    def birth_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.73.005"))

    @property
    def nir(self) -> str | None:
        return self.fields.get("S21.G00.73.007")

    @property
    def option(self) -> str | None:
        return self.fields.get("S21.G00.73.002")

    @property
    def start_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.73.004"))

    @property
    def end_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.73.011"))


@dataclass(slots=True)
class Affiliation(Record):
    """S21.G00.70 Affiliation Prévoyance; `adhesion_id` (70.013) points to an S21.G00.15."""

    dependants: list[Dependant] = field(default_factory=list)

    @property
    def option(self) -> str | None:
        return self.fields.get("S21.G00.70.004")

    @property
    def population(self) -> str | None:
        return self.fields.get("S21.G00.70.005")

    @property
    def technical_id(self) -> str | None:
        return self.fields.get("S21.G00.70.012")

    @property
    def adhesion_id(self) -> str | None:
        return self.fields.get("S21.G00.70.013")

    @property
    def start_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.70.014"))

    @property
    def end_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.70.015"))


@dataclass(slots=True)
class ContractEnd(Record):
    """S21.G00.62 Fin du contrat."""

    @property
    def end_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.62.001"))

    @property
    def reason(self) -> str | None:  # motif de rupture, e.g. "043", "099"
        return self.fields.get("S21.G00.62.002")

    @property
    def keeps_affiliation(self) -> bool:  # 62.016 = 01: maintien de l'affiliation
        return self.fields.get("S21.G00.62.016") == "01"


@dataclass(slots=True)
class Contract(Record):
    """S21.G00.40 Contrat de travail, with its end, affiliations and changes (S21.G00.41)."""

    end: ContractEnd | None = None
    affiliations: list[Affiliation] = field(default_factory=list)
    changes: list[Record] = field(default_factory=list)

    @property
    def start_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.40.001"))

    @property
    def number(self) -> str | None:
        return self.fields.get("S21.G00.40.009")

    @property
    def nature(self) -> str | None:
        return self.fields.get("S21.G00.40.007")

    @property
    def status(self) -> str | None:
        return self.fields.get("S21.G00.40.002")

    @property
    def retirement_category(self) -> str | None:
        return self.fields.get("S21.G00.40.003")


@dataclass(slots=True)
class Individual(Record):
    """S21.G00.30 Individu, with its contracts and identity changes (S21.G00.31)."""

    contracts: list[Contract] = field(default_factory=list)
    changes: list[Record] = field(default_factory=list)

    @property
    def nir(self) -> str | None:
        return self.fields.get("S21.G00.30.001")

    @property
    def ntt(self) -> str | None:
        return self.fields.get("S21.G00.30.020")

    @property
    def last_name(self) -> str | None:
        return self.fields.get("S21.G00.30.002")

    @property
    def usage_name(self) -> str | None:
        return self.fields.get("S21.G00.30.003")

    @property
    def first_names(self) -> str | None:
        return self.fields.get("S21.G00.30.004")

    @property
    def sex(self) -> str | None:
        return self.fields.get("S21.G00.30.005")

    @property
    def birth_date_raw(self) -> str | None:  # JJMMAAAA, 99 allowed for an unknown day or month
        return self.fields.get("S21.G00.30.006")

    @property
    def birth_date(self) -> date | None:
        return as_date(self.fields.get("S21.G00.30.006"))

    @property
    def email(self) -> str | None:
        return self.fields.get("S21.G00.30.018")

    @property
    def matricule(self) -> str | None:
        return self.fields.get("S21.G00.30.019")


@dataclass(slots=True)
class Adhesion(Record):
    """S21.G00.15 Adhésion Prévoyance: one collective contract of the establishment."""

    changes: list[Record] = field(default_factory=list)  # S21.G00.16

    @property
    def contract_reference(self) -> str | None:
        return self.fields.get("S21.G00.15.001")

    @property
    def organisme(self) -> str | None:
        return self.fields.get("S21.G00.15.002")

    @property
    def delegataire(self) -> str | None:
        return self.fields.get("S21.G00.15.003")

    @property
    def covered(self) -> str | None:  # 01 au moins un salarié couvert, 02 aucun
        return self.fields.get("S21.G00.15.004")

    @property
    def technical_id(self) -> str | None:
        return self.fields.get("S21.G00.15.005")


@dataclass(slots=True)
class Employer(Record):
    """S21.G00.06 Entreprise and S21.G00.11 Etablissement (one dict: their ids differ)."""

    @property
    def siren(self) -> str | None:
        return self.fields.get("S21.G00.06.001")

    @property
    def nic(self) -> str | None:
        return self.fields.get("S21.G00.11.001")

    @property
    def siret(self) -> str | None:
        siren, nic = self.siren, self.nic
        return siren + nic if siren and nic else None

    @property
    def company_name(self) -> str | None:  # service rubrique of the concentrator
        return self.fields.get("S21.G00.06.903")

    @property
    def establishment_name(self) -> str | None:
        return self.fields.get("S21.G00.11.904")


@dataclass(slots=True)
class Declaration(Record):
    """S20.G00.05 (+ S20.G00.96 service rubriques). `individuals` is filled by `parse`; the
    streaming `events` hand each Individual over on its own and leave the list empty."""

    employer: Employer | None = None
    adhesions: list[Adhesion] = field(default_factory=list)
    individuals: list[Individual] = field(default_factory=list)
    individual_count: int = 0
    findings: list[Finding] = field(default_factory=list)
    last_line: int = 0

    @property
    def nature(self) -> str | None:  # 01 mensuelle, 07 FCTU…
        return self.fields.get("S20.G00.05.001")

    @property
    def kind(self) -> str | None:  # 01 normale … 03 annule et remplace, 04 annule
        return self.fields.get("S20.G00.05.002")

    @property
    def fraction(self) -> str | None:
        return self.fields.get("S20.G00.05.003")

    @property
    def sequence(self) -> str | None:
        return self.fields.get("S20.G00.05.004")

    @property
    def month(self) -> date | None:
        return as_date(self.fields.get("S20.G00.05.005"))

    @property
    def replaced_id(self) -> str | None:  # id of the declaration cancelled or replaced
        return self.fields.get("S20.G00.05.006")

    @property
    def declaration_id(self) -> str | None:  # S20.G00.96.902, service rubrique
        return self.fields.get("S20.G00.96.902")

    @property
    def siret(self) -> str | None:
        return self.employer.siret if self.employer else None


@dataclass(slots=True)
class Envoi(Record):
    """S10 (envoi, émetteur, contact, service rubriques S10.G00.95) and its S90 total."""

    declared_version: str | None = None
    checked_version: str = ""
    exact_version: bool = True
    declarations: list[Declaration] = field(default_factory=list)
    declaration_count: int = 0
    rubrique_count: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def is_test(self) -> bool:  # S10.G00.00.005 = 01: envoi de test, never integrated
        return self.fields.get("S10.G00.00.005") == "01"

    @property
    def envoi_id(self) -> str | None:  # S10.G00.95.900, service rubrique
        return self.fields.get("S10.G00.95.900")


@dataclass(slots=True)
class Summary:
    """How the file was read."""

    encoding: str  # "ascii", "utf-8", "iso-8859-1" or "mixte"
    bom: bool
    lines: int
    records: int
    findings: int  # all of them, including those past the detailed limit
    refused: bool


@dataclass(slots=True)
class DsnDocument:
    """A whole file read by `parse`."""

    summary: Summary
    envelope: list[Record]
    envois: list[Envoi]
    findings: list[Finding]

    @property
    def declarations(self) -> list[Declaration]:
        return [d for envoi in self.envois for d in envoi.declarations]
