"""The hire date of a termination: the declared one counts for the portability's length."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import declare, text
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership, MembershipStatus
from portal.terminations import rules
from portal.terminations.models import Termination
from portal.terminations.tests.test_terminate import terminate
from portal.tracking.models import EventKind, RequestEvent

TODAY = date(2024, 6, 1)


@pytest.fixture
def membership(company_a: Company) -> Membership:
    membership: Membership = declare(company_a).membership
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.ACTIVE)
    membership.refresh_from_db()
    return membership


def test_a_hire_date_before_the_declared_one_is_refused_by_the_rule() -> None:
    problems = rules.check_termination(
        hire_date=date(2023, 3, 1),
        effective_date=date(2024, 3, 1),
        termination_date=date(2024, 5, 31),
        motif="dismissal_or_mutual_agreement",
        already_terminated=False,
        today=TODAY,
        declared_hire_date=date(2024, 3, 1),
    )
    assert [(p.field, p.code, p.message) for p in problems] == [
        (
            "hire_date",
            "hire_before_declared",
            "La « Date d'embauche » (01/03/2023) est antérieure à celle déclarée à l'affiliation "
            "(01/03/2024) : la durée de la portabilité se compte depuis cette date. Vérifiez la "
            "date ; pour des contrats successifs antérieurs, contactez votre service relation "
            "entreprise.",
        )
    ]


@pytest.mark.parametrize("hire_date", [date(2024, 3, 1), date(2024, 4, 15)])
def test_the_declared_or_a_later_hire_date_is_accepted_by_the_rule(hire_date: date) -> None:
    assert (
        rules.check_termination(
            hire_date=hire_date,
            effective_date=date(2024, 3, 1),
            termination_date=date(2024, 5, 31),
            motif="dismissal_or_mutual_agreement",
            already_terminated=False,
            today=TODAY,
            declared_hire_date=date(2024, 3, 1),
        )
        == []
    )


@pytest.mark.django_db
def test_an_earlier_hire_date_on_the_form_inflates_nothing_and_terminates_nothing(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    # Declared hired on 01/03/2024: typing 2023 would give 12 months of portability.
    response = terminate(client_a, company_a, membership, hire_date="2023-01-01")
    assert response.status_code == 200
    assert "est antérieure à celle déclarée à l'affiliation (01/03/2024)" in text(response)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert not Termination.objects.exists()


@pytest.mark.django_db
def test_a_later_hire_date_is_used_and_recorded_in_the_timeline_and_the_audit(
    client_a: Client, company_a: Company, membership: Membership
) -> None:
    response = terminate(client_a, company_a, membership, hire_date="2024-03-15")
    assert response.status_code == 302
    termination = Termination.objects.get()
    assert termination.hire_date == date(2024, 3, 15)
    assert termination.portability_end == rules.portability_end(
        contract_start=date(2024, 3, 15), contract_end=termination.termination_date
    )
    created = RequestEvent.objects.get(request=termination.request, kind=EventKind.CREATED)
    assert created.note == (
        "Motif : Licenciement / Rupture conventionnelle — Date d'embauche : 15/03/2024 "
        "(déclarée à l'affiliation : 01/03/2024)"
    )
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_TERMINATED)
    assert (event.details["hire_date"], event.details["declared_hire_date"]) == (
        "2024-03-15",
        "2024-03-01",
    )
