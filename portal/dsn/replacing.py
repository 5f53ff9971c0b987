"""Annule et remplace, annule, and declarations received twice (dsn.md §1.5 and §4 "Before
processing").

- The same declaration received again in another file — (SIRET, month, fraction, nature,
  sequence) for a monthly DSN, (SIRET, sequence) for a signalement — is recognised and not
  applied twice (the same bytes are already recognised by the file's SHA-256).
- Type 03 (or 05) replaces what the earlier declaration produced: the monthly DSN of the same
  SIRET, month, fraction and nature; the signalement referenced by S20.G00.05.006. Type 04
  cancels a signalement (a monthly DSN cannot be cancelled outright).
- Only what the replacement no longer declares is undone, through the owners' services: an
  affiliation still "En attente" (`tracking.services.cancel_declaration_step`), a termination
  still "En cours" (`terminations.services.undo_termination_step`). What can no longer be undone
  is an anomaly for staff, never a silent change. The replacement is then applied as a normal
  declaration.
- Order independence: a declaration arriving after the one that replaces or cancels it is not
  applied (it is outdated), so the files taken in another order leave the same state.

Runs inside the intake's transaction of the declaration (`processing._apply_one`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.crypto import digest
from portal.core.errors import BusinessError
from portal.dsn import ends
from portal.dsn.errors import DsnReplaceError
from portal.dsn.mapping import Result, map_adhesions, nir15
from portal.dsn.model import Declaration
from portal.dsn.models import DeclarationStatus, DsnDeclaration, DsnOutcome
from portal.dsn.outcomes import Outcome, OutcomeKind
from portal.enrollment.models import MembershipStatus
from portal.terminations.models import Termination
from portal.terminations.services import undo_termination_step
from portal.tracking.models import Request, State
from portal.tracking.services import cancel_declaration_step

MONTHLY = "01"
NORMAL = frozenset({"01", "02"})  # normale, normale sans individu
REPLACING = frozenset({"03", "05"})  # annule et remplace (intégral, sans individu)
CANCELLING = "04"  # annule
KIND = "S20.G00.05.002"
SEQUENCE = "S20.G00.05.004"
REPLACED_ID = "S20.G00.05.006"
# Declarations taken into account (even if since replaced or cancelled themselves).
TAKEN = [DeclarationStatus.APPLIED, DeclarationStatus.REPLACED, DeclarationStatus.CANCELLED]
# Declarations that do not count as received for the duplicate rule.
NOT_RECEIVED = [DeclarationStatus.REJECTED, DeclarationStatus.TEST, DeclarationStatus.DUPLICATE]


@dataclass
class Plan:
    """What to do with a declaration before it is applied: `status` set means it is not
    applied (a duplicate, outdated, refused), with its `results`; otherwise the `earlier`
    declarations it replaces or cancels."""

    status: DeclarationStatus | None = None
    results: list[Result] = field(default_factory=list)
    superseded_by: DsnDeclaration | None = None
    earlier: list[DsnDeclaration] = field(default_factory=list)
    cancels: bool = False


def _received(declaration: DsnDeclaration) -> dict[str, str]:
    received = timezone.localtime(declaration.applied_at)
    return {"received": f"{received:%d/%m/%Y}", "file": declaration.file.original_name}


def _about(
    declaration: Declaration,
    kind: OutcomeKind,
    code: DsnReplaceError,
    rubrique: str,
    **params: object,
) -> Result:
    """A result about the declaration as a whole (its S20 block)."""
    return Result(
        Outcome(
            kind=kind,
            code=code.value,
            message=code.text(**params),
            line=declaration.line_of(rubrique) or declaration.line,
            rubrique=rubrique,
            value=declaration.get(rubrique) or "",
        )
    )


def _stored(company: Company) -> QuerySet[DsnDeclaration]:
    return DsnDeclaration.objects.filter(company=company).select_related("file")


def _is_monthly(declaration: Declaration) -> bool:
    return (declaration.nature or "") == MONTHLY


def _same_slot(declaration: Declaration, company: Company) -> QuerySet[DsnDeclaration]:
    """The monthly declarations of the same SIRET, month, fraction and nature."""
    return _stored(company).filter(
        siret=declaration.siret or "",
        month=declaration.month,
        fraction=declaration.fraction or "",
        nature=declaration.nature or "",
    )


def _sequence(value: str) -> int:
    return int(value) if value.isdigit() else -1


def _taken_into_account(stored: DsnDeclaration) -> bool:
    """Not wholly rejected (e.g. every contract reference unknown): a declaration the insurer
    did not take into account at all is sent again as it was, and applied then."""
    outcomes = stored.outcomes.all()
    return not outcomes.exists() or outcomes.exclude(kind=OutcomeKind.REJECTED).exists()


def plan(declaration: Declaration, company: Company, file_id: int) -> Plan:
    """Recognise a duplicate (the same declaration received in another file), an outdated
    declaration or a refused cancellation, or find the earlier declarations this one replaces
    or cancels. Reads only."""
    kind = declaration.kind or ""
    sequence = declaration.sequence or ""
    monthly = _is_monthly(declaration)
    if sequence:
        if monthly:
            same = _same_slot(declaration, company)
        else:
            same = _stored(company).filter(siret=declaration.siret or "").exclude(nature=MONTHLY)
        original = next(
            (
                d
                for d in same.filter(sequence=sequence)
                .exclude(file_id=file_id)
                .exclude(status__in=NOT_RECEIVED)
                .order_by("pk")
                if _taken_into_account(d)
            ),
            None,
        )
        if original is not None:
            return Plan(
                DeclarationStatus.DUPLICATE,
                [
                    _about(
                        declaration,
                        OutcomeKind.NO_CHANGE,
                        DsnReplaceError.DUPLICATE,
                        SEQUENCE,
                        sequence=sequence,
                        **_received(original),
                    )
                ],
                original,
            )
    if monthly:
        return _plan_monthly(declaration, company, kind, sequence)
    return _plan_signalement(declaration, company, kind)


def _outdated(declaration: Declaration, by: DsnDeclaration) -> Plan:
    return Plan(
        DeclarationStatus.OUTDATED,
        [
            _about(
                declaration,
                OutcomeKind.NO_CHANGE,
                DsnReplaceError.OUTDATED,
                KIND,
                **_received(by),
            )
        ],
        by,
    )


def _plan_monthly(declaration: Declaration, company: Company, kind: str, sequence: str) -> Plan:
    if kind == CANCELLING:
        return Plan(
            DeclarationStatus.REJECTED,
            [
                _about(
                    declaration,
                    OutcomeKind.REJECTED,
                    DsnReplaceError.MONTHLY_CANNOT_BE_CANCELLED,
                    KIND,
                )
            ],
        )
    live = list(_same_slot(declaration, company).filter(status=DeclarationStatus.APPLIED))
    replacements = [d for d in live if d.kind in REPLACING]
    if kind in NORMAL:
        if replacements:  # its replacement came first
            return _outdated(declaration, replacements[-1])
        return Plan()
    if kind in REPLACING:
        later = [d for d in replacements if _sequence(d.sequence) > _sequence(sequence)]
        if later:  # a later replacement came first
            return _outdated(declaration, later[-1])
        return Plan(earlier=live)
    return Plan()


def _plan_signalement(declaration: Declaration, company: Company, kind: str) -> Plan:
    siret = declaration.siret or ""
    own_id = declaration.declaration_id or ""
    if kind in NORMAL:
        if own_id:
            by = (
                _stored(company)
                .filter(siret=siret, replaced_id=own_id, status__in=TAKEN)
                .filter(kind__in=[*REPLACING, CANCELLING])
                .order_by("pk")
                .first()
            )
            if by is not None:  # the replacement or the cancellation came first
                return _outdated(declaration, by)
        return Plan()
    if kind not in REPLACING and kind != CANCELLING:
        return Plan()
    replaced = declaration.replaced_id or ""
    if not replaced:
        return Plan(
            DeclarationStatus.REJECTED,
            [
                _about(
                    declaration,
                    OutcomeKind.REJECTED,
                    DsnReplaceError.REPLACED_ID_MISSING,
                    REPLACED_ID,
                )
            ],
        )
    earlier = list(
        _stored(company)
        .filter(siret=siret, declaration_id=replaced, status=DeclarationStatus.APPLIED)
        .exclude(nature=MONTHLY)
        .order_by("pk")
    )
    cancels = kind == CANCELLING
    if earlier:
        return Plan(earlier=earlier, cancels=cancels)
    code = (
        DsnReplaceError.CANCELLED_NOT_RECEIVED if cancels else DsnReplaceError.REPLACED_NOT_RECEIVED
    )
    return Plan(
        results=[_about(declaration, OutcomeKind.NO_CHANGE, code, REPLACED_ID, replaced=replaced)],
        cancels=cancels,
    )


# --- Undoing what the earlier declaration produced ----------------------------------------------


@dataclass
class _Repeated:
    """What the new declaration declares again (kept as it is when the earlier one made it)."""

    affiliations: set[tuple[str, int]] = field(default_factory=set)  # (NIR digest, contract)
    ends: set[tuple[str, object]] = field(default_factory=set)  # (contract key, end date)
    cancellations: set[str] = field(default_factory=set)  # contract keys of its 099


def _repeated(declaration: Declaration, company: Company, cancels: bool) -> _Repeated:
    repeated = _Repeated()
    if cancels:
        return repeated
    targets, _ = map_adhesions(declaration, company)
    for individual in declaration.individuals:
        nir = nir15(individual.nir)
        if not nir:
            continue
        nir_digest = digest(nir)
        for work in individual.contracts:
            for affiliation in work.affiliations:
                target = targets.get(affiliation.adhesion_id or "")
                if target is not None:
                    repeated.affiliations.add((nir_digest, target.contract.pk))
            end = work.end
            if end is None:
                continue
            key = ends.contract_key(ends.full_nir(individual.nir), work.start_date, work.number)
            if end.reason == ends.CANCELLATION:
                repeated.cancellations.add(key)
            else:
                repeated.ends.add((key, end.end_date))
    return repeated


def undo_earlier(
    plan: Plan,
    declaration: Declaration,
    *,
    company: Company,
    by: User | None,
    file_name: str,
    dsn_file_id: int,
) -> list[Result]:
    """Withdraw what `plan.earlier` produced that `declaration` no longer declares (all of it
    for a cancellation): one result per thing withdrawn or that can no longer be."""
    results: list[Result] = []
    if not plan.earlier:
        return results
    repeated = _repeated(declaration, company, plan.cancels)
    code = DsnReplaceError.CANCELLED if plan.cancels else DsnReplaceError.REPLACED
    rubrique = REPLACED_ID if declaration.replaced_id else KIND
    for earlier in plan.earlier:
        results.append(
            _about(declaration, OutcomeKind.NO_CHANGE, code, rubrique, **_received(earlier))
        )
    rows = DsnOutcome.objects.filter(
        declaration__in=_lineage(plan.earlier),
        kind__in=[
            OutcomeKind.AFFILIATION_CREATED,
            OutcomeKind.TERMINATION_CREATED,
            OutcomeKind.TERMINATION_UNDONE,
        ],
        request__isnull=False,
    ).order_by("declaration__position", "position")
    note = DsnReplaceError.CANCELLATION_NOTE.text(file=file_name)
    for row in rows:
        assert row.request_id is not None
        base = Outcome(
            kind=OutcomeKind.NO_CHANGE, nir=row.nir, name=row.name, request_id=row.request_id
        )
        if row.kind == OutcomeKind.AFFILIATION_CREATED:
            if (row.nir_digest, row.contract_id) in repeated.affiliations:
                continue
            result = _withdraw_affiliation(row.request_id, base, company, by, note)
        else:
            termination = Termination.objects.filter(request_id=row.request_id).first()
            if termination is None:
                continue
            if row.kind == OutcomeKind.TERMINATION_CREATED:
                if (termination.dsn_key, termination.termination_date) in repeated.ends:
                    continue
                result = _withdraw_termination(termination, base, company, by, dsn_file_id)
            else:
                if termination.dsn_key in repeated.cancellations:
                    continue
                result = _kind(
                    base,
                    OutcomeKind.ANOMALY,
                    DsnReplaceError.UNDO_NOT_REPEATED,
                    termination_date=_dmy(termination),
                )
        if result is not None:
            results.append(Result(result, row.contract_id, row.option, row.population))
    return results


def _lineage(earlier: list[DsnDeclaration]) -> set[int]:
    """The earlier declarations and those they replaced, and so on: what a replacement kept
    by declaring it again is still what it produced."""
    ids = {d.pk for d in earlier}
    frontier = set(ids)
    while frontier:
        frontier = (
            set(
                DsnDeclaration.objects.filter(
                    superseded_by__in=frontier, status=DeclarationStatus.REPLACED
                ).values_list("pk", flat=True)
            )
            - ids
        )
        ids |= frontier
    return ids


def _kind(base: Outcome, kind: OutcomeKind, code: DsnReplaceError, **params: object) -> Outcome:
    return Outcome(
        kind=kind,
        nir=base.nir,
        name=base.name,
        code=code.value,
        message=code.text(**params),
        request_id=base.request_id,
    )


def _dmy(termination: Termination) -> str:
    return f"{termination.termination_date:%d/%m/%Y}"


def _withdraw_affiliation(
    request_id: int, base: Outcome, company: Company, by: User | None, note: str
) -> Outcome | None:
    request = Request.objects.select_related("membership").get(pk=request_id)
    if request.state == State.CANCELLED:
        return None  # already withdrawn (by the employer, or an earlier replacement)
    membership = request.membership
    if (
        request.state == State.WAITING
        and membership is not None
        and membership.status == MembershipStatus.PRE_ENROLLED
    ):
        cancel_declaration_step(company=company, request_id=request_id, reason=note, by=by)
        return _kind(base, OutcomeKind.AFFILIATION_UNDONE, DsnReplaceError.AFFILIATION_WITHDRAWN)
    return _kind(
        base,
        OutcomeKind.ANOMALY,
        DsnReplaceError.AFFILIATION_TOO_LATE,
        state=State(request.state).label,
    )


def _withdraw_termination(
    termination: Termination,
    base: Outcome,
    company: Company,
    by: User | None,
    dsn_file_id: int,
) -> Outcome | None:
    if termination.undone_at is not None:
        return None  # already undone (a 099, or by our services)
    request = Request.objects.get(pk=termination.request_id)
    if request.state == State.IN_PROGRESS:
        try:
            undo_termination_step(
                company=company, termination_id=termination.pk, by=by, dsn_file_id=dsn_file_id
            )
        except BusinessError:
            pass
        else:
            return _kind(
                base,
                OutcomeKind.TERMINATION_UNDONE,
                DsnReplaceError.TERMINATION_WITHDRAWN,
                termination_date=_dmy(termination),
            )
    return _kind(
        base,
        OutcomeKind.ANOMALY,
        DsnReplaceError.TERMINATION_TOO_LATE,
        termination_date=_dmy(termination),
    )


def mark_earlier(plan: Plan, stored: DsnDeclaration) -> None:
    """The earlier declarations are now replaced (or cancelled) by `stored`."""
    if not plan.earlier:
        return
    earlier = DsnDeclaration.objects.filter(
        pk__in=[d.pk for d in plan.earlier], status=DeclarationStatus.APPLIED
    )
    if plan.cancels:
        earlier.update(status=DeclarationStatus.CANCELLED, superseded_by=stored)
    else:
        earlier.update(status=DeclarationStatus.REPLACED, superseded_by=stored)
