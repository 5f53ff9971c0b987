"""The demo: the active families' mandates are debited on a run prepared by `load_demo`."""

from __future__ import annotations

import pytest

from portal.backoffice.demo import load_demo
from portal.billing.models import DebitLine, DebitRun

pytestmark = pytest.mark.django_db


def test_demo_prepares_one_run_with_the_active_family_twice_the_same() -> None:
    load_demo()
    load_demo()

    run = DebitRun.objects.get()
    assert run.due_date.day == 5
    debtors = sorted(DebitLine.objects.values_list("debtor_name", "sequence", "status"))
    assert debtors and {name for name, _, _ in debtors} == {"JULIEN FABRE"}
    assert {(sequence, status) for _, sequence, status in debtors} == {("FRST", "scheduled")}
    assert run.line_count == len(debtors)
    assert run.total_cents == sum(DebitLine.objects.values_list("amount_cents", flat=True))
