"""Ends of employment contracts declared in a DSN (S21.G00.62) → the portal's terminations.

Rules: shared/docs/dsn.md §4, step 5 (the S62 rules) and step 6 (the portability triage of
62.002). Every termination goes through `terminations.services.terminate_membership_step`, the
form's own path: same rules, same request, same audit. These functions run inside the intake's
transaction of the declaration (one durable transaction for the whole declaration); each
individual is applied in its own savepoint, all its memberships or none.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from stdnum.fr import nir as stdnum_nir

from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.crypto import digest
from portal.core.errors import BusinessError
from portal.core.nir import normalise_nir
from portal.dsn import model
from portal.dsn.errors import DsnEndError
from portal.dsn.mapping import full_name
from portal.dsn.outcomes import Outcome, OutcomeKind
from portal.enrollment.declarations import CURRENT
from portal.enrollment.models import Employee, Membership, MembershipStatus
from portal.terminations.follow_up import new_job_declared_step, portability_nir_digests
from portal.terminations.models import Termination
from portal.terminations.rules import TerminationMotif
from portal.terminations.services import terminate_membership_step, undo_termination_step
from portal.tracking.models import EventKind, Source, State

M = TerminationMotif

# 62.002 motif de rupture → the guide's termination motif, and whether portability opens.
# Source: shared/docs/dsn.md §4 step 6, "Suggested triage of 62.002" (presumed eligible /
# presumed not eligible; an inference to be validated by the insurer's legal team) and the
# P24V01 labels of §2 (S21.G00.62). Every presumed-eligible code maps to one of the guide's
# three motifs that open portability (terminations.rules.PORTABILITY_MOTIFS): a dismissal or
# a rupture conventionnelle, or the end of a fixed-term contract, of an apprenticeship or of a
# trial period decided by the employer.
PRESUMED_ELIGIBLE: Mapping[str, TerminationMotif] = {
    "011": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement, liquidation ou redressement
    "012": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement, fermeture de l'établissement
    "014": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement pour motif économique
    "015": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement pour fin de chantier
    "020": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement pour autre motif
    "025": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # autre fin de contrat pour motif économique
    "026": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # rupture économique après un CSP
    "031": M.END_OF_FIXED_TERM_OR_TRIAL,  # fin de CDD ou d'accueil occasionnel
    "032": M.END_OF_FIXED_TERM_OR_TRIAL,  # fin de mission d'intérim
    "033": M.END_OF_FIXED_TERM_OR_TRIAL,  # rupture anticipée de CDD, inaptitude
    "034": M.END_OF_FIXED_TERM_OR_TRIAL,  # fin de période d'essai à l'initiative de l'employeur
    "036": M.END_OF_FIXED_TERM_OR_TRIAL,  # rupture anticipée de CDD par l'employeur
    "043": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # rupture conventionnelle
    "065": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # décès de l'employeur, licenciement autre motif
    "081": M.END_OF_FIXED_TERM_OR_TRIAL,  # fin de contrat d'apprentissage
    "082": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # résiliation judiciaire
    "083": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # force majeure ou fait du prince
    "086": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement convention CATS
    "087": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement pour faute grave
    "089": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement pour force majeure
    "091": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # inaptitude d'origine non professionnelle
    "092": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # inaptitude d'origine professionnelle
    "093": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # décision d'une autorité administrative
    "094": M.END_OF_FIXED_TERM_OR_TRIAL,  # rupture anticipée pour arrêt de tournage
    "095": M.END_OF_FIXED_TERM_OR_TRIAL,  # rupture anticipée pour faute grave
    "097": M.END_OF_FIXED_TERM_OR_TRIAL,  # rupture anticipée, fermeture de l'établissement
    "110": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # rupture conventionnelle collective
    "111": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # rupture amiable, congé de mobilité
    "112": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # accord de performance collective
    "113": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement, art. L.2254-2
    "115": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement, loi n° 2017-1339
    "117": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement économique après refus d'un CSP
}
# Presumed not eligible: terminated without portability. 099, 100 and 998 of the same list are
# no termination at all (below).
PRESUMED_NOT_ELIGIBLE: Mapping[str, TerminationMotif] = {
    "035": M.RESIGNATION,  # fin de période d'essai à l'initiative du salarié
    "037": M.RESIGNATION,  # rupture anticipée de CDD à l'initiative du salarié
    "038": M.RETIREMENT,  # mise à la retraite par l'employeur
    "039": M.RETIREMENT,  # départ à la retraite à l'initiative du salarié
    "066": M.DEATH,  # décès de l'individu: the death cover, not portability
    "088": M.DISMISSAL_OR_MUTUAL_AGREEMENT,  # licenciement pour faute lourde
    "096": M.END_OF_FIXED_TERM_OR_TRIAL,  # rupture anticipée pour faute lourde
    "999": M.EXCEPTIONAL_OR_AFTER_WAIVER,  # fin de relation autre que contrat de travail
}
# Manual review: whether unemployment rights open is not the code's to say (a prise d'acte, a
# resignation that may be "légitime", …): staff decide, nothing is guessed.
MANUAL_REVIEW: Mapping[str, str] = {
    "058": "prise d'acte de la rupture de contrat de travail",
    "059": "démission",
    "070": "révocation suite à abandon de poste",
    "071": "révocation suite à sanction pénale",
    "084": "rupture d'un commun accord du CDD, du contrat de professionnalisation, "
    "d'apprentissage ou de mission",
    "085": "fin de mandat",
    "098": "retrait d'enfant",
    "114": "rupture d'un commun accord pour entrée en PAP",
    "116": "fin de ligne de service",
    "118": "fin de contrat d'appui au projet d'entreprise",
    "119": "fin d'affectation",
}
CANCELLATION = "099"  # annulation: undoes the termination the contract's earlier S62 made
TRANSFERS = frozenset({"100", "998"})  # mutation / transfert sans rupture du contrat

MOTIF = "S21.G00.62.002"
KEEPS = "S21.G00.62.016"


def apply_contract_ends(
    declaration: model.Declaration,
    *,
    company: Company,
    by: User | None,
    today: date,
    dsn_file_id: int | None,
) -> list[Outcome]:
    """One outcome per end of contract (S21.G00.62) of `declaration` (a termination made per
    membership ended). Runs inside the caller's transaction; applying it again changes
    nothing."""
    outcomes: list[Outcome] = []
    for individual in declaration.individuals:
        for contract in individual.contracts:
            if contract.end is not None:
                outcomes += _apply_end(
                    individual,
                    contract,
                    contract.end,
                    company=company,
                    by=by,
                    today=today,
                    dsn_file_id=dsn_file_id,
                )
    return outcomes


def end_portabilities_on_new_jobs(
    declaration: model.Declaration, *, by: User | None, dsn_file_id: int | None
) -> int:
    """R3.6, a new job: each employment contract (S21.G00.40, start S21.G00.40.001) declared
    for a person (by NIR, S21.G00.30.001) under portability after an earlier contract — at
    this company or any other — ends that portability the day before the contract starts.
    Inside the declaration's transaction; the declaring company's report says nothing of it
    (the former employer's portability is not its business). The number of portabilities
    ended; applying the same declaration again ends none."""
    starts: dict[str, set[tuple[date, date | None]]] = {}
    for individual in declaration.individuals:
        nir15 = full_nir(individual.nir)
        if not nir15:
            continue
        born = individual.birth_date  # None when the DSN gives 99 for the day or the month
        dates = {(c.start_date, born) for c in individual.contracts if c.start_date is not None}
        if dates:
            starts.setdefault(digest(nir15), set()).update(dates)
    if not starts:
        return 0
    ended = 0
    # One query for the batch: only the people under portability go further.
    for nir_digest in sorted(portability_nir_digests(set(starts))):
        for start, born in sorted(starts[nir_digest], key=lambda pair: pair[0]):
            try:
                with transaction.atomic():  # a savepoint: this person's, never the declaration's
                    ended += len(
                        new_job_declared_step(
                            nir_digest=nir_digest,
                            birth_date=born,
                            contract_start=start,
                            by=by,
                            dsn_file_id=dsn_file_id,
                        )
                    )
            except BusinessError:
                # The membership can no longer change (e.g. reinstated by staff meanwhile):
                # staff see the portability still running in the register.
                continue
    return ended


def absent_affiliated(declaration: model.Declaration, *, company: Company) -> list[Outcome]:
    """For a monthly DSN (nature 01, type 01): one anomaly per employee of `company` covered in
    the portal during the declared month but absent from the declaration (by NIR). Absence is
    never a termination: an end of contract comes with its S21.G00.62."""
    if (declaration.nature, declaration.kind) != ("01", "01"):
        return []
    declared = {
        digest(nir15)
        for individual in declaration.individuals
        if (nir15 := full_nir(individual.nir))
    }
    memberships = Membership.objects.filter(
        employee__company=company, status__in=CURRENT
    ).select_related("employee")
    month = declaration.month
    if month is not None:
        last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        memberships = memberships.filter(effective_date__lte=last_day)
    outcomes: list[Outcome] = []
    seen: set[int] = set()
    ordered = memberships.order_by("employee__search_name", "employee_id")
    for membership in ordered.iterator(chunk_size=2000):  # the company's whole staff: streamed
        employee = membership.employee
        if employee.pk in seen or (employee.nir_digest and employee.nir_digest in declared):
            continue
        seen.add(employee.pk)
        code = (
            DsnEndError.END_ABSENT_FROM_MONTHLY
            if employee.nir_digest
            else DsnEndError.END_ABSENT_WITHOUT_NIR
        )
        outcomes.append(
            Outcome(
                OutcomeKind.ANOMALY,
                nir=employee.nir,
                name=f"{employee.last_name.upper()} {employee.first_name}",
                code=str(code),
                message=code.text(),
            )
        )
    return outcomes


def full_nir(raw: str | None) -> str:
    """The 15-character NIR the portal stores from the DSN's (S21.G00.30.001: 13 characters,
    without its key); "" when it is not a NIR."""
    value = normalise_nir(raw or "")
    if len(value) == 15:
        return value
    if len(value) != 13 or not (value[:5] + value[7:]).isdigit():
        return ""
    try:
        return value + stdnum_nir.calc_check_digits(value)
    except ValueError:  # a Corsican place that is neither 2A nor 2B nor digits
        return ""


def contract_key(nir15: str, start: date | None, number: str | None) -> str:
    """The keyed digest of one DSN employment contract: NIR + 40.001 + 40.009 (dsn.md §4.5)."""
    started = start.isoformat() if start else ""
    return digest(f"dsn-contract|{nir15}|{started}|{number or ''}")


# --- One end of contract ------------------------------------------------------------------------


def _apply_end(
    individual: model.Individual,
    contract: model.Contract,
    end: model.ContractEnd,
    *,
    company: Company,
    by: User | None,
    today: date,
    dsn_file_id: int | None,
) -> list[Outcome]:
    reason = end.reason or ""
    base = Outcome(
        OutcomeKind.NO_CHANGE,
        nir=individual.nir or "",
        name=_name(individual),
        line=end.line_of(MOTIF) or end.line,
        rubrique=MOTIF,
        value=reason,
    )

    def outcome(kind: OutcomeKind, code: DsnEndError, **params: object) -> Outcome:
        return _replace(base, kind=kind, code=str(code), message=code.text(**params))

    if reason in TRANSFERS:
        return [outcome(OutcomeKind.NO_CHANGE, DsnEndError.END_TRANSFER, motif=reason)]
    if end.keeps_affiliation:
        kept = _replace(base, rubrique=KEEPS, value="01", line=end.line_of(KEEPS) or base.line)
        code = DsnEndError.END_AFFILIATION_KEPT
        return [_replace(kept, code=str(code), message=code.text())]
    if not reason or end.end_date is None:
        return [outcome(OutcomeKind.ANOMALY, DsnEndError.END_INCOMPLETE)]
    nir15 = full_nir(individual.nir)
    key = contract_key(nir15, contract.start_date, contract.number) if nir15 else ""
    if reason == CANCELLATION:
        return _cancel(base, contract, key, company=company, by=by, dsn_file_id=dsn_file_id)
    employees = list(
        Employee.objects.filter(company=company, nir_digest=digest(nir15)) if nir15 else []
    )
    if not employees:
        return [outcome(OutcomeKind.ANOMALY, DsnEndError.END_PERSON_UNKNOWN)]
    applied = _live_terminations(company, key).order_by("pk").first()
    if applied is not None:  # an FCTU, then the monthly DSN repeating it; or a re-run
        return [
            outcome(
                OutcomeKind.NO_CHANGE,
                DsnEndError.END_ALREADY_APPLIED,
                termination_date=_dmy(applied.termination_date),
            )
        ]
    memberships = list(
        Membership.objects.filter(employee__in=employees).order_by("effective_date", "pk")
    )
    current = [m for m in memberships if m.status in CURRENT]
    if not current:
        ended = [m for m in memberships if m.status == MembershipStatus.TERMINATED and m.end_date]
        if ended:
            last = max(m.end_date for m in ended if m.end_date is not None)
            return [
                outcome(
                    OutcomeKind.NO_CHANGE,
                    DsnEndError.END_ALREADY_TERMINATED,
                    end_date=_dmy(last),
                )
            ]
        return [outcome(OutcomeKind.NO_CHANGE, DsnEndError.END_NO_CURRENT_MEMBERSHIP)]
    if reason in MANUAL_REVIEW:
        return [
            outcome(
                OutcomeKind.ANOMALY,
                DsnEndError.END_MOTIF_REVIEW,
                motif=reason,
                label=MANUAL_REVIEW[reason],
            )
        ]
    if reason in PRESUMED_ELIGIBLE:
        motif, portability = PRESUMED_ELIGIBLE[reason], True
    elif reason in PRESUMED_NOT_ELIGIBLE:
        motif, portability = PRESUMED_NOT_ELIGIBLE[reason], False
    else:
        return [outcome(OutcomeKind.ANOMALY, DsnEndError.END_MOTIF_UNKNOWN, motif=reason)]
    if _cancelled_by_staff(company, key, end.end_date, motif).exists():
        # The same end (contract, 62.001, motif) again, after staff cancelled its termination:
        # the monthly DSN repeating it does not override their decision.
        return [
            outcome(
                OutcomeKind.ANOMALY,
                DsnEndError.END_CANCELLED_BY_STAFF,
                termination_date=_dmy(end.end_date),
            )
        ]
    try:
        with transaction.atomic():  # the person's memberships all end, or none
            terminations = [
                terminate_membership_step(
                    company=company,
                    membership_id=membership.pk,
                    hire_date=contract.start_date,
                    termination_date=end.end_date,
                    motif=motif,
                    portability=portability,
                    by=by,
                    today=today,
                    source=Source.DSN,
                    dsn_key=key,
                    dsn_file_id=dsn_file_id,
                )
                for membership in current
            ]
    except BusinessError as error:
        problem = error.problems[0]
        return [
            _replace(base, kind=OutcomeKind.REJECTED, code=problem.code, message=problem.message)
        ]
    return [
        _replace(
            base,
            kind=OutcomeKind.TERMINATION_CREATED,
            message=DsnEndError.END_TERMINATED.text(
                termination_date=_dmy(termination.termination_date),
                motif=reason,
                label=motif.label,
                portability="oui" if termination.portability else "non",
            ),
            request_id=termination.request_id,
        )
        for termination in terminations
    ]


def _cancel(
    base: Outcome,
    contract: model.Contract,
    key: str,
    *,
    company: Company,
    by: User | None,
    dsn_file_id: int | None,
) -> list[Outcome]:
    """Motif 099: undo what this contract's earlier S62 produced, and only that."""
    live = list(_live_terminations(company, key).select_related("request").order_by("pk"))
    if not live:
        if key and _terminations(company, key).exists():  # already undone: a re-run
            code = DsnEndError.END_CANCELLATION_ALREADY_APPLIED
            return [_replace(base, code=str(code), message=code.text())]
        code = DsnEndError.END_CANCELLATION_NOTHING_TO_UNDO
        start = contract.start_date
        return [
            _replace(
                base,
                kind=OutcomeKind.ANOMALY,
                code=str(code),
                message=code.text(
                    number=contract.number or "?", start_date=_dmy(start) if start else "?"
                ),
            )
        ]
    if any(t.request.state != State.IN_PROGRESS for t in live):
        code = DsnEndError.END_CANCELLATION_TOO_LATE
        final = next(t for t in live if t.request.state != State.IN_PROGRESS)
        return [
            _replace(
                base,
                kind=OutcomeKind.ANOMALY,
                code=str(code),
                message=code.text(termination_date=_dmy(final.termination_date)),
            )
        ]
    outcomes: list[Outcome] = []
    with transaction.atomic():
        for termination in live:
            undo_termination_step(
                company=company, termination_id=termination.pk, by=by, dsn_file_id=dsn_file_id
            )
            outcomes.append(
                _replace(
                    base,
                    kind=OutcomeKind.TERMINATION_UNDONE,
                    message=DsnEndError.END_UNDONE.text(
                        termination_date=_dmy(termination.termination_date)
                    ),
                    request_id=termination.request_id,
                )
            )
    return outcomes


def _terminations(company: Company, key: str) -> QuerySet[Termination]:
    """The terminations a DSN made from the employment contract `key` ("" matches none)."""
    if not key:
        return Termination.objects.none()
    return Termination.objects.filter(membership__employee__company=company, dsn_key=key)


def _live_terminations(company: Company, key: str) -> QuerySet[Termination]:
    return _terminations(company, key).filter(undone_at=None)


def _cancelled_by_staff(
    company: Company, key: str, ended: date, motif: TerminationMotif
) -> QuerySet[Termination]:
    """The terminations this DSN contract's same end (62.001, the motif 62.002 maps to) made
    and staff cancelled ("Demande annulée par nos services"), not a 099 or a replacement."""
    return (
        _terminations(company, key)
        .exclude(undone_at=None)
        .filter(
            termination_date=ended,
            motif=motif,
            request__events__kind=EventKind.CANCELLED,
        )
    )


def _replace(outcome: Outcome, **changes: Any) -> Outcome:
    return dataclasses.replace(outcome, **changes)


def _name(individual: model.Individual) -> str:
    """ "NOM Prénom", as every outcome of the intake names a person."""
    return full_name(individual)


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
