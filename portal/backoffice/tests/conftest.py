"""Fixtures of the dossier tests: a dossier the employee filled in and signed by SMS code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import declare, make_nir
from portal.accounts.models import User
from portal.companies.models import Beneficiary, Company, Product, ProductKind, ProductRate, Scheme
from portal.enrollment.models import (
    AccountPurpose,
    BankAccount,
    DebitFrequency,
    DebitMandate,
    Dependant,
    DependantKind,
    Employee,
    Membership,
)
from portal.signatures.models import SignatureEnvelope
from portal.signatures.services import prepare_envelope, record_consent, verify_code
from portal.signatures.tests.conftest import CONSENT, META, documents, send
from portal.tracking.models import Reason, Request

IBAN = "FR7630006000011234567890189"
CHILD_NIR = make_nir(sex="2", yymm="1203", order="456")


@pytest.fixture
def staff_client(staff_user: User) -> Client:
    staff = Client()  # its own: `client_a` logs the shared `client` in as the employer
    staff.force_login(staff_user)
    return staff


def sign(membership: Membership) -> SignatureEnvelope:
    """The employee signs their dossier by SMS code (the real envelope, PAdES-signed PDFs)."""
    envelope = prepare_envelope(
        membership=membership, purpose="enrollment", documents=documents(), by=None, meta=META
    )
    record_consent(envelope=envelope, wording=CONSENT, version="2024-01", meta=META)
    return verify_code(envelope=envelope, code=send(envelope), meta=META)


def fill_in(membership: Membership, **employee_changes: Any) -> None:
    """What the journey's steps saved: the employee's corrections, a child, an option, the
    debit account and its mandate."""
    Employee.objects.filter(pk=membership.employee_id).update(**employee_changes)
    group = membership.insured_group
    option = Product.objects.create(
        code="NIS/OPT01", label="Option Confort", kind=ProductKind.OPTION
    )
    group.option_products.add(option)
    for beneficiary, amount in [(Beneficiary.MEMBER, "30.00"), (Beneficiary.CHILD, "20.00")]:
        ProductRate.objects.create(
            product=group.base_product,
            beneficiary=beneficiary,
            scheme=Scheme.GENERAL,
            monthly_amount=Decimal(amount),
        )
    for beneficiary, amount in [(Beneficiary.MEMBER, "12.50"), (Beneficiary.CHILD, "7.25")]:
        ProductRate.objects.create(
            product=option,
            beneficiary=beneficiary,
            scheme=Scheme.GENERAL,
            monthly_amount=Decimal(amount),
        )
    Membership.objects.filter(pk=membership.pk).update(option=option, coverage_chosen=True)
    Dependant.objects.create(
        membership=membership,
        kind=DependantKind.CHILD,
        civility="MME",
        last_name="SIMON",
        first_name="Léa",
        birth_date=date(2012, 3, 9),
        nir=CHILD_NIR,
        fund_code="011751234",
    )
    Dependant.objects.create(
        membership=membership,
        kind=DependantKind.CHILD,
        civility="M",
        last_name="SIMON",
        first_name="Hugo",
        birth_date=date(2000, 1, 2),  # 21 or more: past the contract's limit
        fund_code="011751234",
    )
    account = BankAccount.objects.create(
        membership=membership, purpose=AccountPurpose.DEBIT, holder="Cédric Simon", iban=IBAN
    )
    DebitMandate.objects.create(
        membership=membership,
        account=account,
        reference="RUM-A0001-0001",
        creditor_identifier="FR12ZZZ123456",
        frequency=DebitFrequency.MONTHLY,
        debit_day=10,
    )


@pytest.fixture
def affiliation(company_a: Company) -> Request:
    """An affiliation request signed by the employee: "En cours", to check."""
    declared = declare(company_a, street_number="", street_name="", postal_code="", city="")
    membership = declared.membership
    fill_in(membership, first_name="Cedric", phone="06 64 93 27 96")
    sign(membership)
    return Request.objects.get(employee_id=membership.employee_id, reason=Reason.AFFILIATION)


@pytest.fixture
def plain_affiliation(company_a: Company) -> Request:
    """A signed affiliation the employee changed nothing in (for the bulk decision)."""
    declared = declare(
        company_a,
        street_number="",
        street_name="",
        postal_code="",
        city="",
        last_name="Martin",
        first_name="Paul",
        email="paul.martin@example.org",
        employee_number="M-0002",
        nir=make_nir(order="777"),
    )
    sign(declared.membership)
    return Request.objects.get(pk=declared.pk)
