"""Fixtures of the portability follow-up tests: a health membership put "en gestion" as staff
do it (so it has its card), terminated by its employer with portability on 31 May 2026, its
former employee's login, an attestation as a real PDF, and a fixed clock (mid-June 2026)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase

from conftest import declare
from portal.accounts.models import User
from portal.companies.models import Company
from portal.enrollment.choices import DependantKind
from portal.enrollment.models import Membership
from portal.enrollment.services import PrefilledDependant, prefill_dependants
from portal.signatures.journey import close_enrollment
from portal.signatures.services import prepare_envelope, record_consent, verify_code
from portal.signatures.tests.conftest import META, documents, make_pdf, send
from portal.terminations.models import Termination
from portal.terminations.services import terminate_membership

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 6, 15)
ENDED = date(2026, 5, 31)  # the last day of the employment contract
COMPUTED_END = date(2027, 5, 31)  # hired 1 March 2024: 12 months, from 1 June 2026


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def sign(membership: Membership) -> None:
    """The employee signs their dossier by SMS code (the real envelope and effect)."""
    envelope = prepare_envelope(
        membership=membership, purpose="enrollment", documents=documents(), by=None, meta=META
    )
    record_consent(envelope=envelope, wording="J'accepte", version="2024-01", meta=META)
    verify_code(envelope=envelope, code=send(envelope), meta=META)


def active_membership(
    company: Company,
    staff: User,
    dependants: Sequence[PrefilledDependant] = (),
    **overrides: Any,
) -> Membership:
    request = declare(company, None, **overrides)
    membership: Membership = request.membership
    if dependants:
        with transaction.atomic():
            prefill_dependants(membership=membership, dependants=list(dependants), by=None)
    sign(membership)
    membership.refresh_from_db()
    close_enrollment(membership=membership, by=staff)
    membership.refresh_from_db()
    return membership


def terminate(membership: Membership, company: Company, by: User | None = None) -> Termination:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return terminate_membership(
            company=company,
            membership_id=membership.pk,
            hire_date=date(2024, 3, 1),
            termination_date=ENDED,
            motif="dismissal_or_mutual_agreement",
            portability=True,
            by=by,
            today=TODAY,
        )


SPOUSE = PrefilledDependant(DependantKind.SPOUSE, "Simon", "Claire", date(1987, 2, 3))


@pytest.fixture
def portability(
    clock: time_machine.Traveller, company_a: Company, staff_user: User, correspondent_a: User
) -> Termination:
    """Cédric SIMON's portability (his wife Claire covered), from 1 June 2026 to 31 May 2027."""
    membership = active_membership(company_a, staff_user, [SPOUSE])
    termination = terminate(membership, company_a, correspondent_a)
    assert termination.portability_end == COMPUTED_END
    return termination


@pytest.fixture
def former_employee(portability: Termination) -> User:
    user = portability.membership.employee.user
    assert user is not None
    return user


@functools.cache
def attestation(text: str = "Attestation France Travail - juin 2026") -> bytes:
    """The same bytes at each call: the PDF's creation date would differ from one second to
    the next (a test compares the file served with the one sent)."""
    return make_pdf(text)
