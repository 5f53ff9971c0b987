"""A DSN of any company declaring an employment contract for a person under portability
elsewhere (same NIR) ends that portability the day before the contract starts (R3.6)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.test import TestCase

from conftest import declare, make_nir
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.dsn.models import DsnOutcome
from portal.dsn.tests.test_intake import employer, monthly, person, take_in
from portal.enrollment.models import Membership, MembershipStatus
from portal.terminations.models import Termination
from portal.terminations.services import terminate_membership
from portal.tracking.models import EventKind, RequestEvent

__all__ = ["employer"]  # the fixture, used by name

pytestmark = pytest.mark.django_db
NIR = make_nir()  # the employee declared by conftest.declare at company A


@pytest.fixture
def portability(company_a: Company) -> Termination:
    """Cédric SIMON left company A on 31 May 2025: portability until 31 May 2026."""
    request = declare(company_a, nir=NIR)
    Membership.objects.filter(pk=request.membership_id).update(status=MembershipStatus.ACTIVE)
    with TestCase.captureOnCommitCallbacks(execute=True):
        termination = terminate_membership(
            company=company_a,
            membership_id=request.membership_id,
            hire_date=date(2024, 3, 1),
            termination_date=date(2025, 5, 31),
            motif="dismissal_or_mutual_agreement",
            portability=True,
            by=None,
            today=date(2025, 6, 10),
        )
    assert termination.portability_end == date(2026, 5, 31)
    return termination


def simon(hired: str, born: str = "14051985") -> list[tuple[str, str]]:
    """Cédric SIMON as a new employer declares him (born 14 May 1985, as at company A)."""
    records = person(NIR[:13], "SIMON", "Cedric", hired=hired)
    return [(k, born if k == "S21.G00.30.006" else v) for k, v in records]


def hired_elsewhere(employer: Company, hired: str, month: str = "", born: str = "14051985") -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        take_in(monthly(simon(hired, born), month=month))


def test_a_new_contract_declared_by_another_company_ends_the_portability_on_its_eve(
    employer: Company, portability: Termination
) -> None:
    mail.outbox.clear()
    hired_elsewhere(employer, "02062025")
    portability.refresh_from_db()
    assert (
        portability.ended_early_on,
        portability.early_end_reason,
        portability.early_end_source,
        portability.early_end_event_date,
    ) == (date(2025, 6, 1), "new_job", "dsn", date(2025, 6, 2))
    event = AuditEvent.objects.get(action=AuditAction.PORTABILITY_ENDED_EARLY)
    assert (event.company_id, event.details["last_day"]) == (
        portability.membership.contract.company_id,
        "2025-06-01",
    )
    assert "dsn_file_id" in event.details
    cover = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_COVER_END_CHANGED)
    assert cover.details["cover_until"] == "2025-06-01"
    assert RequestEvent.objects.filter(
        request=portability.request, kind=EventKind.PORTABILITY_ENDED_EARLY
    ).exists()
    # (The new employer's own invitation went to the address its DSN declares.)
    told = [m for m in mail.outbox if "portabilité" in m.subject]
    assert told[0].to == ["cedric.simon@example.org"]
    assert [m.subject for m in told] == ["Fin de votre portabilité au 01/06/2025"]
    assert "Motif : Reprise d'un emploi." in told[0].body
    assert employer.legal_name not in told[0].body  # the new employer is not named
    # The new employer's report is about its own affiliation, never the former portability.
    assert [o.kind for o in DsnOutcome.objects.all()] == ["affiliation_created"]


def test_the_next_months_dsn_repeating_the_contract_changes_nothing(
    employer: Company, portability: Termination
) -> None:
    hired_elsewhere(employer, "02062025")
    hired_elsewhere(employer, "02062025", month="01072025")
    portability.refresh_from_db()
    assert portability.ended_early_on == date(2025, 6, 1)
    assert AuditEvent.objects.filter(action=AuditAction.PORTABILITY_ENDED_EARLY).count() == 1


def test_a_contract_that_began_before_the_end_of_the_old_one_does_not_end_it(
    employer: Company, portability: Termination
) -> None:
    hired_elsewhere(employer, "01012025")  # a second job held meanwhile
    portability.refresh_from_db()
    assert (portability.ended_early_on, portability.early_end_reason) == (None, "")
    assert not AuditEvent.objects.filter(action=AuditAction.PORTABILITY_ENDED_EARLY).exists()


def test_a_contract_after_the_computed_end_does_not_end_it(
    employer: Company, portability: Termination
) -> None:
    hired_elsewhere(employer, "01062026", month="01062026")
    portability.refresh_from_db()
    assert portability.ended_early_on is None


def test_another_persons_contract_does_not_end_it(
    employer: Company, portability: Termination
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        take_in(monthly(person(make_nir(order="456")[:13], "MARTIN", "Paul", hired="02062025")))
    portability.refresh_from_db()
    assert portability.ended_early_on is None


def test_the_same_nir_with_another_birth_date_does_not_end_it(
    employer: Company, portability: Termination
) -> None:
    """A NIR typed wrong for someone else (born another day) never stops a person's cover."""
    hired_elsewhere(employer, "02062025", born="20051985")
    portability.refresh_from_db()
    assert portability.ended_early_on is None
