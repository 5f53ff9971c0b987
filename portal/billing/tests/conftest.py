"""Active members of company A with a signed SEPA mandate (base plan, an option, dependants)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import TestCase

from conftest import declare, make_nir
from portal.billing.models import DebitRun
from portal.billing.services import prepare_run
from portal.companies.models import (
    Beneficiary,
    Company,
    InsuredGroup,
    Product,
    ProductKind,
    ProductRate,
    Scheme,
)
from portal.enrollment.choices import DependantKind
from portal.enrollment.models import (
    AccountPurpose,
    BankAccount,
    DebitMandate,
    Dependant,
    Membership,
    MembershipStatus,
)
from portal.enrollment.services import move_membership

PARIS = ZoneInfo("Europe/Paris")
IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPPXXX"
SIGNED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)

# Monthly prices: the base plan for the dependants, the option for everyone (Régime général).
BASE_RATES: dict[str, str] = {
    Beneficiary.MEMBER: "50.00",
    Beneficiary.SPOUSE: "40.00",
    Beneficiary.CHILD: "20.00",
}
OPTION_RATES: dict[str, str] = {
    Beneficiary.MEMBER: "10.00",
    Beneficiary.SPOUSE: "8.00",
    Beneficiary.CHILD: "5.00",
}


def _price(product: Product, rates: dict[str, str]) -> None:
    for beneficiary, amount in rates.items():
        for scheme in Scheme.values:
            ProductRate.objects.create(
                product=product, beneficiary=beneficiary, scheme=scheme, monthly_amount=amount
            )


@pytest.fixture
def option(company_a: Company, base_product: Product) -> Product:
    _price(base_product, BASE_RATES)
    option = Product.objects.create(code="NIS/OPT01", label="Renfort", kind=ProductKind.OPTION)
    _price(option, OPTION_RATES)
    InsuredGroup.objects.get(contract__company=company_a).option_products.add(option)
    return option


MakeMember = Callable[..., Membership]


@pytest.fixture
def make_member(company_a: Company, option: Product) -> MakeMember:
    """An active member with a signed mandate; by default with the option, a spouse and two
    children: 10 + (40 + 8) + 2 × (20 + 5) = 108.00 € a month."""
    made = [0]

    def make(
        *,
        frequency: str = "monthly",
        debit_day: int = 5,
        signed_at: datetime = SIGNED_AT,
        with_option: bool = True,
        dependants: tuple[str, ...] = (
            DependantKind.SPOUSE,
            DependantKind.CHILD,
            DependantKind.CHILD,
        ),
        email: str | None = None,
        last_name: str = "Simon",
        **declared: Any,
    ) -> Membership:
        made[0] += 1
        order = made[0]
        request = declare(
            company_a,
            nir=make_nir(order=f"{100 + order}"),
            employee_number=f"M-{order:04d}",
            email=f"salarie{order}@example.org" if email is None else email,
            last_name=last_name,
            **declared,
        )
        membership: Membership = request.membership
        for rank, kind in enumerate(dependants, start=1):
            Dependant.objects.create(
                membership=membership,
                kind=kind,
                civility="M",
                last_name=last_name.upper(),
                first_name=f"Enfant{rank}",
                birth_date=date(1986, 1, 1)
                if kind == DependantKind.SPOUSE
                else date(2015, 1, rank),
            )
        if with_option:
            membership.option = option
            membership.coverage_chosen = True
            membership.save(update_fields=["option", "coverage_chosen"])
        account = BankAccount.objects.create(
            membership=membership,
            purpose=AccountPurpose.DEBIT,
            holder=f"{last_name.upper()} CEDRIC",
            iban=IBAN,
            bic=BIC,
        )
        DebitMandate.objects.create(
            membership=membership,
            account=account,
            reference=f"ADH-{membership.member_number}-1",
            creditor_identifier="FR69ZZZ651190",
            frequency=frequency,
            debit_day=debit_day,
            signed_at=signed_at,
        )
        with transaction.atomic():
            move_membership(
                membership.pk, MembershipStatus.SIGNED, by=None, now=signed_at, signed_at=signed_at
            )
            move_membership(membership.pk, MembershipStatus.ACTIVE, by=None, now=signed_at)
        membership.refresh_from_db()
        return membership

    return make


def prepare(due_date: date, today: date, **kwargs: Any) -> DebitRun:
    """Prepare a run, committing its side effects (the e-mails' delivery)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return prepare_run(due_date=due_date, by=kwargs.pop("by", None), today=today, **kwargs)


MONTHLY_TOTAL = Decimal("108.00")
