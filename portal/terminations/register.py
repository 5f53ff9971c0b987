"""The "Registre des portabilités": every running portability, its computed and early end,
its last proof asked and received — the query both the employer's page (its companies only)
and the staff's (every company, with filters) read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce, Least

from portal.terminations.models import PortabilityProof, PortabilityProofStatus, Termination
from portal.terminations.portability import ENDING_SOON_DAYS, is_overdue
from portal.terminations.rules import portability_start

AWAITED = (PortabilityProofStatus.ASKED, PortabilityProofStatus.REFUSED)  # as follow_up's


def running_portabilities(
    today: date,
    *,
    company_id: int | None = None,
    ending_soon: bool = False,
    proof_missing: bool = False,
) -> QuerySet[Termination]:
    """The portabilities in force (or still to start) on `today`, the soonest to end first.

    `ending_soon`: the last day within `ENDING_SOON_DAYS`; `proof_missing`: a proof asked (or
    refused) and not received by its due date."""
    found = (
        Termination.objects.filter(portability=True, undone_at=None)
        .annotate(
            last_day=Least(F("portability_end"), Coalesce("ended_early_on", "portability_end"))
        )
        .filter(last_day__gte=today)
        .select_related("membership__employee", "membership__contract__company")
        .prefetch_related(Prefetch("proofs", queryset=PortabilityProof.objects.order_by("period")))
    )
    if company_id is not None:
        found = found.filter(membership__contract__company_id=company_id)
    if ending_soon:
        found = found.filter(last_day__lte=today + timedelta(days=ENDING_SOON_DAYS))
    if proof_missing:
        late = PortabilityProof.objects.filter(
            termination=OuterRef("pk"), status__in=AWAITED, due_on__lt=today
        )
        found = found.filter(Exists(late))
    return found.order_by("last_day", "membership__employee__search_name", "pk")


@dataclass(frozen=True)
class RegisterRow:
    """One line of the register: never a dependant, only the former employee."""

    termination: Termination
    start: date
    computed_end: date
    last_day: date
    last_asked: PortabilityProof | None
    last_received: PortabilityProof | None
    late: bool  # a proof awaited past its due date

    @property
    def status(self) -> str:
        if self.late:
            return "Justificatif en retard"
        if self.last_asked is None:
            return "Aucun justificatif demandé"
        if any(p.status == PortabilityProofStatus.RECEIVED for p in self.termination.proofs.all()):
            return "Justificatif à vérifier"
        if self.last_asked.status in AWAITED:
            return "Justificatif attendu"
        return "À jour"


def row_of(termination: Termination, today: date) -> RegisterRow:
    proofs = list(termination.proofs.all())  # prefetched, by period
    received = [p for p in proofs if p.received_at is not None]
    assert termination.portability_end is not None and termination.portability_last_day
    return RegisterRow(
        termination=termination,
        start=portability_start(contract_end=termination.termination_date),
        computed_end=termination.portability_end,
        last_day=termination.portability_last_day,
        last_asked=proofs[-1] if proofs else None,
        last_received=max(received, key=lambda p: p.received_at or p.asked_at)
        if received
        else None,
        late=any(p.status in AWAITED and is_overdue(p.due_on, today) for p in proofs),
    )


def rows_of(terminations: list[Termination], today: date) -> list[RegisterRow]:
    return [row_of(t, today) for t in terminations]
