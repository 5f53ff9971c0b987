"""Processing a DSN file: read it whole once (a refused file changes nothing), then apply its
declarations one by one, each in one durable transaction that also moves the file's position
(`declarations_done`). A worker stopped in the middle reads the file again and resumes at that
position: no declaration is lost or applied twice.

The file is walked as a stream of events: of the declaration being applied, only a batch of
individuals (`BATCH`) is in memory at a time, all in the declaration's one transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from typing import Any, BinaryIO, cast

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.companies.models import Company
from portal.core import audit, jobs
from portal.core.audit import AuditAction
from portal.core.crypto import digest
from portal.dsn import crm, ends, replacing
from portal.dsn.errors import DsnError, DsnRefused, Finding
from portal.dsn.mapping import Result, apply_affiliations, map_adhesions, nir15
from portal.dsn.model import Declaration, Envoi, Individual
from portal.dsn.models import (
    COUNTERS,
    DeclarationStatus,
    DsnDeclaration,
    DsnFile,
    DsnFileStatus,
    DsnOutcome,
)
from portal.dsn.outcomes import Outcome, OutcomeKind
from portal.dsn.parsing import DeclarationEnded, DeclarationStarted, EnvoiStarted, events
from portal.enrollment.declarations import PreloadedLookups

IDENTITY = ("S21.G00.30.001", "S21.G00.30.002", "S21.G00.30.004", "S21.G00.30.006")
COUNTS = [
    "affiliation_count",
    "termination_count",
    "change_count",
    "anomaly_count",
    "rejected_count",
]


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.line,
        "rubrique": finding.rubrique or "",
        "value": finding.value or "",
        "code": finding.code.value,
        "message": finding.message,
        "severity": finding.severity.value,
    }


def process(
    file_id: int, *, max_declarations: int | None = None, today: date | None = None
) -> DsnFile:
    """Run (or resume) a file's intake: safe to call again at any point, even concurrently.

    `max_declarations` stops after applying that many (the rest waits for the next call), as
    a worker stopped in the middle would."""
    received = DsnFile.objects.get(pk=file_id)
    if not received.running:
        return received
    if received.status in {DsnFileStatus.QUEUED, DsnFileStatus.READING}:
        DsnFile.objects.filter(pk=file_id, status=DsnFileStatus.QUEUED).update(
            status=DsnFileStatus.READING
        )
        with received.file.open("rb") as handle:  # streamed: the file is never whole in memory
            if not _read(received, cast(BinaryIO, handle)):
                return received
    received.refresh_from_db()
    if received.status == DsnFileStatus.APPLYING:
        with received.file.open("rb") as handle:
            _apply(
                received, cast(BinaryIO, handle), max_declarations, today or timezone.localdate()
            )
    return received


def _read(received: DsnFile, data: BinaryIO) -> bool:
    """The first pass: refuse the file, or count its declarations and note its versions."""
    total = 0
    test = False
    declared = checked = ""
    loose: list[dict[str, Any]] = []  # findings outside any declaration
    inside = False
    # What a refusal's CRM is addressed with: the last envoi and declaration begun.
    envoi: Envoi | None = None
    declaration: Declaration | None = None
    try:
        for event in events(data):
            if isinstance(event, EnvoiStarted):
                envoi = event.envoi
                test = test or event.envoi.is_test
                if not checked:
                    declared = event.envoi.declared_version or ""
                    checked = event.envoi.checked_version
            elif isinstance(event, DeclarationStarted):
                declaration = event.declaration
                total += 1
                inside = True
            elif isinstance(event, DeclarationEnded):
                inside = False
            elif isinstance(event, Finding) and not inside:
                loose.append(finding_dict(event))
    except DsnRefused as refused:
        findings = [finding_dict(f) for f in refused.findings]
        with transaction.atomic(durable=True):
            changed = DsnFile.objects.filter(pk=received.pk, status=DsnFileStatus.READING).update(
                status=DsnFileStatus.REFUSED,
                refusal=refused.message,
                findings=findings,
                finished_at=timezone.now(),
            )
            if changed and not test:  # a test envoi is reported, never answered
                crm.store_refusal(received, envoi, declaration, findings)
            audit.record(
                AuditAction.DSN_FILE_PROCESSED,
                by=received.uploaded_by,
                target=received,
                refused=True,
            )
        received.refresh_from_db()
        return False
    DsnFile.objects.filter(pk=received.pk, status=DsnFileStatus.READING).update(
        status=DsnFileStatus.APPLYING,
        declarations_total=total,
        declared_version=declared,
        checked_version=checked,
        test=test,
        findings=loose,
    )
    return True


BATCH = 1000  # individuals applied at a time: a declaration is never whole in memory


def _declarations(
    data: BinaryIO, skip: int
) -> Iterator[tuple[int, Envoi, Declaration, Iterator[list[Individual]]]]:
    """(position, envoi, declaration, its individuals in batches) from position `skip` on.

    The batches read on in the same stream of events: the caller takes every batch of a
    declaration before asking for the next one; the declaration's findings are complete once
    its last batch is taken."""
    envoi: Envoi | None = None
    position = 0
    stream = events(data)

    def batches() -> Iterator[list[Individual]]:
        batch: list[Individual] = []
        for event in stream:
            if isinstance(event, Individual):
                batch.append(event)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            elif isinstance(event, DeclarationEnded):
                break
        if batch:
            yield batch

    for event in stream:
        if isinstance(event, EnvoiStarted):
            envoi = event.envoi
        elif isinstance(event, DeclarationStarted):
            position += 1
            if position > skip and envoi is not None:
                yield position, envoi, event.declaration, batches()


def _apply(received: DsnFile, data: BinaryIO, max_declarations: int | None, today: date) -> None:
    lookups: dict[int, PreloadedLookups] = {}
    declarations = _declarations(data, received.declarations_done)
    for applied, (position, envoi, declaration, batches) in enumerate(declarations):
        if max_declarations is not None and applied >= max_declarations:
            return
        with transaction.atomic(durable=True):  # one declaration, one commit: resumable after
            locked = DsnFile.objects.select_for_update().get(pk=received.pk)
            if locked.status != DsnFileStatus.APPLYING or locked.declarations_done != position - 1:
                return  # another worker is on this file
            _apply_one(locked, position, envoi, declaration, batches, today, lookups)
            jobs.renew()  # the worker still holds the file
    _finish(received)


class _Rows:
    """A declaration's outcomes written as they come, a batch at a time (never all of them in
    memory): their positions in order, the counters kept."""

    def __init__(self, stored: DsnDeclaration) -> None:
        self.stored = stored
        self.position = 0
        self.counts = dict.fromkeys(COUNTS, 0)

    def write(self, results: list[Result], identities: dict[str, Individual]) -> None:
        for start in range(0, len(results), BATCH):
            rows = []
            for result in results[start : start + BATCH]:
                self.position += 1
                counter = COUNTERS.get(result.outcome.kind)
                if counter:
                    self.counts[counter] += 1
                rows.append(
                    _with_identity(_outcome_row(self.stored, self.position, result), identities)
                )
            DsnOutcome.objects.bulk_create(rows)


def _apply_one(
    received: DsnFile,
    position: int,
    envoi: Envoi,
    declaration: Declaration,
    batches: Iterator[list[Individual]],
    today: date,
    lookups: dict[int, PreloadedLookups],
) -> None:
    siret = declaration.siret or ""
    company = Company.objects.filter(siret=siret).first() if siret else None
    replacement = replacing.Plan()
    if company is not None and not envoi.is_test:
        # Serialises with the form and the files: the duplicate checks see every employee.
        Company.objects.select_for_update().filter(pk=company.pk).first()
        # Annule et remplace, duplicates, order independence (`replacing.py`).
        replacement = replacing.plan(declaration, company, received.pk)
    if envoi.is_test:
        status = DeclarationStatus.TEST  # recorded, never integrated
    elif company is None:
        status = DeclarationStatus.REJECTED
    elif replacement.status is not None:  # a duplicate, outdated, refused: not applied
        status = replacement.status
    else:
        status = DeclarationStatus.APPLIED
    # Stored first, its counters and findings set once its last batch is read: its outcomes
    # are written batch by batch.
    stored = DsnDeclaration.objects.create(
        file=received,
        position=position,
        line=declaration.line,
        siret=siret,
        company=company,
        nature=declaration.nature or "",
        kind=declaration.kind or "",
        month=declaration.month,
        fraction=declaration.fraction or "",
        sequence=declaration.sequence or "",
        superseded_by=replacement.superseded_by,
        declaration_id=declaration.declaration_id or "",
        replaced_id=declaration.replaced_id or "",
        envoi_id=envoi.envoi_id or "",
        status=status,
    )
    rows = _Rows(stored)
    individual_count = 0
    # Of each individual, only its identity is kept past its batch (the absence check).
    present: list[Individual] = []
    if status != DeclarationStatus.APPLIED:
        individual_count = sum(len(batch) for batch in batches)  # read, never integrated
    if company is None:
        if not envoi.is_test:
            employer = declaration.employer
            rows.write(
                [
                    Result(
                        Outcome(
                            kind=OutcomeKind.REJECTED,
                            code=DsnError.UNKNOWN_ESTABLISHMENT.value,
                            message=DsnError.UNKNOWN_ESTABLISHMENT.text(siret=siret or "(absent)"),
                            line=(employer.line_of("S21.G00.11.001") or employer.line)
                            if employer
                            else declaration.line,
                            rubrique="S21.G00.11.001",
                            value=siret,
                        )
                    )
                ],
                {},
            )
    elif status != DeclarationStatus.APPLIED:
        if not envoi.is_test:
            rows.write(replacement.results, {})
    else:
        if company.pk not in lookups:
            lookups[company.pk] = PreloadedLookups(company)
        by = received.uploaded_by
        results = list(replacement.results)
        if replacement.earlier:
            # A replacement withdraws what the earlier declaration produced and it no longer
            # declares, before applying itself: it is read whole (replacements are rare).
            everything = [i for batch in batches for i in batch]
            batches = iter([everything] if everything else [])
            results += replacing.undo_earlier(
                replacement,
                dataclasses.replace(declaration, individuals=everything),
                company=company,
                by=by,
                file_name=received.original_name,
                dsn_file_id=received.pk,
            )
        # The S15 returns come once, before the individuals' (each batch repeats them).
        _, adhesion_results = map_adhesions(declaration, company)
        rows.write(results + adhesion_results, {})
        # The ends come after every affiliation, then the absent (as in one batch): they are
        # few (an S62 is a contract's end), kept until the last batch.
        ended: list[Outcome] = []
        declared: dict[str, int] = {}  # NIR digest → line: the same person twice, flagged
        for batch in batches:
            individual_count += len(batch)
            part = dataclasses.replace(declaration, individuals=batch)
            affiliated = apply_affiliations(
                part,
                company=company,
                by=by,
                today=today,
                lookups=lookups[company.pk],
                declared=declared,
            )
            identities = {i.nir: i for i in batch if i.nir}
            rows.write(affiliated[len(adhesion_results) :], identities)
            # S62 (ends of contract, 099, transfers), in this same transaction.
            ended += ends.apply_contract_ends(
                part, company=company, by=by, today=today, dsn_file_id=received.pk
            )
            # The contracts taken in end the portability of a person now employed (R3.6).
            ends.end_portabilities_on_new_jobs(part, by=by, dsn_file_id=received.pk)
            present += [_identity(i) for i in batch if i.nir is not None]
        # The declared identities, for the employer's "Rapprochement DSN" (by the outcome's NIR).
        identities = {i.nir: i for i in present if i.nir}
        rows.write([Result(o) for o in ended], identities)
        # The individuals absent from a monthly DSN.
        everyone = dataclasses.replace(declaration, individuals=present)
        rows.write([Result(o) for o in ends.absent_affiliated(everyone, company=company)], {})
    counts = rows.counts
    stored.individual_count = individual_count
    stored.findings = [finding_dict(f) for f in declaration.findings]
    for name, value in counts.items():
        setattr(stored, name, value)
    stored.save(update_fields=["individual_count", "findings", *COUNTS])
    replacing.mark_earlier(replacement, stored)
    DsnFile.objects.filter(pk=received.pk).update(
        declarations_done=position,
        individual_count=F("individual_count") + individual_count,
        **{name: F(name) + value for name, value in counts.items() if value},
    )
    # The compte rendu métier, stored with the declaration in this transaction (none for a
    # test envoi), read back from its outcomes a batch at a time.
    crm.store(
        envoi,
        declaration,
        stored,
        DsnOutcome.objects.filter(declaration=stored).order_by("position"),
    )


def _identity(individual: Individual) -> Individual:
    """The individual reduced to its identifying rubriques (NIR, names, birth date)."""
    fields = {k: v for k in IDENTITY if (v := individual.fields.get(k)) is not None}
    return Individual(individual.code, individual.line, fields)


def _outcome_row(declaration: DsnDeclaration, position: int, result: Result) -> DsnOutcome:
    outcome = result.outcome
    full = nir15(outcome.nir)
    return DsnOutcome(
        declaration=declaration,
        position=position,
        kind=outcome.kind.value,
        nir=outcome.nir,
        nir_digest=digest(full) if full else "",
        name=outcome.name[:200],
        code=outcome.code,
        message=outcome.message,
        line=outcome.line,
        rubrique=outcome.rubrique,
        value=outcome.value[:300],
        request_id=outcome.request_id,
        contract_id=result.contract_id,
        option=result.option,
        population=result.population,
    )


def _with_identity(row: DsnOutcome, identities: dict[str, Individual]) -> DsnOutcome:
    """The outcome with its individual's identity as declared (none for an S15 return or an
    absent employee)."""
    individual = identities.get(row.nir) if row.nir else None
    if individual is not None:
        row.declared_last_name = (individual.last_name or "")[:80]
        row.declared_first_names = (individual.first_names or "")[:80]
        row.declared_birth_date = individual.birth_date
    return row


@transaction.atomic(durable=True)
def _finish(received: DsnFile) -> None:
    done = DsnFile.objects.filter(pk=received.pk, status=DsnFileStatus.APPLYING).update(
        status=DsnFileStatus.DONE, finished_at=timezone.now()
    )
    received.refresh_from_db()
    if done:
        audit.record(
            AuditAction.DSN_FILE_PROCESSED,
            by=received.uploaded_by,
            target=received,
            declarations=received.declarations_total,
            affiliations=received.affiliation_count,
            rejected=received.rejected_count,
        )
