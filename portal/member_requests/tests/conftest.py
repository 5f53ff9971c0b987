"""Fixtures of the member requests' tests: a health membership put "en gestion" with a spouse,
its member's login, a birth certificate as a real PDF, and a fixed clock (mid-June 2026)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from conftest import declare
from portal.accounts.models import User
from portal.companies.models import EmployeeShare, ProductRate, Scheme
from portal.enrollment.choices import DependantKind
from portal.enrollment.models import Membership
from portal.enrollment.rules import DependantFacts
from portal.enrollment.services import PrefilledDependant, prefill_dependants
from portal.member_requests import services
from portal.member_requests.models import MemberRequest
from portal.signatures.journey import close_enrollment
from portal.signatures.services import prepare_envelope, record_consent, verify_code
from portal.signatures.tests.conftest import META, make_pdf, send
from portal.signatures.tests.conftest import documents as signed_documents

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 6, 15)
BIRTH = date(2026, 6, 2)
# The employee pays the dependants' base plan: 20 € a spouse, 12 € a child each month.
SPOUSE_RATE = Decimal("20.00")
CHILD_RATE = Decimal("12.00")


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def birth_certificate() -> services.Proof:
    return services.Proof("acte-de-naissance.pdf", make_pdf("Acte de naissance de Jade SIMON"))


def newborn(**changes: Any) -> DependantFacts:
    values: dict[str, Any] = dict(
        kind=DependantKind.CHILD,
        civility="MME",
        last_name="Simon",
        first_name="Jade",
        birth_date=BIRTH,
        twin_rank=1,
    )
    values.update(changes)
    return DependantFacts(**values)


def _sign(membership: Membership) -> None:
    envelope = prepare_envelope(
        membership=membership,
        purpose="enrollment",
        documents=signed_documents(),
        by=None,
        meta=META,
    )
    record_consent(envelope=envelope, wording="J'accepte", version="2024-01", meta=META)
    verify_code(envelope=envelope, code=send(envelope), meta=META)


@pytest.fixture
def active(company_a: Any, staff_user: User) -> Membership:
    """Cédric SIMON, married to Claire, put "en gestion" by staff as the back office does."""
    request = declare(company_a)
    membership: Membership = request.membership
    group = membership.insured_group
    group.employee_pays = EmployeeShare.DEPENDANTS_AND_OPTIONS
    group.save(update_fields=["employee_pays"])
    for beneficiary, amount in (
        ("member", "30.00"),
        ("spouse", SPOUSE_RATE),
        ("child", CHILD_RATE),
    ):
        ProductRate.objects.create(
            product=group.base_product,
            beneficiary=beneficiary,
            scheme=Scheme.GENERAL,
            monthly_amount=amount,
        )
    with transaction.atomic():
        prefill_dependants(
            membership=membership,
            dependants=[
                PrefilledDependant(DependantKind.SPOUSE, "Simon", "Claire", date(1987, 2, 3))
            ],
            by=None,
        )
    _sign(membership)
    membership.refresh_from_db()
    close_enrollment(membership=membership, by=staff_user)
    membership.refresh_from_db()
    return membership


@pytest.fixture
def member(active: Membership) -> User:
    user = active.employee.user
    assert user is not None
    return user


@pytest.fixture
def member_client(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


@pytest.fixture
def addition(active: Membership, member: User) -> MemberRequest:
    """The member asked to add their newborn, with the birth certificate."""
    return services.request_addition(
        membership=active,
        life_event="birth",
        event_date=BIRTH,
        facts=newborn(),
        proof=birth_certificate(),
        by=member,
        today=TODAY,
    )
