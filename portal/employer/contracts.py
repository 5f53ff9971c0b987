"""What the employer sees of an employee's contracts: one block per membership, as the guide's
"Informations contrat" shows it, with the "Liste des bénéficiaires" by role only.

The guide: "Les noms des bénéficiaires n'apparaissent pas, mais uniquement leur qualification
(conjoint / enfant)." Nothing here reads a dependant's name nor a provident beneficiary clause.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from portal.companies.models import Beneficiary
from portal.enrollment.models import SPOUSE_KINDS, Dependant, DependantKind, Employee, Membership
from portal.terminations.models import Termination


@dataclass(frozen=True)
class BeneficiaryLine:
    """ "Conjoint Produit(s) : NIS/CHN0010, NIS/AN00010 GA : 02ENSP"."""

    role: str
    products: str
    group: str


@dataclass(frozen=True)
class ContractBlock:
    membership: Membership
    kind: str  # "Complémentaire Santé" / "Prévoyance"
    products: str
    beneficiaries: tuple[BeneficiaryLine, ...]
    termination: Termination | None

    @property
    def is_health(self) -> bool:
        return self.membership.contract.is_health


def product_codes(membership: Membership) -> str:
    """ "Produit(s)": the base product's code, then the chosen option's."""
    codes = [membership.insured_group.base_product.code]
    if membership.option is not None:
        codes.append(membership.option.code)
    return ", ".join(codes)


def roles_of(kinds: list[str]) -> list[str]:
    """One role per kind of beneficiary present, spouse first: spouse-type kinds are "Conjoint"."""
    roles = []
    if any(kind in SPOUSE_KINDS for kind in kinds):
        roles.append(str(Beneficiary.SPOUSE.label))
    if DependantKind.CHILD in kinds:
        roles.append(str(Beneficiary.CHILD.label))
    return roles


def memberships_for_employer(employee: Employee) -> QuerySet[Membership]:
    """The employee's memberships, health first then the newest, with what the blocks show
    read in a constant number of queries (the kinds of the dependants whose cover has not
    ended, live terminations)."""
    return (
        employee.memberships.select_related("contract", "insured_group__base_product", "option")
        .prefetch_related(
            Prefetch(
                "dependants",
                queryset=Dependant.objects.filter(
                    Dependant.not_ended_on(timezone.localdate())
                ).only("id", "membership_id", "kind"),
            ),
            Prefetch(
                "terminations",
                queryset=Termination.objects.filter(undone_at=None).select_related("request"),
                to_attr="live_terminations",
            ),
        )
        .order_by("contract__kind", "-effective_date", "-id")
    )


def contract_blocks(employee: Employee) -> list[ContractBlock]:
    blocks = []
    for membership in memberships_for_employer(employee):
        products = product_codes(membership)
        roles = roles_of([dependant.kind for dependant in membership.dependants.all()])
        live: list[Termination] = getattr(membership, "live_terminations", [])
        blocks.append(
            ContractBlock(
                membership=membership,
                kind=str(membership.contract.get_kind_display()),
                products=products,
                beneficiaries=tuple(
                    BeneficiaryLine(role, products, membership.insured_group.code) for role in roles
                ),
                termination=live[0] if live else None,
            )
        )
    return blocks
