"""manage.py prepare_debits: one due date, or every due date of the notice window (cron)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from portal.billing.models import DebitRun
from portal.billing.tests.conftest import MakeMember

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-12-01 09:00 +01:00", tick=False)
def test_prepares_the_due_date_given(make_member: MakeMember) -> None:
    make_member(debit_day=20)
    out = StringIO()

    call_command("prepare_debits", "--due-date", "2026-12-20", stdout=out)

    assert out.getvalue() == "20/12/2026 : 1 prélèvement(s), 108.00 € au total.\n"
    assert DebitRun.objects.get().line_count == 1


@time_machine.travel("2026-12-01 09:00 +01:00", tick=False)
def test_without_a_date_prepares_every_due_date_of_the_window(make_member: MakeMember) -> None:
    make_member(debit_day=15)
    out = StringIO()

    call_command("prepare_debits", stdout=out)

    # From 1 December + 14 days to 7 days later: the 15th and the 20th.
    assert sorted(DebitRun.objects.values_list("due_date", "line_count")) == [
        (date(2026, 12, 15), 1),
        (date(2026, 12, 20), 0),
    ]
    assert out.getvalue().splitlines() == [
        "15/12/2026 : 1 prélèvement(s), 108.00 € au total.",
        "20/12/2026 : 0 prélèvement(s), 0.00 € au total.",
    ]


@time_machine.travel("2026-12-10 09:00 +01:00", tick=False)
def test_a_date_too_close_fails_with_the_french_message(make_member: MakeMember) -> None:
    with pytest.raises(CommandError, match="au moins 14 jours avant"):
        call_command("prepare_debits", "--due-date", "2026-12-20")
    assert not DebitRun.objects.exists()
