"""The compte rendu métier (CRM) of a DSN declaration (dsn.md §4): the XML the insurer returns
to the declarant for every declaration applied or rejected (never for a test envoi).

The official CRM specification (the federations' XSD) was not found publicly (dsn.md §5):
the structure below follows dsn.md §4 (GEREP's CRM export, VersionCRM 114) and is checked by
the tests, not against an XSD. To be confirmed with the concentrator's specification.

    <Fichier VersionCRM IdEnvoi TypCRM VersionNorme SiretEmetteur>   (attributes)
      <Declaration>   one per declaration, its data as child elements:
        IdDec NatureDecla TypeDecla FractionDecla NoOrdreDecla DateMoisDec SirenDecla
        NicAffectation CodeOC NbreSal NbreErreur NbreAff NbreRad CodeRetourDecla
        <RetourMetier>   one per problem (an outcome with a code, a finding of the parser):
          IdRetour CodeRetourMetier LibelCodeRetourMetier CriticiteRetour DescriptionRetour
          RubriqueBlocRetour ValeurRubriqueErreur
          <ContexteRetourMetier> Rubrique Libelle Valeur LibelVal   (the NIR, the contract)

ISO-8859-1, built with `xml.etree.ElementTree` (never by concatenation). The NIR is kept as
declared: the CRM goes back to the declarant who sent it. CodeRetourDecla: 0 accepted,
1 accepted with corrections to make (errors that did not stop anything), 2 partly taken into
account (some returns rejected something, not all), 3 not taken into account.
File name: the FNMF convention,
`{émetteur}_{15.002}-{15.003|PASDLG}-{05.004}-{96.902}-{95.900}_CRM_{AAAAMMJJ-HHMMSS}.xml`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone

from portal.companies.models import Contract
from portal.core.transactions import files_removed_on_error
from portal.dsn import norm
from portal.dsn.errors import FINDING_CRM_CODES, FindingCode, Severity, outcome_crm_code
from portal.dsn.model import Declaration, Envoi
from portal.dsn.models import DeclarationStatus, DsnDeclaration, DsnFile, DsnOutcome
from portal.dsn.outcomes import OutcomeKind

VERSION_CRM = "114"
TYPE_CRM = "3"  # compte rendu complet
ENCODING = "ISO-8859-1"
NIR = "S21.G00.30.001"
CONTRACT_REFERENCE = "S21.G00.15.001"
ORGANISME = "S21.G00.15.002"
NO_DELEGATE = "PASDLG"
UNKNOWN = "INCONNU"
CHUNK = 1000  # outcomes read at a time


class Criticity(StrEnum):
    BLOCKING = "bloquante"  # what it is about was not taken into account
    NON_BLOCKING = "non bloquante"  # taken into account, to correct in the next DSN
    INFORMATION = "information"


class ReturnCode(StrEnum):
    ACCEPTED = "0"
    ACCEPTED_WITH_CORRECTIONS = "1"
    PARTLY = "2"
    NOT_TAKEN = "3"


@dataclass(frozen=True)
class Context:
    rubrique: str
    label: str
    value: str
    value_label: str = ""


@dataclass(frozen=True)
class Return:
    """One RetourMetier."""

    code: str
    message: str
    criticity: Criticity
    line: int | None
    rubrique: str
    value: str
    contexts: tuple[Context, ...] = ()


def _criticity(code: str, rejected: bool) -> Criticity:
    if rejected:
        return Criticity.BLOCKING
    return Criticity.NON_BLOCKING if code.startswith("E") else Criticity.INFORMATION


def _label(rubrique: str) -> str:
    spec = norm.load(norm.BASE_VERSION).fields.get(rubrique)
    return spec.name if spec is not None else rubrique


def outcome_returns(outcomes: Iterable[DsnOutcome], contracts: dict[int, Contract]) -> list[Return]:
    """A return per outcome with a code (an affiliation created or no change has none)."""
    returns = []
    for outcome in outcomes:
        code = outcome_crm_code(outcome.code, outcome.rubrique)
        if not code:
            continue
        contexts: list[Context] = []
        if outcome.nir:
            contexts.append(Context(NIR, _label(NIR), outcome.nir, outcome.name))
        contract = contracts.get(outcome.contract_id) if outcome.contract_id else None
        if contract is not None:
            contexts.append(
                Context(CONTRACT_REFERENCE, _label(CONTRACT_REFERENCE), contract.dsn_reference)
            )
            contexts.append(Context(ORGANISME, _label(ORGANISME), contract.dsn_organisme))
        returns.append(
            Return(
                code=code,
                message=outcome.message,
                criticity=_criticity(code, outcome.kind == OutcomeKind.REJECTED),
                line=outcome.line,
                rubrique=outcome.rubrique,
                value=outcome.value,
                contexts=tuple(contexts),
            )
        )
    return returns


def finding_returns(findings: Iterable[dict[str, Any]]) -> list[Return]:
    """A return per finding of the parser in the declaration (as `processing.finding_dict`)."""
    returns = []
    for finding in findings:
        code = FindingCode(finding["code"])
        crm = FINDING_CRM_CODES[code]
        returns.append(
            Return(
                code=crm,
                message=finding.get("message") or code.message(),
                criticity=Criticity.BLOCKING
                if code.severity is Severity.FATAL
                else Criticity.INFORMATION
                if code.severity is Severity.WARNING
                else Criticity.NON_BLOCKING,
                line=finding.get("line"),
                rubrique=finding.get("rubrique") or "",
                value=finding.get("value") or "",
            )
        )
    return returns


def return_code(status: str, total: int, rejected: int, returns: Sequence[Return]) -> ReturnCode:
    """CodeRetourDecla: 3 when nothing was taken into account (the declaration rejected, or
    every one of its `total` outcomes rejected), 2 when some were, 1 with errors that stopped
    nothing, else 0."""
    if status == DeclarationStatus.REJECTED or (total and rejected == total):
        return ReturnCode.NOT_TAKEN
    if rejected:
        return ReturnCode.PARTLY
    if any(r.criticity is Criticity.NON_BLOCKING for r in returns):
        return ReturnCode.ACCEPTED_WITH_CORRECTIONS
    return ReturnCode.ACCEPTED


def _element(parent: ET.Element, tag: str, value: object) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = "" if value is None else str(value)
    return child


def _emitter(envoi: Envoi) -> str:
    return (envoi.get("S10.G00.01.001") or "") + (envoi.get("S10.G00.01.002") or "")


def _organisme(declaration: Declaration | None) -> tuple[str, str]:
    """(15.002, 15.003) of the declaration's first S15: the insurer it is addressed to."""
    for adhesion in declaration.adhesions if declaration is not None else ():
        if adhesion.organisme:
            return adhesion.organisme, adhesion.delegataire or ""
    return "", ""


def build(
    envoi: Envoi,
    declaration: Declaration,
    stored: DsnDeclaration,
    outcomes: Iterable[DsnOutcome],
) -> tuple[bytes, ReturnCode]:
    """The CRM XML of one declaration (ISO-8859-1 bytes) and its CodeRetourDecla. The outcomes
    are read once, in order (a queryset is iterated in chunks: never all in memory)."""
    contracts = (
        {c.pk: c for c in Contract.objects.filter(company_id=stored.company_id)}
        if stored.company_id
        else {}
    )
    if isinstance(outcomes, QuerySet):
        outcomes = outcomes.iterator(chunk_size=CHUNK)
    returns: list[Return] = []
    total = rejected = affiliations = terminations = 0
    for outcome in outcomes:
        total += 1
        rejected += outcome.kind == OutcomeKind.REJECTED
        affiliations += outcome.kind == OutcomeKind.AFFILIATION_CREATED
        terminations += outcome.kind == OutcomeKind.TERMINATION_CREATED
        returns += outcome_returns((outcome,), contracts)
    returns += finding_returns(stored.findings)
    code = return_code(stored.status, total, rejected, returns)
    counts = (stored.individual_count, affiliations, terminations)
    return _document(envoi, declaration, counts, code, returns), code


def addressable(envoi: Envoi | None, declaration: Declaration | None) -> bool:
    """Enough of a refused file's envelope is known to address a CRM to its declarant: the
    envoi's emitter with the envoi's id (S10.G00.95.900) or a declaration's (S20.G00.96.902)."""
    if envoi is None or not _emitter(envoi):
        return False
    return bool(envoi.envoi_id or (declaration is not None and declaration.declaration_id))


def build_refusal(
    envoi: Envoi, declaration: Declaration | None, findings: Iterable[dict[str, Any]]
) -> bytes:
    """The CRM of a file refused as a whole (CodeRetourDecla 3, "non pris en compte"): its
    declaration as far as it was read, and the file-level returns (EFIC…) with their lines."""
    returns = finding_returns(findings)
    return _document(envoi, declaration, (0, 0, 0), ReturnCode.NOT_TAKEN, returns)


def _document(
    envoi: Envoi,
    declaration: Declaration | None,
    counts: tuple[int, int, int],
    code: ReturnCode,
    returns: Sequence[Return],
) -> bytes:
    individuals, affiliations, terminations = counts
    root = ET.Element(
        "Fichier",
        {
            "VersionCRM": VERSION_CRM,
            "IdEnvoi": envoi.envoi_id or "",
            "TypCRM": TYPE_CRM,
            "VersionNorme": envoi.declared_version or envoi.checked_version,
            "SiretEmetteur": _emitter(envoi),
        },
    )
    element = ET.SubElement(root, "Declaration")
    employer = declaration.employer if declaration is not None else None
    organisme, _ = _organisme(declaration)

    def get(rubrique: str) -> str:
        return (declaration.get(rubrique) if declaration is not None else None) or ""

    for tag, value in (
        ("IdDec", get("S20.G00.96.902")),
        ("NatureDecla", get("S20.G00.05.001")),
        ("TypeDecla", get("S20.G00.05.002")),
        ("FractionDecla", get("S20.G00.05.003")),
        ("NoOrdreDecla", get("S20.G00.05.004")),
        ("DateMoisDec", get("S20.G00.05.005")),
        ("SirenDecla", (employer.siren if employer else None) or ""),
        ("NicAffectation", (employer.nic if employer else None) or ""),
        ("CodeOC", organisme),
        ("NbreSal", individuals),
        ("NbreErreur", sum(1 for r in returns if r.code.startswith("E"))),
        ("NbreAff", affiliations),
        ("NbreRad", terminations),
        ("CodeRetourDecla", code.value),
    ):
        _element(element, tag, value)
    for rank, item in enumerate(returns, 1):
        retour = ET.SubElement(element, "RetourMetier")
        _element(retour, "IdRetour", rank)
        _element(retour, "CodeRetourMetier", item.code)
        _element(retour, "LibelCodeRetourMetier", item.message)
        _element(retour, "CriticiteRetour", item.criticity.value)
        _element(retour, "DescriptionRetour", f"Ligne {item.line}" if item.line else "")
        _element(retour, "RubriqueBlocRetour", item.rubrique)
        _element(retour, "ValeurRubriqueErreur", item.value)
        for context in item.contexts:
            contexte = ET.SubElement(retour, "ContexteRetourMetier")
            _element(contexte, "Rubrique", context.rubrique)
            _element(contexte, "Libelle", context.label)
            _element(contexte, "Valeur", context.value)
            _element(contexte, "LibelVal", context.value_label)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding=ENCODING, xml_declaration=True)
    return data


_UNSAFE = re.compile(r"[^A-Za-z0-9]")


def _part(value: str | None) -> str:
    return _UNSAFE.sub("", value or "") or UNKNOWN


def file_name(envoi: Envoi, declaration: Declaration | None, now: datetime) -> str:
    """The FNMF name: émetteur_15.002-15.003|PASDLG-05.004-96.902-95.900_CRM_date-heure.xml."""
    organisme, delegate = _organisme(declaration)
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    parts = "-".join(
        [
            _part(organisme),
            _part(delegate) if delegate else NO_DELEGATE,
            _part(declaration.sequence if declaration is not None else None),
            _part(declaration.declaration_id if declaration is not None else None),
            _part(envoi.envoi_id),
        ]
    )
    return f"{_part(_emitter(envoi))}_{parts}_CRM_{stamp}.xml"


def store(
    envoi: Envoi,
    declaration: Declaration,
    stored: DsnDeclaration,
    outcomes: Iterable[DsnOutcome],
) -> None:
    """Write the declaration's CRM with it, inside its transaction (a test envoi has none)."""
    if stored.status == DeclarationStatus.TEST:
        return
    data, code = build(envoi, declaration, stored, outcomes)
    with files_removed_on_error() as written:
        stored.crm.save(file_name(envoi, declaration, timezone.now()), ContentFile(data), False)
        written.append(stored.crm)
        stored.crm_return_code = code.value
        stored.save(update_fields=["crm", "crm_return_code"])


def store_refusal(
    received: DsnFile,
    envoi: Envoi | None,
    declaration: Declaration | None,
    findings: Iterable[dict[str, Any]],
) -> None:
    """Write the CRM of a refused file with it, inside the refusal's transaction, when its
    envelope says whom to address it to (`addressable`); else the file has none."""
    if envoi is None or not addressable(envoi, declaration):
        return
    data = build_refusal(envoi, declaration, findings)
    with files_removed_on_error() as written:
        received.crm.save(file_name(envoi, declaration, timezone.now()), ContentFile(data), False)
        written.append(received.crm)
        received.crm_return_code = ReturnCode.NOT_TAKEN.value
        received.save(update_fields=["crm", "crm_return_code"])
