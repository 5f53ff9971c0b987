"""An employee's dossier: the memberships they enroll in together and sign once.

An employee declared in a company with a health and a provident contract joins each contract
their category belongs to: one membership per contract. The guide's bulletin: "Ce dossier
contient 2 bulletins d'adhésion. La signature entraîne une validation de l'ensemble du
dossier." The dossier is the employee's memberships in the same status (those to sign, those
signed to check, ...), the health one first: the lead, which carries what the family shares
(dependants, the chosen option, bank details, the SEPA mandate), the affiliation request and
the invitation link. Provident memberships carry their own cover and beneficiary clause.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.companies.models import ContractKind
from portal.enrollment.models import Membership


def _order(membership: Membership) -> tuple[bool, str, int]:
    return (
        membership.contract.kind != ContractKind.HEALTH,
        membership.contract.number,
        membership.pk,
    )


@dataclass(frozen=True)
class Dossier:
    memberships: tuple[Membership, ...]  # the lead first

    @classmethod
    def of(cls, membership: Membership, *, lock: bool = False) -> Dossier:
        """The dossier `membership` belongs to: its employee's memberships in its status."""
        query = Membership.objects.filter(
            employee_id=membership.employee_id, status=membership.status
        ).select_related("employee__company", "contract", "insured_group__base_product", "option")
        if lock:
            query = query.select_for_update(of=("self",)).order_by("pk")
        found = sorted(query, key=_order)
        if not any(m.pk == membership.pk for m in found):  # moved meanwhile: alone
            found = [membership]
        return cls(tuple(found))

    @property
    def lead(self) -> Membership:
        return self.memberships[0]

    @property
    def health(self) -> Membership | None:
        """The health membership, which covers the family and offers options."""
        lead = self.lead
        return lead if lead.contract.kind == ContractKind.HEALTH else None

    @property
    def provident(self) -> list[Membership]:
        return [m for m in self.memberships if m.contract.kind == ContractKind.PROVIDENT]

    @property
    def ids(self) -> list[int]:
        return [m.pk for m in self.memberships]

    def __len__(self) -> int:
        return len(self.memberships)

    @property
    def offer_phrase(self) -> str:
        """ "une complémentaire santé collective", "... et un contrat de prévoyance collectifs"."""
        return offer_phrase(self.health is not None, bool(self.provident))

    @property
    def joining_phrase(self) -> str:
        """ "à la complémentaire santé et au contrat de prévoyance" (your enrollment ...)."""
        parts = (["à la complémentaire santé"] if self.health is not None else []) + (
            ["au contrat de prévoyance"] if self.provident else []
        )
        return " et ".join(parts)


def offer_phrase(health: bool, provident: bool) -> str:
    if health and provident:
        return "une complémentaire santé et un contrat de prévoyance collectifs"
    return "une complémentaire santé collective" if health else "un contrat de prévoyance collectif"
