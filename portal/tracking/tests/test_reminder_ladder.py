"""Issue 17, item 2: the reminder ladder — per contract, e-mail then SMS then letter at their
days, while the employee has not opened their link; a channel without contact is passed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from conftest import declare
from portal.companies.ladder import Step, parse_ladder, validate_ladder
from portal.companies.models import Company
from portal.enrollment.models import Employee, Invitation
from portal.notifications.backends import Delivery
from portal.notifications.models import Channel, OutboundMessage
from portal.tracking.models import EventKind
from portal.tracking.rules import mobile_e164
from portal.tracking.services import run_daily_reminders


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("7:email,14:sms,21:letter", [Step(7, "email"), Step(14, "sms"), Step(21, "letter")]),
        (" 3:SMS , 10:email ", [Step(3, "sms"), Step(10, "email")]),
        ("", []),
    ],
)
def test_a_ladder_reads_as_days_and_channels(text: str, steps: list[Step]) -> None:
    assert parse_ladder(text) == steps


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("7:fax", "« 7:fax » : écrivez chaque relance « jour:canal »"),
        ("sept:email", "« sept:email » : écrivez chaque relance « jour:canal »"),
        ("0:email", "« 0:email » : le jour va de 1 à 59 (le lien dure 60 jours)."),
        ("60:sms", "« 60:sms » : le jour va de 1 à 59 (le lien dure 60 jours)."),
        ("14:sms,7:email", "« 7:email » : les jours des relances vont en croissant."),
    ],
)
def test_a_wrong_ladder_is_refused_with_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_ladder(text)
    assert refused.value.messages[0].startswith(message)


@pytest.mark.parametrize(
    ("phone", "e164"),
    [("06 12 34 56 78", "+33612345678"), ("+32 470 12 34 56", "+32470123456"),
     ("01 23 45 67 89", None), ("", None), ("n/a", None)],
)  # fmt: skip
def test_only_a_mobile_gets_an_sms(phone: str, e164: str | None) -> None:
    assert mobile_e164(phone) == e164


@pytest.fixture(autouse=True)
def ten_in_the_morning() -> Any:
    """Invitations sent at 10:00 (Paris): a run an hour after the day's mark stays that day."""
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))):
        yield


def run(invitation: Invitation, day: int) -> int:
    return run_daily_reminders(now=invitation.sent_at + timedelta(days=day, hours=1)).reminders


@pytest.mark.django_db
def test_the_ladder_sends_e_mail_then_sms_then_letter_at_their_days(
    company_a: Company, delivered: list[Delivery], django_capture_on_commit_callbacks: Any
) -> None:
    request = declare(company_a)
    Employee.objects.filter(pk=request.employee_id).update(phone="06 12 34 56 78")
    invitation = Invitation.objects.get()
    mail.outbox.clear()

    sent = {}
    for day in range(1, 30):
        with django_capture_on_commit_callbacks(execute=True):
            sent[day] = run(invitation, day)
    assert [day for day, count in sent.items() if count] == [7, 14, 21]

    assert [m.subject for m in mail.outbox] == [
        "Rappel : finalisez votre adhésion à votre mutuelle d'entreprise"
    ]
    sms = [d for d in delivered if d.channel == Channel.SMS]
    assert len(sms) == 1 and invitation.token in sms[0].body_text
    assert re.search(r"valable jusqu'au \d\d/\d\d/\d{4} : http", sms[0].body_text)
    letters = OutboundMessage.objects.filter(channel=Channel.LETTER).values_list(
        "template", flat=True
    )
    assert sorted(letters) == ["letter_login", "letter_password"]
    kinds = list(request.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds[-5:] == [
        EventKind.AUTO_REMINDER_SENT,
        EventKind.AUTO_REMINDER_SENT,
        EventKind.LINK_SMS_SENT,
        EventKind.AUTO_REMINDER_SENT,
        EventKind.LETTERS_SENT,
    ]
    assert Invitation.objects.get(pk=invitation.pk).ladder_steps_done == 3


@pytest.mark.django_db
def test_a_step_without_contact_is_passed_and_the_next_comes_at_its_day(
    company_a: Company,
) -> None:
    request = declare(company_a)  # an e-mail, no mobile
    invitation = Invitation.objects.get()
    assert [run(invitation, day) for day in (7, 14, 21)] == [1, 0, 1]
    assert Invitation.objects.get(pk=invitation.pk).ladder_steps_done == 3
    assert not request.events.filter(kind=EventKind.LINK_SMS_SENT).exists()


@pytest.mark.django_db
def test_the_ladder_stops_once_the_employee_opened_the_link(company_a: Company) -> None:
    request = declare(company_a)
    invitation = Invitation.objects.get()
    assert run(invitation, 7) == 1
    Invitation.objects.filter(pk=invitation.pk).update(used_at=invitation.sent_at)
    assert [run(invitation, day) for day in (14, 21, 30)] == [0, 0, 0]
    assert request.events.filter(kind=EventKind.AUTO_REMINDER_SENT).count() == 1


@pytest.mark.django_db
def test_a_contract_without_ladder_sends_only_the_reminder_before_expiry(
    company_a: Company,
) -> None:
    company_a.contracts.update(reminder_ladder="")
    declare(company_a)
    invitation = Invitation.objects.get()
    assert [run(invitation, day) for day in (7, 14, 21, 53)] == [0, 0, 0, 1]


@pytest.mark.django_db
def test_a_step_due_the_day_hr_reminded_waits_for_the_next_day(company_a: Company) -> None:
    from portal.tracking.services import send_reminder

    request = declare(company_a)
    invitation = Invitation.objects.get()
    send_reminder(
        request_id=request.pk,
        company=company_a,
        by=None,
        now=invitation.sent_at + timedelta(days=7),
    )
    assert run(invitation, 7) == 0  # one reminder a day
    assert run(invitation, 8) == 1
