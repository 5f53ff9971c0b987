"""Fixtures of the card tests: a health membership put "en gestion" the way staff do it, its
member's login, and a fixed clock (mid-2026)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from conftest import declare
from portal.accounts.models import User
from portal.enrollment.choices import DependantKind
from portal.enrollment.models import Membership
from portal.enrollment.services import PrefilledDependant, prefill_dependants
from portal.signatures.journey import close_enrollment
from portal.signatures.services import prepare_envelope, record_consent, verify_code
from portal.signatures.tests.conftest import META, send
from portal.signatures.tests.conftest import (
    documents as signed_documents,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=PARIS)

DEPENDANTS = [
    PrefilledDependant(DependantKind.SPOUSE, "Simon", "Claire", date(1987, 2, 3)),
    PrefilledDependant(DependantKind.CHILD, "Simon", "Lou", date(2015, 9, 21)),
    # 21 before 2026: past the contract's age limit, not on the card (R4.1).
    PrefilledDependant(DependantKind.CHILD, "Simon", "Hugo", date(2003, 4, 8)),
]


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def sign(membership: Membership) -> None:
    """The employee signs their dossier by SMS code (the real envelope and effect)."""
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
def signed(company_a: Any) -> Membership:
    request = declare(company_a, street_number="", street_name="", postal_code="", city="")
    membership: Membership = request.membership
    with transaction.atomic():
        prefill_dependants(membership=membership, dependants=DEPENDANTS, by=None)
    sign(membership)
    membership.refresh_from_db()
    return membership


@pytest.fixture
def active(signed: Membership, staff_user: User) -> Membership:
    """Put "en gestion" by staff: `close_enrollment`, as the back office does."""
    close_enrollment(membership=signed, by=staff_user)
    signed.refresh_from_db()
    return signed


@pytest.fixture
def member(active: Membership) -> User:
    user = active.employee.user
    assert user is not None
    return user
